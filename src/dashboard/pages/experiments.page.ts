import { listExperiments } from '../../db/repositories/experiment.repository';
import { EXPERIMENT_STATUSES, type ExperimentStatus } from '../../db/tables/experiments.table';
import { statusTone } from '../../reports/experiment-report';
import { badge, fmtTime, html, raw } from '../../reports/html';
import type { DashboardContext, PageResult } from '../context';

/** `/ui/experiments`: the newest 200 experiments, optionally of one status. */
export async function experimentsPage(ctx: DashboardContext): Promise<PageResult> {
  const requested = ctx.url.searchParams.get('status');
  const status = EXPERIMENT_STATUSES.includes(requested as ExperimentStatus)
    ? (requested as ExperimentStatus)
    : undefined;
  const rows = await listExperiments(ctx.db, status ? { status } : {});
  const content = html`<h1>Experiments</h1>
    <p class="sub">A/B experiments between model versions, newest first.</p>
    <div class="pills">
      <a href="/ui/experiments" ${status ? '' : raw(' class="active"')}>all</a>${EXPERIMENT_STATUSES.map(
        (s) =>
          html`<a href="/ui/experiments?status=${s}" ${s === status ? raw(' class="active"') : ''}>${s}</a>`,
      )}
    </div>
    <section class="card">
      ${
        rows.length
          ? html`<div class="table-wrap">
              <table data-testid="experiments-table">
                <thead>
                  <tr>
                    <th>Experiment</th>
                    <th>Model</th>
                    <th>Status</th>
                    <th>Created</th>
                    <th>Started</th>
                    <th>Ended</th>
                    <th>Outcome</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows.map(
                    (e) =>
                      html`<tr>
                        <td>
                          <a href="/ui/experiments/${e.experiment_id}"><strong>${e.name}</strong></a>
                          <div class="small muted mono">${e.experiment_id}</div>
                        </td>
                        <td><a href="/ui/models/${encodeURIComponent(e.model)}">${e.model}</a></td>
                        <td>${badge(e.status, statusTone(e.status))}</td>
                        <td class="small">${fmtTime(e.created_at)}</td>
                        <td class="small">${fmtTime(e.started_at)}</td>
                        <td class="small">${fmtTime(e.ended_at)}</td>
                        <td class="small">
                          ${e.winner_variant ? html`winner <strong>${e.winner_variant}</strong>` : ''}${e.completion_reason ? html`<div class="muted">${e.completion_reason}</div>` : ''}
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : html`<p class="empty">No experiments${status ? ` with status ${status}` : ''}.</p>`
      }
    </section>`;
  return { title: 'Experiments', content };
}
