import type { Client } from '@temporalio/client';
import { getAliases } from '../../../src/db/repositories/alias.repository';
import { getExperiment, listExperiments } from '../../../src/db/repositories/experiment.repository';
import { getModel } from '../../../src/db/repositories/model.repository';
import { recentJobs } from '../../../src/db/repositories/retraining-job.repository';
import { listVersions } from '../../../src/db/repositories/version.repository';
import type { DatabaseHandle } from '../../../src/db/connection';
import { workflowIds } from '../../../src/temporal/shared';

const TERMINAL_JOB = ['completed', 'rejected', 'failed', 'cancelled'];
const TERMINAL_EXPERIMENT = ['completed', 'stopped', 'failed'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface InvariantContext {
  client: Client;
  db: DatabaseHandle;
  model: string;
  routerUrl: string;
  adminToken: string;
  engineToken: string;
}

/** Temporal's status of a workflow, or 'NOT_FOUND'. */
export async function workflowStatus(client: Client, workflowId: string): Promise<string> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name;
  } catch (error) {
    if ((error as Error).name === 'WorkflowNotFoundError') return 'NOT_FOUND';
    throw error;
  }
}

/** Every job and experiment of the model ended, in PostgreSQL and in Temporal. */
export async function isQuiet(context: InvariantContext): Promise<boolean> {
  const jobs = await recentJobs(context.db.db, context.model, 1000);
  if (jobs.some((j) => !TERMINAL_JOB.includes(j.status))) return false;
  const experiments = await listExperiments(context.db.db, { model: context.model });
  if (experiments.some((e) => !TERMINAL_EXPERIMENT.includes(e.status))) return false;
  for (const job of jobs)
    if (job.workflow_id && (await workflowStatus(context.client, job.workflow_id)) === 'RUNNING')
      return false;
  const next = workflowIds.retraining(context.model, (jobs[0]?.job_number ?? 0) + 1);
  return (await workflowStatus(context.client, next)) !== 'RUNNING';
}

export async function waitQuiet(context: InvariantContext, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await isQuiet(context).catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await sleep(1_000);
  }
}

/**
 * Jobs and experiments are terminal and agree with the aliases: replaying the ended experiments in
 * the order they ended, every completed experiment's winner became champion and nothing else moved
 * it; no challenger alias is left (every job has ended).
 */
export async function checkTerminalAgreement(context: InvariantContext): Promise<string[]> {
  const violations: string[] = [];
  const { db, client, model } = context;
  for (const job of await recentJobs(db.db, model, 1000)) {
    if (!TERMINAL_JOB.includes(job.status))
      violations.push(`job ${job.workflow_id} is ${job.status} after the run`);
    const status = job.workflow_id ? await workflowStatus(client, job.workflow_id) : 'NOT_FOUND';
    if (status === 'RUNNING')
      violations.push(`job ${job.workflow_id}'s workflow still runs (row ${job.status})`);
  }
  const experiments = await listExperiments(db.db, { model });
  const ended = [];
  for (const row of experiments) {
    const experiment = await getExperiment(db.db, row.experiment_id);
    if (!experiment) continue;
    if (!TERMINAL_EXPERIMENT.includes(experiment.status))
      violations.push(`experiment ${row.experiment_id} is ${experiment.status} after the run`);
    const status = await workflowStatus(
      client,
      experiment.workflow_id ?? workflowIds.experiment(row.experiment_id),
    );
    if (status === 'RUNNING')
      violations.push(`experiment ${row.experiment_id}'s workflow still runs (row ${experiment.status})`);
    ended.push(experiment);
  }
  ended.sort((a, b) => (a.ended_at?.getTime() ?? 0) - (b.ended_at?.getTime() ?? 0));
  const aliases = await getAliases(db.db, model);
  const champion = aliases.find((a) => a.alias === 'champion');
  const control = ended[0]?.variants.find((v) => v.is_control);
  let expected = control?.version ?? champion?.version;
  for (const experiment of ended) {
    if (experiment.status !== 'completed' || !experiment.winner_variant) continue;
    const winner = experiment.variants.find((v) => v.variant === experiment.winner_variant);
    if (winner) expected = winner.version;
  }
  if (expected !== undefined && champion?.version !== expected)
    violations.push(
      `champion is v${champion?.version} but the ended experiments make it v${expected} ` +
        `(${ended.map((e) => `${e.status}${e.winner_variant ? `:${e.winner_variant}` : ''}`).join(', ')})`,
    );
  const challenger = aliases.find((a) => a.alias === 'challenger');
  if (challenger) violations.push(`challenger alias left on v${challenger.version} after every job ended`);
  return violations;
}

