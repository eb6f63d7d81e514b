import type { DriftCheckResult } from '../lifecycle/check-drift';
import type { ReferenceProfile } from '../stats';
import { groupedBarChart, legend, lineChart } from './charts';
import {
  histogramOf,
  PREDICTION_PROFILE,
  shortNumber,
  type DriftEventPoint,
  type FeatureHistogram,
} from './drift-data';
import {
  badge,
  CURRENT_COLOUR,
  fmtInt,
  fmtNumber,
  fmtP,
  fmtPercent,
  fmtTime,
  html,
  htmlDocument,
  PALETTE,
  raw,
  REFERENCE_COLOUR,
  type RawHtml,
} from './html';

/** One row of a per-feature drift table, from a fresh check or from stored drift events. */
export interface DriftRow {
  name: string;
  method: string;
  statistic: number;
  threshold: number | null;
  pValue: number | null;
  drifted: boolean;
  referenceRows?: number;
  currentRows?: number;
  referenceMean?: number | null;
  referenceStd?: number | null;
  currentMean?: number | null;
  currentStd?: number | null;
}

/** The drift rule of a row: p-value tests drift below the threshold, scores at or above it. */
function ruleOf(r: Pick<DriftRow, 'threshold' | 'pValue'>): string {
  if (r.threshold === null) return '—';
  return r.pValue !== null ? `p < ${fmtNumber(r.threshold)}` : `≥ ${fmtNumber(r.threshold)}`;
}

const displayName = (name: string) =>
  name === PREDICTION_PROFILE || name === 'prediction' ? 'model output' : name;

function share(counts: number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  return counts.map((c) => (total > 0 ? c / total : 0));
}

/** Reference vs current share of rows per reference bin, as an inline SVG with its legend. */
export function histogramFigure(
  hist: FeatureHistogram,
  options: { width?: number; height?: number; title?: string } = {},
): RawHtml {
  const ref = share(hist.reference);
  const cur = share(hist.current);
  const chart = groupedBarChart({
    categories: hist.labels,
    series: [
      { name: 'reference', values: ref, colour: REFERENCE_COLOUR },
      { name: 'current', values: cur, colour: CURRENT_COLOUR },
    ],
    ...(hist.kind === 'numeric' && hist.edges.length > 0
      ? { boundaryLabels: hist.edges.map(shortNumber) }
      : {}),
    yFormat: (v) => fmtPercent(v, 0),
    yLabel: 'share of rows',
    ariaLabel: `Histogram of ${displayName(hist.feature)}: reference vs current share of rows per reference bin`,
    width: options.width ?? 560,
    height: options.height ?? 210,
    ...(options.title ? { title: options.title } : {}),
    tooltip: (s, c) =>
      `${s === 0 ? 'reference' : 'current'} · bin ${hist.labels[c]}: ${fmtPercent(s === 0 ? ref[c] : cur[c])} (${fmtInt(s === 0 ? hist.reference[c] : hist.current[c])} rows)`,
  });
  return html`${raw(chart)}${raw(
    legend([
      { name: `reference (${fmtInt(hist.referenceRows)} rows)`, colour: REFERENCE_COLOUR },
      { name: `current (${fmtInt(hist.currentRows)} rows)`, colour: CURRENT_COLOUR },
    ]),
  )}`;
}

