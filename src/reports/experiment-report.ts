import type { ExperimentAnalysis } from '../workflows/experiment/experiment-types';
import { intervalChart, legend, lineChart } from './charts';
import type { ExperimentLook, ExperimentReportData } from './experiment-data';
import {
  badge,
  fmtInt,
  fmtNumber,
  fmtP,
  fmtPercent,
  fmtTime,
  html,
  htmlDocument,
  PALETTE,
  raw,
  type BadgeTone,
  type RawHtml,
} from './html';

/** z for the fixed-sample 95% interval of an arm's mean. */
const Z95 = 1.959963984540054;

export function statusTone(status: string): BadgeTone {
  switch (status) {
    case 'running':
      return 'info';
    case 'paused':
    case 'created':
      return 'warn';
    case 'completed':
      return 'ok';
    case 'failed':
      return 'bad';
    default:
      return 'muted';
  }
}

const metricName = (data: ExperimentReportData) =>
  data.policy.primaryMetric === 'accuracy' ? 'accuracy' : 'mean return';
const fmtMetric = (data: ExperimentReportData, v: number | null | undefined) =>
  data.policy.primaryMetric === 'accuracy' ? fmtPercent(v, 2) : fmtNumber(v ?? null, 5);

function armColour(data: ExperimentReportData, variant: string): string {
  const i = data.experiment.variants.findIndex((v) => v.variant === variant);
  return PALETTE[(i < 0 ? 0 : i) % PALETTE.length]!;
}