/**
 * The router splits traffic only inside an experiment whose workflow runs: its served configuration
 * and the routing of several units name an experiment only if that workflow is RUNNING. A router
 * learns of a change within its reload interval, so it is given `settleMs` to agree.
 */
export async function checkRouterAgreement(context: InvariantContext, settleMs: number): Promise<string[]> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const violations = await routerDisagreements(context).catch((error: Error) => [
      `router could not be asked: ${error.message}`,
    ]);
    if (!violations.length || Date.now() > deadline) return violations;
    await sleep(1_000);
  }
}

async function routerDisagreements(context: InvariantContext): Promise<string[]> {
  const violations: string[] = [];
  const config = (await (
    await fetch(`${context.routerUrl}/admin/config`, {
      headers: { authorization: `Bearer ${context.adminToken}` },
    })
  ).json()) as {
    models: Array<{ name: string; champion: number | null; experiment: { experimentId: string } | null }>;
  };
  const served = config.models.find((m) => m.name === context.model);
  const experimentIds = new Set<string>();
  if (served?.experiment) experimentIds.add(served.experiment.experimentId);
  for (let unit = 0; unit < 8; unit++) {
    const response = await fetch(`${context.routerUrl}/v1/route`, {
      method: 'POST',
      headers: { authorization: `Bearer ${context.engineToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: context.model, unitId: `chaos-check-${unit}` }),
    });
    const body = (await response.json()) as { experimentId?: string; version?: number };
    if (response.status !== 200) throw new Error(`POST /v1/route answered ${response.status}`);
    if (body.experimentId) experimentIds.add(body.experimentId);
  }
  for (const experimentId of experimentIds) {
    const status = await workflowStatus(context.client, workflowIds.experiment(experimentId));
    if (status !== 'RUNNING')
      violations.push(`router splits traffic for experiment ${experimentId} whose workflow is ${status}`);
  }
  return violations;
}

/** Every outcome the engine got a 2xx for is in the outcomes table. */
export async function checkOutcomesKept(
  context: InvariantContext,
  acknowledged: Set<string>,
): Promise<string[]> {
  const ids = [...acknowledged];
  const { rows } = await context.db.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM experiment_outcomes WHERE prediction_id = ANY($1::uuid[])',
    [ids],
  );
  const lost = ids.length - rows[0]!.n;
  return lost > 0 ? [`${lost} of ${ids.length} acknowledged outcomes are not in experiment_outcomes`] : [];
}

/** No drift event, version or alert was written twice (a retried activity must find its own write). */
export async function checkNoDuplicates(context: InvariantContext): Promise<string[]> {
  const violations: string[] = [];
  const { model_id } = await getModel(context.db.db, context.model);
  const drift = await context.db.pool.query<{ check_id: string; n: number }>(
    `SELECT check_id, count(*)::int AS n FROM drift_detection_events WHERE model_id = $1
     GROUP BY check_id, drift_type, metric_name HAVING count(*) > 1`,
    [model_id],
  );
  for (const row of drift.rows) violations.push(`drift check ${row.check_id} wrote an event ${row.n} times`);
  const versions = await listVersions(context.db.db, context.model);
  const byWorkflow = new Map<string, number>();
  for (const v of versions)
    if (v.workflow_id) byWorkflow.set(v.workflow_id, (byWorkflow.get(v.workflow_id) ?? 0) + 1);
  for (const [workflowId, n] of byWorkflow)
    if (n > 1) violations.push(`${workflowId} registered ${n} versions`);
  const jobs = await recentJobs(context.db.db, context.model, 1000);
  if (versions.length > jobs.length + 1)
    violations.push(`${versions.length} versions for ${jobs.length} jobs and one champion`);
  const alerts = await context.db.pool.query<{ kind: string; n: number }>(
    `SELECT kind, count(*)::int AS n FROM alerts WHERE model_id = $1
     GROUP BY kind, experiment_id, message HAVING count(*) > 1`,
    [model_id],
  );
  for (const row of alerts.rows)
    violations.push(`alert ${row.kind} raised ${row.n} times with the same message`);
  return violations;
}
