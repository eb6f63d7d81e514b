import { aliasHistory, getAliases } from '../../db/repositories/alias.repository';
import { listExperiments } from '../../db/repositories/experiment.repository';
import { listRecentDailyPerformance } from '../../db/repositories/model-performance.repository';
import { findModel } from '../../db/repositories/model.repository';
import { listLatestVersions, loadReferenceProfiles } from '../../db/repositories/version.repository';
import { legend, lineChart, timelineChart, type TimelineSegment } from '../../reports/charts';
import {
  histogramOf,
  loadCurrentColumns,
  loadDriftHistory,
  PREDICTION_PROFILE,
  type DriftEventPoint,
} from '../../reports/drift-data';
import { driftOverTimeFigure, driftTable, histogramFigure, type DriftRow } from '../../reports/drift-report';
import { statusTone } from '../../reports/experiment-report';
import {
  badge,
  fmtDate,
  fmtInt,
  fmtNumber,
  fmtPercent,
  fmtTime,
  html,
  PALETTE,
  raw,
  type BadgeTone,
  type RawHtml,
} from '../../reports/html';
import type { ReferenceProfile } from '../../stats';
import { recentJobs } from '../../db/repositories/retraining-job.repository';
import { workflowIds } from '../../temporal/shared';
import { parseDuration } from '../../util/duration';
import type { DashboardContext, PageResult } from '../context';
import { supervisorHealthBadge, supervisorHealthOf } from './overview.page';

const ALIASES = ['champion', 'challenger', 'shadow'] as const;
const METRIC_KEYS = [
  'auc',
  'accuracy',
  'logLoss',
  'brier',
  'rmse',
  'mae',
  'directionalAccuracy',
  'sharpe',
] as const;
const WINDOWS = ['1h', '6h', '24h', '7d', '30d'];

const versionColour = (version: number | null) =>
  version === null ? '#c6ccd6' : PALETTE[(version - 1) % PALETTE.length]!;

function stageTone(stage: string): BadgeTone {
  return stage === 'production'
    ? 'ok'
    : stage === 'staging'
      ? 'info'
      : stage === 'archived'
        ? 'muted'
        : 'warn';
}

