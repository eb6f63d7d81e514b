import { badge, fmtTime, html, type BadgeTone } from '../../reports/html';
import type { Flash } from '../auth';
import type { DashboardContext, PageResult } from '../context';
import { csrfField } from '../layout';

const tone = (severity: string): BadgeTone =>
  severity === 'critical' ? 'bad' : severity === 'warning' ? 'warn' : 'info';

/** `/ui/alerts`: open alerts (newest first) with an acknowledge button, and the last acknowledged ones. */
export async function alertsPage(ctx: DashboardContext): Promise<PageResult> {
  const base = ctx.db
    .selectFrom('alerts as a')
    .leftJoin('models as m', 'm.model_id', 'a.model_id')
    .select([
      'a.alert_id',
      'a.severity',
      'a.kind',
      'a.message',
      'a.created_at',
      'a.experiment_id',
      'a.acknowledged_at',
      'a.acknowledged_by',
      'm.name as model',
    ]);
  const open = await base
    .where('a.acknowledged_at', 'is', null)
    .orderBy('a.created_at', 'desc')
    .limit(200)
    .execute();
  const acknowledged = await base
    .where('a.acknowledged_at', 'is not', null)
    .orderBy('a.acknowledged_at', 'desc')
    .limit(20)
    .execute();
  const csrf = csrfField(ctx.principal);
  const about = (a: (typeof open)[number]) =>
    html`${a.model ? html`<a href="/ui/models/${encodeURIComponent(a.model)}">${a.model}</a>` : ''}${a.experiment_id ? html`${a.model ? ' · ' : ''}<a href="/ui/experiments/${a.experiment_id}">experiment</a>` : ''}`;
  const content = html`<h1>Alerts</h1>
    <p class="sub">
      Raised by workflows and the router: sample-ratio mismatches, guardrail breaches, rejected challengers,
      broken versions.
    </p>
    <section class="card">
      <h2>Open (${open.length})</h2>
      ${
        open.length
          ? html`<div class="table-wrap">
              <table data-testid="open-alerts">
                <thead>
                  <tr>
                    <th>Raised</th>
                    <th>Severity</th>
                    <th>Kind</th>
                    <th>Message</th>
                    <th>About</th>
                    <th></th>
                  </tr>
                </thead>
                <tbody>
                  ${open.map(
                    (a) =>
                      html`<tr>
                        <td class="small">${fmtTime(a.created_at, true)}</td>
                        <td>${badge(a.severity, tone(a.severity))}</td>
                        <td><code>${a.kind}</code></td>
                        <td>${a.message}</td>
                        <td class="small">${about(a)}</td>
                        <td>
                          <form method="post" action="/ui/alerts/${a.alert_id}/ack">
                            ${csrf}<button type="submit">Acknowledge</button>
                          </form>
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : html`<p class="empty">No open alerts.</p>`
      }
    </section>
    <section class="card">
      <h2>Recently acknowledged</h2>
      ${
        acknowledged.length
          ? html`<div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Raised</th>
                    <th>Severity</th>
                    <th>Kind</th>
                    <th>Message</th>
                    <th>Acknowledged</th>
                  </tr>
                </thead>
                <tbody>
                  ${acknowledged.map(
                    (a) =>
                      html`<tr>
                        <td class="small">${fmtTime(a.created_at, true)}</td>
                        <td>${badge(a.severity, tone(a.severity))}</td>
                        <td><code>${a.kind}</code></td>
                        <td>${a.message}</td>
                        <td class="small">
                          ${fmtTime(a.acknowledged_at, true)}
                          <div class="muted">${a.acknowledged_by}</div>
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : html`<p class="empty">None yet.</p>`
      }
    </section>`;
  return { title: 'Alerts', content };
}

/** Acknowledges one open alert; null when there is no alert with that id. */
export async function acknowledgeAlert(ctx: DashboardContext, alertId: string): Promise<Flash | null> {
  const row = await ctx.db
    .selectFrom('alerts')
    .select(['alert_id', 'acknowledged_at', 'acknowledged_by'])
    .where('alert_id', '=', alertId)
    .executeTakeFirst();
  if (!row) return null;
  if (row.acknowledged_at)
    return {
      tone: 'bad',
      text: `Alert #${alertId} was already acknowledged by ${row.acknowledged_by ?? 'someone'}.`,
    };
  const result = await ctx.db
    .updateTable('alerts')
    .set({ acknowledged_at: ctx.now(), acknowledged_by: `dashboard:${ctx.principal.operator}` })
    .where('alert_id', '=', alertId)
    .where('acknowledged_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1
    ? { tone: 'ok', text: `Alert #${alertId} acknowledged.` }
    : { tone: 'bad', text: `Alert #${alertId} was acknowledged by someone else meanwhile.` };
}
