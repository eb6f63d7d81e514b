import { countOpenAlertsByModel } from '../../db/repositories/alert.repository';
import { listAllAliasVersions } from '../../db/repositories/alias.repository';
import { latestDatasetDriftPerModel } from '../../db/repositories/drift-event.repository';
import { listLiveExperimentsOfAllModels } from '../../db/repositories/experiment.repository';
import { listModels } from '../../db/repositories/model.repository';
import { badge, fmtInt, fmtTime, html, type RawHtml } from '../../reports/html';
import { statusTone } from '../../reports/experiment-report';
import { workflowIds } from '../../temporal/shared';
import {
  alertSupervisorHealth,
  describeSupervisorHealth,
  type SupervisorHealth,
} from '../../temporal/supervisor-health';
import type { DashboardContext } from '../context';

/**
 * The supervisor's health as Temporal sees it (undefined when Temporal cannot be asked), with the
 * alert it calls for raised (once: the alert's dedupe key). A wedged supervisor looks Running in the
 * UI; this is where it shows.
 */
export async function supervisorHealthOf(
  ctx: DashboardContext,
  model: { name: string; model_id: string },
): Promise<SupervisorHealth | undefined> {
  try {
    const health = await describeSupervisorHealth(await ctx.temporal(), model.name);
    if (health.problems.length) await alertSupervisorHealth(ctx.db, model.model_id, model.name, health);
    return health;
  } catch {
    return undefined;
  }
}

/** A badge for a supervisor's health: healthy, idle (not running), unhealthy (with its problems). */
export function supervisorHealthBadge(health: SupervisorHealth | undefined): RawHtml {
  if (!health) return badge('unknown', 'muted');
  if (health.problems.length)
    return html`${badge('unhealthy', 'bad')}
      <div class="small" data-testid="supervisor-problems">${health.problems.join('; ')}</div>`;
  if (health.status === 'NOT_FOUND') return badge('not running', 'muted');
  const refused = health.state?.rejected?.count ?? 0;
  return html`${badge(health.state?.running ? 'retraining' : 'healthy', 'ok')}${
    refused ? html`<div class="muted small">${refused} refused message(s)</div>` : ''
  }`;
}

/** `/ui`: every model with its aliases, live experiment, last drift verdict and open alerts. */
export async function overviewPage(ctx: DashboardContext): Promise<{ title: string; content: RawHtml }> {
  const { db } = ctx;
  const models = await listModels(db);
  const aliases = await listAllAliasVersions(db);
  const live = await listLiveExperimentsOfAllModels(db);
  const alerts = await countOpenAlertsByModel(db);
  const drift = await latestDatasetDriftPerModel(db);

  const health = await Promise.all(models.map((m) => supervisorHealthOf(ctx, m)));
  const unhealthy = health.filter((h) => h?.problems.length).length;

  const aliasOf = (modelId: string, alias: string) =>
    aliases.find((a) => a.model_id === modelId && a.alias === alias);
  const totalAlerts = alerts.reduce((s, a) => s + Number(a.n), 0);
  const driftedModels = drift.filter((d) => d.is_significant).length;
  const versionCell = (modelId: string, alias: string) => {
    const a = aliasOf(modelId, alias);
    return a
      ? html`<strong>v${a.version}</strong>
          <div class="muted small">since ${fmtTime(a.updated_at)}</div>`
      : html`<span class="muted">—</span>`;
  };

  const rows = models.map((m, i) => {
    const experiment = live.find((e) => e.model_id === m.model_id);
    const lastDrift = drift.find((d) => d.model_id === m.model_id);
    const open = Number(alerts.find((a) => a.model_id === m.model_id)?.n ?? 0);
    const name = encodeURIComponent(m.name);
    return html`<tr>
      <td>
        <a href="/ui/models/${name}"><strong>${m.name}</strong></a>
        <div class="muted small">
          ${m.prediction_target}${m.symbol ? ` · ${m.symbol} ${m.timeframe ?? ''}` : ''}
        </div>
      </td>
      <td>${versionCell(m.model_id, 'champion')}</td>
      <td>${versionCell(m.model_id, 'challenger')}</td>
      <td>
        ${
          experiment
            ? html`<a href="/ui/experiments/${experiment.experiment_id}">${experiment.name}</a>
                <div>${badge(experiment.status, statusTone(experiment.status))}</div>`
            : html`<span class="muted">—</span>`
        }
      </td>
      <td>
        ${
          lastDrift
            ? html`${lastDrift.is_significant ? badge('drifted', 'bad') : badge('stable', 'ok')}
                <div class="muted small">${fmtTime(lastDrift.detected_at)}</div>`
            : html`<span class="muted">no check yet</span>`
        }
      </td>
      <td class="num">
        ${open ? html`<a href="/ui/alerts">${badge(String(open), 'bad')}</a>` : html`<span class="muted">0</span>`}
      </td>
      <td data-testid="supervisor-health">${supervisorHealthBadge(health[i])}</td>
      <td>
        ${ctx.temporalUiUrl ? html`<a href="${ctx.workflowUrl(workflowIds.supervisor(m.name))}" rel="noopener noreferrer">supervisor</a> · <a href="${ctx.workflowListUrl(`ModelName="${m.name}"`)}" rel="noopener noreferrer">workflows</a>` : html`<span class="muted">—</span>`}
      </td>
    </tr>`;
  });

  const content = html`<h1>Models</h1>
    <p class="sub">
      Champions and challengers in production, live experiments, the last drift verdict and open alerts.
    </p>
    <div class="stats">
      <div class="stat">
        <div class="label">Models</div>
        <div class="value">${fmtInt(models.length)}</div>
      </div>
      <div class="stat">
        <div class="label">Live experiments</div>
        <div class="value">${fmtInt(live.length)}</div>
        <div class="note"><a href="/ui/experiments">all experiments</a></div>
      </div>
      <div class="stat">
        <div class="label">Drifted models</div>
        <div class="value">${fmtInt(driftedModels)}</div>
        <div class="note">by their last recorded check</div>
      </div>
      <div class="stat">
        <div class="label">Open alerts</div>
        <div class="value">${fmtInt(totalAlerts)}</div>
        <div class="note"><a href="/ui/alerts">review alerts</a></div>
      </div>
      <div class="stat">
        <div class="label">Unhealthy supervisors</div>
        <div class="value">${fmtInt(unhealthy)}</div>
        <div class="note">workflow task failing, or a job past its timeout</div>
      </div>
    </div>
    <section class="card">
      ${
        models.length
          ? html`<div class="table-wrap">
              <table data-testid="models-table">
                <thead>
                  <tr>
                    <th>Model</th>
                    <th>Champion</th>
                    <th>Challenger</th>
                    <th>Experiment</th>
                    <th>Drift</th>
                    <th class="num">Alerts</th>
                    <th>Supervisor</th>
                    <th>Temporal</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows}
                </tbody>
              </table>
            </div>`
          : html`<p class="empty">
              No models registered yet. Train one with <code>galfriday models train</code>.
            </p>`
      }
    </section>`;
  return { title: 'Models', content };
}
