import { acknowledgeAlert as acknowledgeAlertRow, listAlerts } from '../../db/repositories/alert.repository';
import { badge, fmtTime, html, type BadgeTone } from '../../reports/html';
import type { Flash } from '../auth';
import type { DashboardContext, PageResult } from '../context';
import { csrfField } from '../layout';

const tone = (severity: string): BadgeTone =>
  severity === 'critical' ? 'bad' : severity === 'warning' ? 'warn' : 'info';

/** `/ui/alerts`: open alerts (newest first) with an acknowledge button, and the last acknowledged ones. */
export async function alertsPage(ctx: DashboardContext): Promise<PageResult> {
  const [open, acknowledged] = await Promise.all([
    listAlerts(ctx.db, { state: 'open', limit: 200 }),
    listAlerts(ctx.db, { state: 'acknowledged', limit: 20 }),
  ]);
  const csrf = csrfField(ctx.principal);
  const about = (a: (typeof open)[number]) =>
    html`${a.model ? html`<a href="/ui/models/${encodeURIComponent(a.model)}">${a.model}</a>` : ''}${a.experiment_id ? html`${a.model ? ' · ' : ''}<a href="/ui/experiments/${a.experiment_id}">experiment</a>` : ''}`;
  const content = html`<h1>Alerts</h1>
    <p class="sub">
      Raised by workflows and the router: sample-ratio mismatches, guardrail breaches, rejected challengers,
      broken versions, dropped log rows. An acknowledged condition that comes back is raised again.
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
  const result = await acknowledgeAlertRow(ctx.db, alertId, `dashboard:${ctx.principal.operator}`, ctx.now());
  if (result.outcome === 'missing') return null;
  return result.outcome === 'acknowledged'
    ? { tone: 'ok', text: `Alert #${alertId} acknowledged.` }
    : { tone: 'bad', text: `Alert #${alertId} was already acknowledged by ${result.by ?? 'someone'}.` };
}