/** A feature's stored drift statistic over time, with its threshold (score methods) as a line. */
export function driftOverTimeFigure(
  history: DriftEventPoint[],
  metric: string,
  options: { width?: number; height?: number } = {},
): RawHtml {
  const events = history.filter((e) => e.metric === metric);
  if (events.length === 0)
    return html`<p class="empty">No recorded drift checks of ${displayName(metric)} yet.</p>`;
  const byMethod = new Map<string, DriftEventPoint[]>();
  for (const e of events) byMethod.set(e.method, [...(byMethod.get(e.method) ?? []), e]);
  const last = events.at(-1)!;
  const usesP = last.pValue !== null && last.method !== 'share';
  const series = [...byMethod.entries()].map(([method, points], i) => ({
    name: method,
    colour: PALETTE[i % PALETTE.length]!,
    points: points.map((p) => ({
      x: p.at.getTime(),
      y: p.statistic,
      label: `${fmtTime(p.at)} · ${method} ${fmtNumber(p.statistic)}${p.pValue !== null ? `, p ${fmtP(p.pValue)}` : ''} · ${p.drifted ? 'drifted' : 'ok'} (${fmtInt(p.sampleSize)} rows)`,
    })),
  }));
  const refLines =
    !usesP && last.threshold > 0
      ? [{ y: last.threshold, label: `threshold ${fmtNumber(last.threshold)}` }]
      : [];
  return html`${raw(
    lineChart({
      series,
      x: 'time',
      refLines,
      yLabel: [...byMethod.keys()].join(' / '),
      ariaLabel: `${displayName(metric)}: drift statistic over time`,
      width: options.width ?? 560,
      height: options.height ?? 200,
    }),
  )}${series.length > 1 ? raw(legend(series.map((s) => ({ name: s.name, colour: s.colour })))) : ''}`;
}

