import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { getExperiment } from '../../db/repositories/experiment.repository';
import { loadExperimentReportData } from '../../reports/experiment-data';
import {
  armsTable,
  comparisonsTable,
  differenceFigure,
  healthSection,
  metricFigure,
  policySummary,
  pValueFigure,
  statusTone,
} from '../../reports/experiment-report';
import { badge, fmtInt, fmtP, fmtPercent, fmtTime, html } from '../../reports/html';
import { workflowIds } from '../../temporal/shared';
import {
  concludeExperimentUpdate,
  experimentStatusQuery,
  pauseExperimentUpdate,
  resumeExperimentUpdate,
  stopExperimentUpdate,
} from '../../workflows/experiment/experiment.workflow';
import type { ExperimentStatusView } from '../../workflows/experiment/experiment-types';
import type { Flash } from '../auth';
import type { DashboardContext, PageResult } from '../context';
import { csrfField } from '../layout';

/** Read calls to Temporal give up after this long, so that a page never hangs on it. */
const READ_DEADLINE_MS = 4_000;
/** Stop and conclude wait for the workflow to finish its saga (alias moves, the experiment row). */
const UPDATE_DEADLINE_MS = 60_000;

export const EXPERIMENT_ACTIONS = ['pause', 'resume', 'stop', 'conclude'] as const;
export type ExperimentAction = (typeof EXPERIMENT_ACTIONS)[number];

interface LiveState {
  /** Temporal's execution status (RUNNING, COMPLETED, TERMINATED…), when it answered. */
  status?: string;
  view?: ExperimentStatusView;
  error?: string;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function readLive(ctx: DashboardContext, workflowId: string): Promise<LiveState> {
  let client: Client;
  try {
    client = await ctx.temporal();
  } catch (error) {
    return { error: `Temporal is not reachable: ${messageOf(error)}` };
  }
  try {
    return await client.withDeadline(Date.now() + READ_DEADLINE_MS, async () => {
      const handle = client.workflow.getHandle(workflowId);
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') return { status: description.status.name };
      return { status: 'RUNNING', view: await handle.query(experimentStatusQuery) };
    });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError)
      return { error: 'no workflow with this id (never started, or removed by retention)' };
    return { error: `the workflow did not answer: ${messageOf(error)}` };
  }
}

