import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/database';
import { raiseRouterAlert } from '../db/repositories/routing-alert.repository';
import { parseDuration } from '../util/duration';
import { supervisorStatusQuery } from '../workflows';
import type { SupervisorStatus } from '../workflows/supervisor/supervisor-types';
import { workflowIds } from './shared';

/**
 * Whether a model's supervisor is doing its job, as Temporal sees it. A supervisor whose workflow
 * task fails on every attempt (a handler that throws, a nondeterminism error after a bad deploy)
 * still shows as Running in the UI and answers no query; only the describe of its workflow and its
 * history tell. A job running past the policy's jobTimeout is the other way a supervisor stops
 * healing without failing.
 */
export interface SupervisorHealth {
  workflowId: string;
  runId: string | null;
  /** The workflow's status (`RUNNING`, `TERMINATED`, …), or `NOT_FOUND`. */
  status: string;
  /** The workflow task has failed and is being retried (attempt > 1). */
  workflowTaskFailing: { attempt: number; message: string | null } | null;
  /** The running job, when it has run longer than the policy's jobTimeout. */
  stuckJob: { workflowId: string; startedAt: number; jobTimeout: string } | null;
  /** The supervisor's state (query `status`), when it answered. */
  state: SupervisorStatus | null;
  /** One line per problem; empty when healthy (a supervisor that is not running is no problem here). */
  problems: string[];
}

const QUERY_DEADLINE_MS = 5_000;

/** The newest WorkflowTaskFailed message of a run (read backwards from the end of its history). */
async function lastWorkflowTaskFailure(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<string | null> {
  const page = await client.workflowService.getWorkflowExecutionHistoryReverse({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 50,
  });
  for (const event of page.history?.events ?? []) {
    const failure = event.workflowTaskFailedEventAttributes?.failure;
    if (failure) return failure.message ?? null;
  }
  return null;
}

export async function describeSupervisorHealth(
  client: Client,
  model: string,
  now = Date.now(),
): Promise<SupervisorHealth> {
  const workflowId = workflowIds.supervisor(model);
  const handle = client.workflow.getHandle(workflowId);
  const health: SupervisorHealth = {
    workflowId,
    runId: null,
    status: 'NOT_FOUND',
    workflowTaskFailing: null,
    stuckJob: null,
    state: null,
    problems: [],
  };
  let description;
  try {
    description = await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return health;
    throw error;
  }
  health.runId = description.runId;
  health.status = description.status.name;
  if (health.status !== 'RUNNING') {
    if (health.status !== 'CONTINUED_AS_NEW')
      health.problems.push(`supervisor workflow is ${health.status.toLowerCase()}`);
    return health;
  }
  const attempt = description.raw.pendingWorkflowTask?.attempt ?? 0;
  if (attempt > 1) {
    const message = await lastWorkflowTaskFailure(client, workflowId, description.runId).catch(() => null);
    health.workflowTaskFailing = { attempt, message };
    health.problems.push(
      `supervisor workflow task failing (attempt ${attempt})${message ? `: ${message}` : ''}`,
    );
  }
  // A supervisor whose task fails cannot answer: do not wait for it.
  if (!health.workflowTaskFailing) {
    health.state = await client
      .withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(supervisorStatusQuery))
      .catch(() => null);
  }
  const running = health.state?.running;
  const jobTimeout = health.state?.policy.jobTimeout;
  if (running && jobTimeout && now - running.startedAt > parseDuration(jobTimeout)) {
    health.stuckJob = { workflowId: running.workflowId, startedAt: running.startedAt, jobTimeout };
    health.problems.push(
      `retraining ${running.workflowId} running for ${Math.round((now - running.startedAt) / 3_600_000)} h, past jobTimeout ${jobTimeout}`,
    );
  }
  return health;
}

/**
 * Raises the alerts a health answer calls for, once each: a failing workflow task once per run, a
 * stuck job once per job (the same key the supervisor uses when it sees the job stuck itself).
 */
export async function alertSupervisorHealth(
  db: Db,
  modelId: string,
  model: string,
  health: SupervisorHealth,
): Promise<void> {
  if (health.workflowTaskFailing) {
    await raiseRouterAlert(db, {
      severity: 'critical',
      kind: 'supervisor_unhealthy',
      modelId,
      experimentId: null,
      message: `${model}: the supervisor's workflow task is failing (attempt ${health.workflowTaskFailing.attempt}): ${health.workflowTaskFailing.message ?? 'see its history'}; it takes no request until fixed`,
      details: { workflowId: health.workflowId, runId: health.runId },
      dedupeKey: `supervisor_unhealthy:${health.workflowId}:${health.runId}`,
    });
  }
  if (health.stuckJob) {
    await raiseRouterAlert(db, {
      severity: 'warning',
      kind: 'retraining_stuck',
      modelId,
      experimentId: null,
      message: `${model}: retraining ${health.stuckJob.workflowId} has run longer than its jobTimeout (${health.stuckJob.jobTimeout})`,
      details: {
        workflowId: health.stuckJob.workflowId,
        startedAt: new Date(health.stuckJob.startedAt).toISOString(),
      },
      dedupeKey: `retraining_stuck:${health.stuckJob.workflowId}`,
    });
  }
}