/** The per-feature table (feature, method, statistic, threshold, p-value, means, status). */
export function driftTable(
  rows: DriftRow[],
  options: { featureHref?: (name: string) => string; selected?: string } = {},
): RawHtml {
  if (rows.length === 0) return html`<p class="empty">No features were tested.</p>`;
  const hasMeans = rows.some((r) => r.referenceMean !== undefined || r.currentMean !== undefined);
  const hasRows = rows.some((r) => r.currentRows !== undefined);
  return html`<div class="table-wrap">
    <table>
      <thead>
        <tr>
          <th>Feature</th>
          <th>Method</th>
          <th class="num">Statistic</th>
          <th class="num">Drifts when</th>
          <th class="num">p-value (adj.)</th>
          ${
            hasMeans
              ? raw('<th class="num">Reference mean ± sd</th><th class="num">Current mean ± sd</th>')
              : ''
          }${hasRows ? raw('<th class="num">Rows (ref / cur)</th>') : ''}
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (r) => html`<tr${r.name === options.selected ? raw(' style="background:#f3f7fd"') : ''}>
<td>${options.featureHref ? html`<a href="${options.featureHref(r.name)}">${displayName(r.name)}</a>` : html`<strong>${displayName(r.name)}</strong>`}</td>
<td><code>${r.method}</code></td>
<td class="num">${fmtNumber(r.statistic)}</td>
<td class="num">${ruleOf(r)}</td>
<td class="num">${fmtP(r.pValue)}</td>
${
  hasMeans
    ? html`<td class="num">${fmtNumber(r.referenceMean ?? null)} ± ${fmtNumber(r.referenceStd ?? null)}</td>
        <td class="num">${fmtNumber(r.currentMean ?? null)} ± ${fmtNumber(r.currentStd ?? null)}</td>`
    : ''
}
${hasRows ? html`<td class="num">${fmtInt(r.referenceRows)} / ${fmtInt(r.currentRows)}</td>` : ''}
<td>${r.drifted ? badge('drifted', 'bad') : badge('ok', 'ok')}</td></tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export interface DriftReportInput {
  model: string;
  window: { from: Date; to: Date; source?: 'predictions' | 'bars' };
  result: DriftCheckResult;
  /** Reference profiles of the compared version (feature → profile, the output under `__prediction__`). */
  profiles: Record<string, ReferenceProfile>;
  /** The window's current values per feature, for the histograms (omit to draw none). */
  current?: Record<string, ArrayLike<number>>;
  /** Stored drift events of the model, oldest first, for the charts over time. */
  history?: DriftEventPoint[];
  generatedAt?: Date;
}

/** Rows of a fresh check, with reference and current means where the histograms know them. */
function rowsOfResult(input: DriftReportInput, histograms: Map<string, FeatureHistogram>): DriftRow[] {
  const rows: DriftRow[] = (input.result.report?.features ?? []).map((f) => {
    const profile = input.profiles[f.name];
    const hist = histograms.get(f.name);
    return {
      name: f.name,
      method: f.method,
      statistic: f.score ?? f.statistic,
      threshold: f.threshold,
      pValue: f.adjustedPValue ?? null,
      drifted: f.drifted,
      referenceRows: f.referenceRows,
      currentRows: f.currentRows,
      referenceMean: profile?.type === 'numeric' ? profile.mean : null,
      referenceStd: profile?.type === 'numeric' ? profile.std : null,
      currentMean: hist?.currentMean ?? null,
      currentStd: hist?.currentStd ?? null,
    };
  });
  const p = input.result.predictionDrift;
  if (p) {
    const profile = input.profiles[PREDICTION_PROFILE];
    const hist = histograms.get(PREDICTION_PROFILE);
    rows.push({
      name: PREDICTION_PROFILE,
      method: p.method,
      statistic: p.statistic,
      threshold: null,
      pValue: p.pValue ?? null,
      drifted: p.drifted,
      ...(profile ? { referenceRows: profile.n } : {}),
      ...(hist ? { currentRows: hist.currentRows } : {}),
      referenceMean: profile?.type === 'numeric' ? profile.mean : null,
      referenceStd: profile?.type === 'numeric' ? profile.std : null,
      currentMean: hist?.currentMean ?? null,
      currentStd: hist?.currentStd ?? null,
    });
  }
  return rows;
}

/**
 * A self-contained HTML drift report in the manner of Evidently's: a summary, a per-feature table,
 * and per feature the reference vs current histogram on the reference profile's bins and (with
 * history) the stored statistic over time. Inline CSS and SVG only: it opens offline.
 */
export function renderDriftReport(input: DriftReportInput): string {
  const { result } = input;
  const histograms = new Map<string, FeatureHistogram>();
  for (const [name, values] of Object.entries(input.current ?? {})) {
    const profile = input.profiles[name];
    if (!profile || values.length === 0) continue;
    const hist = histogramOf(name, profile, values);
    if (hist) histograms.set(name, hist);
  }
  const rows = rowsOfResult(input, histograms);
  const tested = result.report?.testedCount ?? rows.length;
  const driftedCount = result.report?.driftedCount ?? rows.filter((r) => r.drifted).length;
  const generatedAt = input.generatedAt ?? new Date();
  const source = input.window.source ?? 'predictions';
  const history = input.history ?? [];
  const verdict =
    result.status !== 'checked' || result.drifted === null
      ? badge(
          `no decision: ${result.status === 'no-champion' ? 'no champion' : result.status === 'insufficient-data' ? 'not enough data' : 'nothing testable'}`,
          'warn',
        )
      : result.drifted
        ? badge('DRIFT DETECTED', 'bad')
        : badge('no dataset drift', 'ok');

  const featureNames = [
    ...rows.map((r) => r.name),
    ...[...histograms.keys()].filter((n) => !rows.some((r) => r.name === n)),
  ];
  const featureCards = featureNames.map((name) => {
    const row = rows.find((r) => r.name === name);
    const hist = histograms.get(name);
    const hasHistory = history.some((e) => e.metric === (name === PREDICTION_PROFILE ? 'prediction' : name));
    return html`<section class="card" id="feature-${name}">
      <h3>
        ${displayName(name)}
        ${row ? (row.drifted ? badge('drifted', 'bad') : badge('ok', 'ok')) : badge('not tested', 'muted')}
      </h3>
      <p class="small muted">
        ${row ? html`${row.method} ${fmtNumber(row.statistic)}${row.pValue !== null ? html` · adjusted p ${fmtP(row.pValue)}` : ''}${row.threshold !== null ? html` · drifts when ${ruleOf(row)}` : ''}` : 'no test result in this check'}
      </p>
      ${hist ? histogramFigure(hist) : html`<p class="empty">No current values to draw.</p>`}
      ${
        hasHistory
          ? html`<h3 style="margin-top:10px">Over time</h3>
              ${driftOverTimeFigure(history, name === PREDICTION_PROFILE ? 'prediction' : name)}`
          : ''
      }
    </section>`;
  });

  const datasetHistory = history.filter((e) => e.metric === 'dataset');
  const body = html`<main>
    <h1>Data drift report — ${input.model}${result.version !== null ? html` v${result.version}` : ''}</h1>
    <p class="sub">
      Current:
      ${source === 'bars' ? 'features recomputed from stored bars' : 'served predictions of the champion'},
      ${fmtTime(input.window.from)} → ${fmtTime(input.window.to)} · reference: the version's training profile
      · generated ${fmtTime(generatedAt, true)}
    </p>
    <div class="stats">
      <div class="stat">
        <div class="label">Dataset</div>
        <div class="value">${verdict}</div>
        <div class="note">
          ${result.reason ? result.reason : `drifted share ≥ ${fmtNumber(result.report?.shareThreshold ?? 0.5)} (${result.report?.thresholds ?? 'fixed'} thresholds)`}
        </div>
      </div>
      <div class="stat">
        <div class="label">Drifted features</div>
        <div class="value">${fmtInt(driftedCount)} / ${fmtInt(tested)}</div>
        <div class="note">share ${fmtNumber(result.share, 3)}</div>
      </div>
      <div class="stat">
        <div class="label">Rows compared</div>
        <div class="value">${fmtInt(result.sampleSize)}</div>
        <div class="note">
          ${result.malformedRows ? `${fmtInt(result.malformedRows)} malformed rows skipped` : 'current window'}
        </div>
      </div>
      <div class="stat">
        <div class="label">Prediction drift</div>
        <div class="value">
          ${result.predictionDrift ? (result.predictionDrift.drifted ? badge('drifted', 'bad') : badge('ok', 'ok')) : badge('not tested', 'muted')}
        </div>
        <div class="note">
          ${result.predictionDrift ? `${result.predictionDrift.method} ${fmtNumber(result.predictionDrift.statistic)}` : 'model output vs training'}
        </div>
      </div>
      <div class="stat">
        <div class="label">Performance</div>
        <div class="value">
          ${result.performance ? (result.performanceDegraded ? badge('degraded', 'bad') : badge('ok', 'ok')) : badge('not tested', 'muted')}
        </div>
        <div class="note">
          ${result.performance ? `accuracy ${fmtPercent(result.performance.live)} vs ${fmtPercent(result.performance.baseline)}` : 'needs labelled outcomes'}
        </div>
      </div>
    </div>
    ${result.status !== 'checked' ? html`<div class="flash flash-bad">${result.status === 'no-champion' ? 'The model has no champion: there is nothing to compare.' : result.status === 'insufficient-data' ? `Only ${fmtInt(result.sampleSize)} rows in the window: too few for a decision.` : `No decision: ${result.reason ?? 'nothing could be tested'}.`}</div>` : ''}
    <section class="card">
      <h2>Features</h2>
      ${driftTable(rows)}
      ${result.report?.skipped.length ? html`<p class="small muted">Not tested: ${result.report.skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}.</p>` : ''}
    </section>
    ${
      datasetHistory.length
        ? html`<section class="card">
            <h2>Drifted share over time (recorded checks)</h2>
            ${driftOverTimeFigure(history, 'dataset', { width: 1100, height: 200 })}
          </section>`
        : ''
    }
    <div class="grid grid-2">${featureCards}</div>
    <section class="card" style="margin-top:18px">
      <h2>How to read this report</h2>
      <p class="small muted">
        Histograms use the reference profile's own bins (quantiles of the training data, as the PSI
        computation uses them), so reference shares are close to equal by construction; a current bar far from
        its grey neighbour shows where the live distribution moved. Methods follow Evidently's defaults (KS
        below 1,000 reference rows, normalised Wasserstein above; χ² / Jensen–Shannon for categories),
        p-values are Benjamini–Hochberg adjusted (KS on effective sample sizes). With calibrated thresholds
        (the default) each feature drifts when its statistic is above mean + 3σ of the same statistic on
        chunks of the training period of the window's size, and the dataset when the drifted share reaches the
        larger of the policy share and the share calibrated the same way.
      </p>
    </section>
    <footer>Gal-Friday Intelligence · drift report · self-contained file</footer>
  </main>`;
  return htmlDocument({ title: `Drift report — ${input.model}`, body });
}