/** `/ui/experiments/<id>`: arms, intervals, p-value over time, SRM, guardrails, and the controls. */
export async function experimentPage(
  ctx: DashboardContext,
  experimentId: string,
): Promise<PageResult | null> {
  const stored = await getExperiment(ctx.db, experimentId);
  if (!stored) return null;
  const workflowId = stored.workflow_id ?? workflowIds.experiment(stored.experiment_id);
  const live = await readLive(ctx, workflowId);
  const data = await loadExperimentReportData(ctx.db, experimentId, {
    ...(live.view ? { live: live.view } : {}),
    now: ctx.now().getTime(),
  });
  if (!data) return null;
  const e = data.experiment;
  const isLive = e.status === 'created' || e.status === 'running' || e.status === 'paused';
  const view = live.view;
  const base = `/ui/experiments/${e.experiment_id}`;
  const csrf = csrfField(ctx.principal);
  const treatments = e.variants.filter((v) => !v.is_control);

  const controls = isLive
    ? html`<section class="card" data-testid="controls">
        <h2>Controls</h2>
        <p class="small muted">
          Each button sends the workflow's own update (the same the CLI sends); the workflow validates it and
          may refuse.
        </p>
        <div class="actions">
          ${
            e.status === 'running' || e.status === 'created'
              ? html`<form method="post" action="${base}/pause">
                  ${csrf}
                  <div>
                    <label for="pause-reason">Reason (optional)</label
                    ><input
                      id="pause-reason"
                      type="text"
                      name="reason"
                      maxlength="200"
                      placeholder="why pause"
                    />
                  </div>
                  <button type="submit" name="action" value="pause">Pause</button>
                </form>`
              : html`<form method="post" action="${base}/resume">
                  ${csrf}<button type="submit" class="primary" name="action" value="resume">Resume</button>
                </form>`
          }
        </div>
        <details class="danger-zone">
          <summary>End the experiment…</summary>
          <div class="actions">
            <form method="post" action="${base}/stop">
              ${csrf}
              <div>
                <label for="stop-reason">Reason (optional)</label
                ><input id="stop-reason" type="text" name="reason" maxlength="200" placeholder="why stop" />
              </div>
              <button type="submit" class="danger" name="action" value="stop">Stop</button>
            </form>
            <form method="post" action="${base}/conclude">
              ${csrf}
              <div>
                <label for="winner">Winner</label
                ><select id="winner" name="winner">
                  ${e.variants.map(
                    (v) =>
                      html`<option value="${v.variant}">
                        ${v.variant} (v${v.version}${v.is_control ? ', control' : ''})
                      </option>`,
                  )}
                </select>
              </div>
              <div>
                <label for="conclude-reason">Reason (optional)</label
                ><input id="conclude-reason" type="text" name="reason" maxlength="200" />
              </div>
              <button type="submit" class="danger" name="action" value="conclude">Conclude</button>
            </form>
          </div>
          <p class="small muted">
            Stop ends it without promotion. Conclude ends it with the chosen winner; a winning treatment
            (${treatments.map((t) => t.variant).join(', ')}) becomes champion.
          </p>
        </details>
      </section>`
    : html``;

  const workflowCard = html`<section class="card" style="margin:0">
    <h2>Workflow</h2>
    <table>
      <tbody>
        <tr>
          <th>Workflow id</th>
          <td class="mono">
            ${ctx.temporalUiUrl ? html`<a href="${ctx.workflowUrl(workflowId)}" rel="noopener noreferrer">${workflowId} ↗</a>` : workflowId}
          </td>
        </tr>
        <tr>
          <th>Execution</th>
          <td>
            ${live.status ? badge(live.status.toLowerCase(), live.status === 'RUNNING' ? 'info' : live.status === 'COMPLETED' ? 'ok' : 'warn') : html`<span class="muted">${live.error ?? 'unknown'}</span>`}
          </td>
        </tr>
        ${
          view
            ? html`<tr>
                  <th>State</th>
                  <td>
                    ${view.state} · ${fmtInt(view.looks)}
                    look(s)${view.analysis ? ` · last ${fmtTime(view.analysis.analysedAt, true)}` : ''}
                  </td>
                </tr>
                ${
                  view.analysis
                    ? html`<tr>
                        <th>Its last look</th>
                        <td class="small">
                          ${view.analysis.comparisons.map((c) => `${c.variant}: p ${fmtP(c.pValue)}`).join(' · ') || '—'}${view.analysis.srm.mismatch ? ' · SRM' : ''}
                        </td>
                      </tr>`
                    : ''
                }
                ${
                  view.coverage !== undefined
                    ? html`<tr>
                        <th>Coverage</th>
                        <td>${fmtPercent(view.coverage, 0)}</td>
                      </tr>`
                    : ''
                }`
            : ''
        }
        ${
          e.completion_reason
            ? html`<tr>
                <th>Ended</th>
                <td>${e.completion_reason}</td>
              </tr>`
            : ''
        }
      </tbody>
    </table>
  </section>`;

  const content = html`<p class="small">
      <a href="/ui/experiments">Experiments</a> /
      <a href="/ui/models/${encodeURIComponent(e.modelName)}">${e.modelName}</a> /
    </p>
    <h1>${e.name} ${badge(e.status, statusTone(e.status))}</h1>
    <p class="sub">
      <span class="mono">${e.experiment_id}</span> · created ${fmtTime(e.created_at)} by
      ${e.created_by}${e.ended_at ? ` · ended ${fmtTime(e.ended_at)}` : ''} ·
      <a href="${base}/report">download report (HTML)</a>
    </p>
    <div class="stats">
      <div class="stat">
        <div class="label">Status</div>
        <div class="value" data-testid="experiment-status">${e.status}</div>
        <div class="note">
          ${e.winner_variant ? `winner ${e.winner_variant}` : view ? `workflow ${view.state}` : ''}
        </div>
      </div>
      <div class="stat">
        <div class="label">Outcomes</div>
        <div class="value">${fmtInt(data.analysis.arms.reduce((s, a) => s + a.n, 0))}</div>
        <div class="note">${fmtInt(data.analysis.arms.reduce((s, a) => s + a.assignments, 0))} routed</div>
      </div>
      <div class="stat">
        <div class="label">Best p-value</div>
        <div class="value">${fmtP(Math.min(1, ...data.analysis.comparisons.map((c) => c.pValue)))}</div>
        <div class="note">α = ${data.policy.alpha}</div>
      </div>
      <div class="stat">
        <div class="label">Sample ratio</div>
        <div class="value">${data.analysis.srm.mismatch ? badge('mismatch', 'bad') : badge('ok', 'ok')}</div>
        <div class="note">p ${fmtP(data.analysis.srm.pValue)}</div>
      </div>
      <div class="stat">
        <div class="label">Guardrails</div>
        <div class="value">
          ${data.analysis.guardrailBreaches.length ? badge('breached', 'bad') : badge('ok', 'ok')}
        </div>
        <div class="note">${data.analysis.guardrailBreaches.length} breach(es)</div>
      </div>
    </div>
    ${controls}
    <section class="card">
      <h2>Arms</h2>
      ${armsTable(data)}${policySummary(data)}
    </section>
    <div class="grid grid-2">
      <section class="card">
        <h2>Treatment vs control</h2>
        ${comparisonsTable(data)}
        <div style="margin-top:12px">${differenceFigure(data, { width: 560 })}</div>
      </section>
      <div>
        <section class="card">
          <h2>Health</h2>
          ${healthSection(data)}
        </section>
        ${workflowCard}
      </div>
      <section class="card" data-testid="pvalue-chart">
        <h2>Always-valid p-value over time</h2>
        ${pValueFigure(data, { width: 560 })}
        <p class="small muted">
          Reconstructed from the stored outcomes (${fmtInt(data.looks.length)} looks) through the workflow's
          own analysis.
        </p>
      </section>
      <section class="card">
        <h2>${data.policy.primaryMetric === 'accuracy' ? 'Accuracy' : 'Mean return'} over time</h2>
        ${metricFigure(data, { width: 560 })}
      </section>
    </div>`;
  return { title: e.name, content };
}