/** `/ui/models/<name>`: aliases over time, versions, drift per feature, performance; null = no such model. */
export async function modelPage(ctx: DashboardContext, name: string): Promise<PageResult | null> {
  const { db, url } = ctx;
  const model = await findModel(db, name);
  if (!model) return null;
  const now = ctx.now();
  const encoded = encodeURIComponent(model.name);

  // --- aliases and their history
  const aliases = await getAliases(db, model.name);
  const history = await aliasHistory(db, model.name);
  const start = Math.min(model.created_at.getTime(), ...history.map((h) => h.validFrom.getTime()));
  const lanes = ALIASES.filter((alias) => history.some((h) => h.alias === alias)).map((alias) => ({
    name: alias,
    segments: history
      .filter((h) => h.alias === alias)
      .map((h): TimelineSegment => ({
        from: h.validFrom.getTime(),
        to: (h.validTo ?? now).getTime(),
        label: h.version === null ? 'none' : `v${h.version}`,
        colour: versionColour(h.version),
        empty: h.version === null,
        title: `${alias}: ${h.version === null ? 'removed' : `v${h.version}`} from ${fmtTime(h.validFrom, true)} to ${h.validTo ? fmtTime(h.validTo, true) : 'now'} — ${h.changedBy}${h.reason ? `: ${h.reason}` : ''}`,
      })),
  }));
  const timeline = lanes.length
    ? raw(
        timelineChart({
          lanes,
          start,
          end: now.getTime(),
          ariaLabel: `Alias history of ${model.name}`,
          width: 1180,
        }),
      )
    : html`<p class="empty">No alias has ever been set.</p>`;
  const moves = [...history].reverse().slice(0, 8);

  // --- versions
  const versions = await listLatestVersions(db, model.model_id, 50);
  const metricsOf = (m: unknown) =>
    ((m as { holdout?: { metrics?: Record<string, number | null> } })?.holdout?.metrics ?? {}) as Record<
      string,
      number | null
    >;
  const gateOf = (m: unknown) => (m as { gate?: { passed?: boolean } })?.gate?.passed;
  const metricKeys = METRIC_KEYS.filter((k) =>
    versions.some((v) => typeof metricsOf(v.metrics)[k] === 'number'),
  );
  const versionRows = versions.map((v) => {
    const held = aliases.filter((a) => a.versionId === v.version_id).map((a) => a.alias);
    const metrics = metricsOf(v.metrics);
    const gate = gateOf(v.metrics);
    return html`<tr>
      <td>
        <span class="badge" style="background:${versionColour(v.version)};color:#fff">v${v.version}</span>
      </td>
      <td>${badge(v.stage, stageTone(v.stage))} ${held.map((a) => html` ${badge(a, 'info')}`)}</td>
      <td><code>${v.trainer}</code></td>
      ${metricKeys.map((k) => html`<td class="num">${fmtNumber(metrics[k] ?? null)}</td>`)}
      <td>
        ${gate === undefined ? html`<span class="muted">—</span>` : gate ? badge('passed', 'ok') : badge('failed', 'bad')}
      </td>
      <td class="small">
        ${fmtTime(v.created_at)}
        <div class="muted">${v.created_by}</div>
      </td>
    </tr>`;
  });

  // --- drift
  const driftHistory = await loadDriftHistory(db, model.model_id, { limit: 3_000 });
  const lastCheckId = driftHistory.at(-1)?.checkId;
  const lastCheck = driftHistory.filter((e) => e.checkId === lastCheckId);
  const champion = aliases.find((a) => a.alias === 'champion');
  const championVersion = champion ? versions.find((v) => v.version_id === champion.versionId) : undefined;
  const schemaNames = ((model.feature_schema as { names?: string[] })?.names ?? []).slice();
  const features = [...schemaNames, 'prediction'];
  const requested = url.searchParams.get('feature');
  const selected =
    requested && features.includes(requested)
      ? requested
      : (lastCheck.find((e) => e.drifted && features.includes(e.metric))?.metric ??
        schemaNames[0] ??
        'prediction');
  const windowText = WINDOWS.includes(url.searchParams.get('window') ?? '')
    ? url.searchParams.get('window')!
    : '24h';
  const from = new Date(now.getTime() - parseDuration(windowText));
  const profiles = champion
    ? ((await loadReferenceProfiles(db, champion.versionId)) as Record<string, ReferenceProfile>)
    : {};
  const current = champion
    ? await loadCurrentColumns(db, {
        model: model.name,
        source: 'predictions',
        from,
        to: now,
        maxRows: 20_000,
      })
    : undefined;
  const profileKey = selected === 'prediction' ? PREDICTION_PROFILE : selected;
  const hist = profiles[profileKey]
    ? histogramOf(profileKey, profiles[profileKey]!, current?.columns[profileKey] ?? [])
    : null;

  const lastRows: DriftRow[] = lastCheck
    .filter((e) => e.driftType === 'data_drift' || e.driftType === 'prediction_drift')
    // The check's two dataset-level rows (drifted share over the window and over its recent part)
    // are summaries, not features: they have the tile above and the figure below.
    .filter((e) => e.metric !== 'dataset' && e.metric !== 'dataset_recent')
    .map((e: DriftEventPoint) => ({
      name: e.metric,
      method: e.method,
      statistic: e.statistic,
      threshold: e.driftType === 'prediction_drift' ? null : e.threshold,
      pValue: e.pValue,
      drifted: e.drifted,
      ...(profiles[e.metric === 'prediction' ? PREDICTION_PROFILE : e.metric]
        ? { referenceRows: profiles[e.metric === 'prediction' ? PREDICTION_PROFILE : e.metric]!.n }
        : {}),
      currentRows: e.sampleSize,
    }));
  const dataset = lastCheck.find((e) => e.metric === 'dataset');
  const datasetRecent = lastCheck.find((e) => e.metric === 'dataset_recent');
  const performance = lastCheck.find((e) => e.driftType === 'performance_drift');
  const href = (params: Record<string, string>) => {
    const next = new URLSearchParams({ feature: selected, window: windowText, ...params });
    return `/ui/models/${encoded}?${next.toString()}#drift`;
  };

  // --- performance
  const perf = await listRecentDailyPerformance(db, model.model_id, 120);
  const perfVersions = [...new Set(perf.map((p) => p.version))].sort((a, b) => a - b);
  const perfSeries = perfVersions.map((version) => ({
    name: `v${version}`,
    colour: versionColour(version),
    points: perf
      .filter((p) => p.version === version && p.accuracy !== null)
      .map((p) => ({
        x: new Date(p.evaluation_date).getTime(),
        y: p.accuracy!,
        label: `v${version} ${fmtDate(p.evaluation_date)}: accuracy ${fmtPercent(p.accuracy)} on ${fmtInt(p.outcomes_labelled)} outcomes`,
      })),
  }));

  const experiments = await listExperiments(db, { model: model.name });
  const jobs = await recentJobs(db, model.name);
  const health = await supervisorHealthOf(ctx, model);
  const lastRefused = health?.state?.rejected?.recent.at(-1);

  const temporalLinks = ctx.temporalUiUrl
    ? html` ·
        <a href="${ctx.workflowUrl(workflowIds.supervisor(model.name))}" rel="noopener noreferrer"
          >supervisor workflow ↗</a
        >
        ·
        <a href="${ctx.workflowListUrl(`ModelName="${model.name}"`)}" rel="noopener noreferrer"
          >all workflows ↗</a
        >`
    : '';

  const content = html`<p class="small"><a href="/ui">Models</a> /</p>
    <h1>${model.name}</h1>
    <p class="sub">
      ${model.prediction_target}${model.symbol ? ` · ${model.symbol} ${model.timeframe ?? ''}` : ''}${model.description ? ` · ${model.description}` : ''}${temporalLinks}
    </p>
    <div class="stats">
      ${ALIASES.map((alias) => {
        const a = aliases.find((x) => x.alias === alias);
        return html`<div class="stat">
          <div class="label">${alias}</div>
          <div class="value">${a ? `v${a.version}` : '—'}</div>
          <div class="note">${a ? `since ${fmtTime(a.updatedAt)} by ${a.updatedBy}` : 'not set'}</div>
        </div>`;
      })}
      <div class="stat">
        <div class="label">Last drift check</div>
        <div class="value">
          ${dataset ? (dataset.drifted ? badge('drifted', 'bad') : badge('stable', 'ok')) : badge('none yet', 'muted')}
        </div>
        <div class="note">
          ${dataset ? `${fmtTime(dataset.at)} · share ${fmtNumber(dataset.statistic, 3)}` : 'the supervisor records checks'}
          ${datasetRecent ? ` · recent ${fmtNumber(datasetRecent.statistic, 3)}${datasetRecent.drifted ? ' (drifted)' : ''}` : ''}
        </div>
      </div>
      <div class="stat" data-testid="supervisor-health">
        <div class="label">Supervisor</div>
        <div class="value">${supervisorHealthBadge(health)}</div>
        <div class="note">
          ${
            lastRefused
              ? `last refused: ${lastRefused.message} at ${fmtTime(new Date(lastRefused.at))}: ${lastRefused.error}`
              : health?.state?.running
                ? `running ${health.state.running.workflowId}`
                : ''
          }
        </div>
      </div>
    </div>

    <section class="card" data-testid="alias-timeline">
      <h2>Alias history</h2>
      ${timeline}
      ${
        moves.length
          ? html`<div class="table-wrap" style="margin-top:8px">
              <table>
                <thead>
                  <tr>
                    <th>From</th>
                    <th>Alias</th>
                    <th>Version</th>
                    <th>By</th>
                    <th>Reason</th>
                  </tr>
                </thead>
                <tbody>
                  ${moves.map(
                    (h) =>
                      html`<tr>
                        <td class="small">${fmtTime(h.validFrom, true)}</td>
                        <td>${h.alias}</td>
                        <td>
                          ${h.version === null ? html`<span class="muted">removed</span>` : `v${h.version}`}
                        </td>
                        <td class="small mono">${h.changedBy}</td>
                        <td class="small">${h.reason || '—'}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : ''
      }
    </section>

    <section class="card">
      <h2>Versions</h2>
      <div class="table-wrap">
        <table data-testid="versions-table">
          <thead>
            <tr>
              <th>Version</th>
              <th>Stage</th>
              <th>Trainer</th>
              ${metricKeys.map((k) => html`<th class="num">${k}</th>`)}
              <th>Gate</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            ${versionRows}
          </tbody>
        </table>
      </div>
      <p class="small muted">Metrics are the holdout evaluation each version was validated with.</p>
    </section>

    <section class="card" id="drift">
      <h2>Drift per feature</h2>
      ${
        lastCheck.length
          ? html`<p class="small muted">
                Latest recorded check
                ${fmtTime(lastCheck[0]!.at, true)}${lastCheck[0]!.version !== null ? ` against v${lastCheck[0]!.version}` : ''}
                on ${fmtInt(lastCheck[0]!.sampleSize)}
                rows${performance ? html` · live accuracy ${fmtPercent(performance.statistic)} ${performance.drifted ? badge('degraded', 'bad') : badge('ok', 'ok')}` : ''}.
              </p>
              ${driftTable(lastRows, { featureHref: (f) => href({ feature: f }), selected })}`
          : html`<p class="empty">
              No drift check has been recorded for this model yet (the supervisor records one on every
              scheduled check; <code>galfriday drift check ${model.name} --record</code> records one now).
            </p>`
      }
      <h3 style="margin-top:16px">Feature</h3>
      <div class="pills">
        ${features.map((f) => html`<a href="${href({ feature: f })}" ${f === selected ? raw(' class="active"') : ''}>${f === 'prediction' ? 'model output' : f}</a>`)}
      </div>
      <div class="grid grid-2">
        <div>
          <h3>Reference vs current — ${selected === 'prediction' ? 'model output' : selected}</h3>
          <div class="pills">
            ${WINDOWS.map((w) => html`<a href="${href({ window: w })}" ${w === windowText ? raw(' class="active"') : ''}>last ${w}</a>`)}
          </div>
          ${
            !champion
              ? html`<p class="empty">No champion: nothing to compare.</p>`
              : hist
                ? html`${histogramFigure(hist)}
                    <p class="small muted">
                      Current: the champion's served predictions of the last ${windowText}
                      (${fmtInt(current?.rows ?? 0)} rows), counted into v${championVersion?.version ?? '?'}'s
                      reference bins.
                    </p>`
                : html`<p class="empty">No reference profile for this feature.</p>`
          }
        </div>
        <div>
          <h3>Drift statistic over time</h3>
          ${driftOverTimeFigure(driftHistory, selected)}
          <h3 style="margin-top:12px">Drifted share over time</h3>
          ${driftOverTimeFigure(driftHistory, 'dataset', { height: 170 })}
        </div>
      </div>
      <p class="small">
        <a href="/ui/models/${encoded}/drift-report?window=${windowText}"
          >Download the drift report (HTML) for the last ${windowText}</a
        >
      </p>
    </section>

    <section class="card">
      <h2>Performance history</h2>
      ${
        perf.length
          ? html`${raw(lineChart({ series: perfSeries, x: 'time', yFormat: (v) => fmtPercent(v, 0), yLabel: 'daily accuracy', ariaLabel: 'Daily live accuracy per version', width: 1180, height: 220 }))}${raw(legend(perfSeries.map((s) => ({ name: s.name, colour: s.colour }))))}
              <div class="table-wrap" style="margin-top:10px">
                <table>
                  <thead>
                    <tr>
                      <th>Day</th>
                      <th>Version</th>
                      <th class="num">Predictions</th>
                      <th class="num">Labelled</th>
                      <th class="num">Accuracy</th>
                      <th class="num">F1</th>
                      <th class="num">Total return</th>
                      <th class="num">Sharpe</th>
                      <th class="num">Max drawdown</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${perf.slice(0, 14).map(
                      (p) =>
                        html`<tr>
                          <td>${fmtDate(p.evaluation_date)}</td>
                          <td>v${p.version}</td>
                          <td class="num">${fmtInt(p.predictions_made)}</td>
                          <td class="num">${fmtInt(p.outcomes_labelled)}</td>
                          <td class="num">${fmtPercent(p.accuracy)}</td>
                          <td class="num">${fmtNumber(p.f1_score, 3)}</td>
                          <td class="num">${fmtNumber(p.total_return)}</td>
                          <td class="num">${fmtNumber(p.sharpe_ratio, 3)}</td>
                          <td class="num">${fmtNumber(p.max_drawdown)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
          : html`<p class="empty">No daily performance recorded yet.</p>`
      }
    </section>

    <div class="grid grid-2">
      <section class="card">
        <h2>Experiments</h2>
        ${
          experiments.length
            ? html`<table>
                <thead>
                  <tr>
                    <th>Experiment</th>
                    <th>Status</th>
                    <th>Created</th>
                  </tr>
                </thead>
                <tbody>
                  ${experiments.slice(0, 10).map(
                    (e) =>
                      html`<tr>
                        <td><a href="/ui/experiments/${e.experiment_id}">${e.name}</a></td>
                        <td>
                          ${badge(e.status, statusTone(e.status))}${e.winner_variant ? html` <span class="small muted">winner ${e.winner_variant}</span>` : ''}
                        </td>
                        <td class="small">${fmtTime(e.created_at)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
            : html`<p class="empty">No experiments yet.</p>`
        }
      </section>
      <section class="card">
        <h2>Retraining jobs</h2>
        ${
          jobs.length
            ? html`<table>
                <thead>
                  <tr>
                    <th>Job</th>
                    <th>Trigger</th>
                    <th>Status</th>
                    <th>Created</th>
                  </tr>
                </thead>
                <tbody>
                  ${jobs.map(
                    (j) =>
                      html`<tr>
                        <td>
                          ${j.workflow_id && ctx.temporalUiUrl ? html`<a href="${ctx.workflowUrl(j.workflow_id)}" rel="noopener noreferrer">#${j.job_number}</a>` : `#${j.job_number}`}
                        </td>
                        <td>${j.trigger}</td>
                        <td>
                          ${badge(j.status, j.status === 'completed' ? 'ok' : j.status === 'failed' ? 'bad' : j.status === 'running' || j.status === 'pending' ? 'info' : 'muted')}${j.error_message ? html`<div class="small muted">${j.error_message}</div>` : ''}
                        </td>
                        <td class="small">${fmtTime(j.created_at)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
            : html`<p class="empty">No retraining jobs yet.</p>`
        }
      </section>
    </div>`;
  return { title: model.name, content: content as RawHtml };
}