/** Per arm: version, weight, routed units, outcomes, the metric with its fixed-n 95% interval, returns. */
export function armsTable(data: ExperimentReportData, analysis: ExperimentAnalysis = data.analysis): RawHtml {
  const rows = data.experiment.variants.map((v) => {
    const arm = analysis.arms.find((a) => a.variant === v.variant);
    const half = arm && arm.n > 1 ? Z95 * Math.sqrt(arm.variance / arm.n) : null;
    return html`<tr>
      <td>
        <span class="badge" style="background:${armColour(data, v.variant)};color:#fff">${v.variant}</span
        >${v.is_control ? html` <span class="muted small">control</span>` : ''}
      </td>
      <td>v${v.version}</td>
      <td class="num">${fmtPercent(v.weight, 0)}</td>
      <td class="num">${fmtInt(arm?.assignments)}</td>
      <td class="num">${fmtInt(arm?.n)}</td>
      <td class="num"><strong>${arm && arm.n > 0 ? fmtMetric(data, arm.mean) : '—'}</strong></td>
      <td class="num">
        ${half === null || !arm ? '—' : html`${fmtMetric(data, arm.mean - half)} – ${fmtMetric(data, arm.mean + half)}`}
      </td>
      <td class="num">${fmtNumber(arm?.totalReturn ?? null)}</td>
      <td class="num">${fmtNumber(arm?.maxDrawdown ?? null)}</td>
    </tr>`;
  });
  return html`<div class="table-wrap">
    <table>
      <thead>
        <tr>
          <th>Arm</th>
          <th>Version</th>
          <th class="num">Weight</th>
          <th class="num">Routed</th>
          <th class="num">n</th>
          <th class="num">${metricName(data)}</th>
          <th class="num">95% interval (fixed n)</th>
          <th class="num">Total return</th>
          <th class="num">Max drawdown</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}

/** Each treatment against control: difference, always-valid interval and p-value. */
export function comparisonsTable(
  data: ExperimentReportData,
  analysis: ExperimentAnalysis = data.analysis,
): RawHtml {
  if (analysis.comparisons.length === 0) return html`<p class="empty">No comparisons yet.</p>`;
  // Each of k treatments is decided at α/k (Bonferroni), and its interval is at that level.
  const alpha = data.policy.alpha / Math.max(1, analysis.comparisons.length);
  return html`<div class="table-wrap">
    <table>
      <thead>
        <tr>
          <th>Treatment − control</th>
          <th class="num">Difference</th>
          <th class="num">Always-valid ${`${Number(((1 - alpha) * 100).toPrecision(4))}%`} interval</th>
          <th class="num">Always-valid p</th>
          <th>Verdict</th>
        </tr>
      </thead>
      <tbody>
        ${analysis.comparisons.map((c) => {
          const significant = c.pValue < alpha;
          const verdict = significant
            ? c.diff > 0
              ? badge('treatment better', 'ok')
              : badge('treatment worse', 'bad')
            : badge('not significant', 'muted');
          return html`<tr>
            <td><strong>${c.variant}</strong></td>
            <td class="num">${fmtNumber(c.diff, 5)}</td>
            <td class="num">
              ${c.ci ? html`[${fmtNumber(c.ci[0], 5)}, ${fmtNumber(c.ci[1], 5)}]` : html`<span class="muted">not yet</span>`}
            </td>
            <td class="num"><strong>${fmtP(c.pValue)}</strong></td>
            <td>${verdict}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}

/** The always-valid p-value of each treatment over the reconstructed looks, log scale, with α. */
export function pValueFigure(
  data: ExperimentReportData,
  options: { width?: number; height?: number } = {},
): RawHtml {
  const treatments = data.experiment.variants.filter((v) => !v.is_control);
  const series = treatments.map((t) => ({
    name: t.variant,
    colour: armColour(data, t.variant),
    points: data.looks
      .map((look: ExperimentLook) => {
        const c = look.analysis.comparisons.find((x) => x.variant === t.variant);
        return c
          ? {
              x: look.at,
              y: Math.max(c.pValue, 1e-12),
              label: `${t.variant} at ${fmtTime(look.at, true)}: p ${fmtP(c.pValue)}, diff ${fmtNumber(c.diff, 5)}`,
            }
          : undefined;
      })
      .filter((p): p is { x: number; y: number; label: string } => p !== undefined),
  }));
  const chart = lineChart({
    series,
    x: 'time',
    y: 'log',
    refLines: [{ y: data.policy.alpha, label: `α = ${data.policy.alpha}` }],
    yLabel: 'always-valid p (log)',
    ariaLabel: 'Always-valid p-value over time',
    width: options.width ?? 620,
    height: options.height ?? 250,
  });
  return html`${raw(chart)}${raw(legend(series.map((s) => ({ name: `${s.name} vs control`, colour: s.colour }))))}`;
}

/** Each arm's cumulative metric over the reconstructed looks. */
export function metricFigure(
  data: ExperimentReportData,
  options: { width?: number; height?: number } = {},
): RawHtml {
  const series = data.experiment.variants.map((v) => ({
    name: v.variant,
    colour: armColour(data, v.variant),
    points: data.looks
      .map((look) => {
        const arm = look.analysis.arms.find((a) => a.variant === v.variant);
        return arm && arm.n > 0
          ? {
              x: look.at,
              y: arm.mean,
              label: `${v.variant} at ${fmtTime(look.at, true)}: ${fmtMetric(data, arm.mean)} (n ${fmtInt(arm.n)})`,
            }
          : undefined;
      })
      .filter((p): p is { x: number; y: number; label: string } => p !== undefined),
  }));
  const chart = lineChart({
    series,
    x: 'time',
    yLabel: metricName(data),
    ...(data.policy.primaryMetric === 'accuracy' ? { yFormat: (v: number) => fmtPercent(v, 1) } : {}),
    ariaLabel: `${metricName(data)} per arm over time`,
    width: options.width ?? 620,
    height: options.height ?? 250,
  });
  return html`${raw(chart)}${raw(legend(series.map((s) => ({ name: s.name, colour: s.colour }))))}`;
}

/** Forest plot of each treatment's difference to control with its always-valid interval. */
export function differenceFigure(data: ExperimentReportData, options: { width?: number } = {}): RawHtml {
  const rows = data.analysis.comparisons.map((c) => ({
    label: `${c.variant} − control`,
    estimate: c.diff,
    interval: c.ci,
    colour: armColour(data, c.variant),
    note: `p ${fmtP(c.pValue)}`,
  }));
  return raw(
    intervalChart({
      rows,
      reference: { x: 0, label: 'no difference' },
      ariaLabel: 'Difference to control with always-valid intervals',
      width: options.width ?? 620,
      ...(data.policy.primaryMetric === 'accuracy' ? { xFormat: (v: number) => fmtPercent(v, 1) } : {}),
    }),
  );
}

/** Sample-ratio mismatch and guardrails, with the policy's limits. */
export function healthSection(
  data: ExperimentReportData,
  analysis: ExperimentAnalysis = data.analysis,
): RawHtml {
  const { srm, guardrailBreaches } = analysis;
  const g = data.policy.guardrails;
  const limits = [
    g.maxLoss !== undefined ? `max loss ${g.maxLoss}` : null,
    g.maxDrawdown !== undefined ? `max drawdown ${g.maxDrawdown}` : null,
    g.maxAccuracyDrop !== undefined ? `max accuracy drop ${g.maxAccuracyDrop}` : null,
  ].filter((x): x is string => x !== null);
  return html`<div class="table-wrap">
    <table>
      <tbody>
        <tr>
          <th>Sample ratio</th>
          <td>${srm.mismatch ? badge('MISMATCH', 'bad') : badge('ok', 'ok')}</td>
          <td class="small muted">
            χ² ${fmtNumber(srm.chi2, 3)}, p ${fmtP(srm.pValue)} (holds the experiment below
            ${data.policy.srmAlpha})
          </td>
        </tr>
        <tr>
          <th>Guardrails</th>
          <td>
            ${guardrailBreaches.length ? badge('BREACHED', 'bad') : limits.length ? badge('ok', 'ok') : badge('none set', 'muted')}
          </td>
          <td class="small muted">
            ${guardrailBreaches.length ? guardrailBreaches.join('; ') : limits.length ? limits.join(', ') : 'no guardrails in the policy'}
          </td>
        </tr>
      </tbody>
    </table>
  </div>`;
}

/** The policy as a compact definition list. */
export function policySummary(data: ExperimentReportData): RawHtml {
  const p = data.policy;
  return html`<p class="small muted">
    metric <strong>${p.primaryMetric}</strong> · α ${p.alpha} · min ${fmtInt(p.minSamplesPerVariant)} / max
    ${fmtInt(p.maxSamplesPerVariant)} per arm · max duration ${p.maxDuration} · looks every
    ${p.analysisInterval} · auto-promote ${p.autoPromote ? 'on' : 'off'}
  </p>`;
}

export interface ExperimentReportOptions {
  generatedAt?: Date;
}

/**
 * A self-contained HTML experiment report: status, arms with their intervals, each treatment against
 * control with the always-valid interval and p-value, the p-value and metric over time, SRM and
 * guardrails. Inline CSS and SVG only.
 */
export function renderExperimentReport(
  data: ExperimentReportData,
  options: ExperimentReportOptions = {},
): string {
  const e = data.experiment;
  const generatedAt = options.generatedAt ?? new Date();
  const live = data.live;
  const body = html`<main>
    <h1>Experiment report — ${e.name}</h1>
    <p class="sub">
      ${e.modelName} · <span class="mono">${e.experiment_id}</span> · generated ${fmtTime(generatedAt, true)}
    </p>
    <div class="stats">
      <div class="stat">
        <div class="label">Status</div>
        <div class="value">${badge(e.status, statusTone(e.status))}</div>
        <div class="note">
          ${e.completion_reason ?? (live ? `workflow: ${live.state}, ${live.looks} look(s)` : 'as stored')}
        </div>
      </div>
      <div class="stat">
        <div class="label">Winner</div>
        <div class="value">${e.winner_variant ?? '—'}</div>
        <div class="note">${e.ended_at ? `ended ${fmtTime(e.ended_at)}` : 'not decided'}</div>
      </div>
      <div class="stat">
        <div class="label">Started</div>
        <div class="value" style="font-size:15px">${fmtTime(e.started_at ?? e.created_at)}</div>
        <div class="note">allocation ${e.allocation_strategy}, coverage ${fmtPercent(e.coverage, 0)}</div>
      </div>
      <div class="stat">
        <div class="label">Outcomes</div>
        <div class="value">${fmtInt(data.analysis.arms.reduce((s, a) => s + a.n, 0))}</div>
        <div class="note">${fmtInt(data.analysis.arms.reduce((s, a) => s + a.assignments, 0))} routed</div>
      </div>
    </div>
    <section class="card">
      <h2>Arms</h2>
      ${armsTable(data)}${policySummary(data)}
    </section>
    <div class="grid grid-2">
      <section class="card">
        <h2>Treatment vs control</h2>
        ${comparisonsTable(data)}
        <div style="margin-top:12px">${differenceFigure(data)}</div>
      </section>
      <section class="card">
        <h2>Health</h2>
        ${healthSection(data)}
      </section>
      <section class="card">
        <h2>Always-valid p-value over time</h2>
        ${pValueFigure(data)}
      </section>
      <section class="card">
        <h2>${data.policy.primaryMetric === 'accuracy' ? 'Accuracy' : 'Mean return'} over time</h2>
        ${metricFigure(data)}
      </section>
    </div>
    <section class="card" style="margin-top:18px">
      <h2>How to read this report</h2>
      <p class="small muted">
        p-values and intervals of the differences are always valid (mixture SPRT): they may be read after
        every look without inflating the error rate. The path over time is reconstructed from the stored
        outcomes in ${fmtInt(data.looks.length)} slices of the experiment's life, through the same analysis
        the workflow runs${live ? `; the workflow itself has looked ${live.looks} time(s)` : ''}. Per-arm
        intervals are fixed-sample 95% intervals, for orientation only.
      </p>
    </section>
    <footer>Gal-Friday Intelligence · experiment report · self-contained file</footer>
  </main>`;
  return htmlDocument({ title: `Experiment report — ${e.name}`, body });
}