/**
 * Sends one control update to the experiment's workflow, exactly as the CLI does, and turns the
 * outcome into a message for the page: the new state, or the workflow's refusal.
 */
export async function runExperimentAction(
  ctx: DashboardContext,
  experimentId: string,
  action: ExperimentAction,
  form: URLSearchParams,
): Promise<Flash | null> {
  const experiment = await getExperiment(ctx.db, experimentId);
  if (!experiment) return null;
  const operator = ctx.principal.operator;
  const given = (form.get('reason') ?? '').trim().slice(0, 200);
  const reason = given
    ? `${given} (${operator}, dashboard)`
    : `${action === 'pause' ? 'paused' : action === 'stop' ? 'stopped' : 'concluded'} by ${operator} from the dashboard`;
  const winner = (form.get('winner') ?? '').trim();
  if (action === 'conclude' && !winner)
    return { tone: 'bad', text: 'Choose a winner to conclude the experiment.' };
  let client: Client;
  try {
    client = await ctx.temporal();
  } catch (error) {
    return { tone: 'bad', text: `Temporal is not reachable: ${messageOf(error)}` };
  }
  const handle = client.workflow.getHandle(
    experiment.workflow_id ?? workflowIds.experiment(experiment.experiment_id),
  );
  try {
    const view = await client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () => {
      switch (action) {
        case 'pause':
          return handle.executeUpdate(pauseExperimentUpdate, { args: [{ reason }] });
        case 'resume':
          return handle.executeUpdate(resumeExperimentUpdate, { args: [] });
        case 'stop':
          return handle.executeUpdate(stopExperimentUpdate, { args: [{ reason }] });
        case 'conclude':
          return handle.executeUpdate(concludeExperimentUpdate, {
            args: [
              {
                winner,
                reason: given ? reason : `concluded by ${operator} from the dashboard: ${winner} wins`,
              },
            ],
          });
      }
    });
    const done = action === 'stop' || action === 'conclude';
    return {
      tone: 'ok',
      text: done
        ? `${action === 'stop' ? 'Stopped' : 'Concluded'}: ${view.end?.reason ?? reason}. The workflow has finished.`
        : `${action === 'pause' ? 'Pause' : 'Resume'} accepted: the workflow is ${view.state}.`,
    };
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      return {
        tone: 'bad',
        text: `Refused by the workflow: ${(error.cause as Error | undefined)?.message ?? error.message}`,
      };
    }
    if (error instanceof WorkflowNotFoundError) {
      const finished = /already completed/i.test(error.message);
      return {
        tone: 'bad',
        text: finished
          ? `Refused: the experiment has already ended (its workflow has finished; status ${experiment.status}).`
          : `Refused: the experiment's workflow ${experiment.workflow_id ?? ''} does not exist (status ${experiment.status}).`,
      };
    }
    return { tone: 'bad', text: `The workflow did not answer: ${messageOf(error)}` };
  }
}
