import { mkdtemp, chmod, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { upsertBars } from '../../../src/db/repositories/market-bars.repository';
import { trainModelVersion } from '../../../src/lifecycle/train-model-version';
import { generateSyntheticMarket } from '../../../src/ml';
import { createRng } from '../../../src/stats';
import { listExperiments } from '../../../src/db/repositories/experiment.repository';
import { recentJobs } from '../../../src/db/repositories/retraining-job.repository';
import { ensureSupervisor, requestManualRetraining } from '../../../src/temporal/lifecycle-client';
import { workflowIds } from '../../../src/temporal/shared';
import { parseDuration } from '../../../src/util/duration';
import type { SupervisorPolicyInput } from '../../../src/policies/supervisor-policy';
import { getWorkflowBundle } from '../workflow-bundle';
import { writeBundle } from '../worker-process';
import { startChaosEngine } from './chaos-engine';
import { CHAOS_TARGETS, ChaosStack } from './chaos-stack';
import {
  checkNoDuplicates,
  checkOutcomesKept,
  checkRouterAgreement,
  checkTerminalAgreement,
  waitQuiet,
  workflowStatus,
  type InvariantContext,
} from './invariants';
import { OPERATOR_ACTIONS, performOperatorAction } from './operator-actions';

/** Policy intervals of seconds (the demo's fast settings), so that one loop completes in well under a minute. */
export const CHAOS_POLICY: SupervisorPolicyInput = {
  driftCheckInterval: '2s',
  driftWindow: '10s',
  minDriftSamples: 150,
  hysteresis: { breaches: 1, window: 1 },
  cooldown: '2s',
  maxRetrainsPerDay: 500,
  retrain: { trainer: 'logreg', windowBars: 500 },
  challengerTraffic: 0.5,
  experiment: {
    analysisInterval: '1s',
    minSamplesPerVariant: 150,
    maxSamplesPerVariant: 50_000,
    maxDuration: '30s',
  },
};
const GATE = { floors: [{ metric: 'auc', min: 0.52 }], infra: { maxP99LatencyMs: 500 } };
const HISTORY_BARS = 1500;
const BARS_BEFORE_SHIFT = 150;
const LIVE_BARS = 40_000;
/** Time a wedge-free supervisor may take to start a job for a manual request, beyond one wake interval (a loaded 2-core machine). */
const WAKE_ALLOWANCE_MS = 10_000;

export interface ChaosOptions {
  seed: number;
  runs: number;
  /** Length of the fault window of one run. */
  runMs: number;
  /** Mean time between two faults (exponential). */
  meanFaultGapMs: number;
  /** Once past this instant no new run starts; a run in progress finishes its checks. */
  deadline: number;
  log: (line: string) => void;
}

export interface RunReport {
  run: number;
  model: string;
  faults: string[];
  violations: string[];
  jobs: number;
  /** Experiments by how they ended, e.g. "completed:challenger", "stopped". */
  experiments: string[];
  predictions: number;
  outcomesAcknowledged: number;
  seconds: number;
}

export interface ChaosReport {
  runs: RunReport[];
  unplannedExits: string[];
  table: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The whole chaos run: its own stack, `runs` loops of drift → retrain → gate → experiment under faults, the invariants after each. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-chaos-'));
  await chmod(workDir, 0o755);
  const bundlePath = await writeBundle((await getWorkflowBundle()).code, path.join(workDir, 'bundle.js'));
  const stack = new ChaosStack(workDir, bundlePath, options.log);
  const reports: RunReport[] = [];
  try {
    await stack.start();
    options.log(`chaos: stack up (worker, router, PostgreSQL, Temporal ${stack.temporalAddress})`);
    for (let run = 1; run <= options.runs && Date.now() < options.deadline; run++) {
      const report = await oneRun(stack, run, options);
      reports.push(report);
      options.log(
        `chaos: run ${run} ${report.model}: ${report.faults.length} faults, ${report.jobs} jobs, ` +
          `experiments [${report.experiments.join(', ')}], ${report.predictions} predictions, ` +
          `${report.outcomesAcknowledged} outcomes acknowledged, ` +
          `${report.violations.length} violations, ${report.seconds} s` +
          (report.violations.length ? `\n  ${report.violations.join('\n  ')}` : ''),
      );
    }
  } finally {
    await stack.stop().catch(() => undefined);
    await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  }
  return { runs: reports, unplannedExits: stack.unplannedExits, table: formatTable(reports) };
}

async function oneRun(stack: ChaosStack, run: number, options: ChaosOptions): Promise<RunReport> {
  const started = Date.now();
  const rng = createRng(options.seed * 1000 + run);
  const model = `chaos-${options.seed}-${run}`;
  const symbol = `CHAOS${options.seed}X${run}`;
  const faults: string[] = [];
  const violations: string[] = [];
  await stack.ensureUp();
  const { bars } = generateSyntheticMarket({
    seed: options.seed * 1000 + run,
    bars: HISTORY_BARS + LIVE_BARS,
    intervalMinutes: 60,
    switchProbability: 0,
    initialRegime: 'trending',
    regimeShift: {
      atBar: HISTORY_BARS + BARS_BEFORE_SHIFT,
      regime: 'mean-reverting',
      volatilityMultiplier: 2.5,
    },
  });
  await upsertBars(
    stack.db.db,
    symbol,
    '1h',
    bars.slice(0, HISTORY_BARS).map((b) => ({ ...b, ts: new Date(b.ts) })),
  );
  const trained = await trainModelVersion(stack.db.db, {
    model,
    symbol,
    timeframe: '1h',
    target: 'prob_up',
    trainer: 'logreg',
    createdBy: 'chaos',
    gatePolicy: GATE,
  });
  if (!trained.becameChampion) throw new Error(`chaos: champion v1 of ${model} failed its gate`);
  await ensureSupervisor(stack.client, stack.taskQueue, model, CHAOS_POLICY);
  await waitForRouterModel(stack, model);

  const engine = startChaosEngine({
    db: () => stack.db.db,
    routerUrl: stack.routerUrl,
    engineToken: stack.engineToken,
    model,
    symbol,
    bars,
    start: HISTORY_BARS,
    tickMs: 5,
    units: 500,
    seed: run,
  });
  const context: InvariantContext = {
    client: stack.client,
    db: stack.db,
    model,
    routerUrl: stack.routerUrl,
    adminToken: stack.adminToken,
    engineToken: stack.engineToken,
  };

  const monitor = monitorRouter(stack, model, violations);
  // The fault window: at exponential gaps, a SIGKILL (restarted after a short outage) or an operator action.
  const faultsEnd = Date.now() + options.runMs;
  for (;;) {
    const gap = -Math.log(1 - rng.next()) * options.meanFaultGapMs;
    if (Date.now() + gap > faultsEnd) break;
    await sleep(gap);
    if (rng.next() < 0.4) {
      const target = CHAOS_TARGETS[Math.floor(rng.next() * CHAOS_TARGETS.length)]!;
      const outage = 300 + rng.next() * 2_700;
      await stack.ensureUp();
      await stack.kill(target);
      await sleep(outage);
      await stack.restart(target);
      faults.push(`kill -9 ${target}`);
      options.log(`chaos: ${model} kill -9 ${target}, restarted after ${Math.round(outage)} ms`);
    } else {
      const action = OPERATOR_ACTIONS[Math.floor(rng.next() * OPERATOR_ACTIONS.length)]!;
      const outcome = await performOperatorAction(action, {
        client: stack.client,
        db: stack.db,
        taskQueue: stack.taskQueue,
        model,
        rng,
      });
      faults.push(action);
      options.log(`chaos: ${model} ${action}: ${outcome}`);
    }
  }
  await sleep(Math.max(0, faultsEnd - Date.now()));
  await stack.ensureUp();
  await monitor.stop();
  // Traffic stops, so drift stops; a running experiment ends at its maximum duration at the latest.
  await engine.stop();
  const maxDurationMs = parseDuration(CHAOS_POLICY.experiment!.maxDuration as string);
  if (!(await waitQuiet(context, maxDurationMs + 60_000)))
    violations.push('the loop did not come to rest (a job or experiment still runs) after traffic stopped');
  violations.push(...(await checkTerminalAgreement(context)));
  violations.push(...(await checkRouterAgreement(context, 15_000)));

  // No supervisor is wedged: a manual request starts a job within one wake interval.
  const wakeMs = parseDuration(CHAOS_POLICY.driftCheckInterval as string);
  const asked = Date.now();
  try {
    const { answer } = await requestManualRetraining(
      stack.client,
      stack.taskQueue,
      model,
      { reason: 'chaos: is the supervisor wedged?', requestedBy: 'chaos' },
      { timeoutMs: wakeMs + WAKE_ALLOWANCE_MS },
    );
    const tookMs = Date.now() - asked;
    if (!answer) violations.push('the manual request was accepted but no job was named');
    else {
      const status = await workflowStatus(stack.client, answer.workflowId);
      if (!['RUNNING', 'COMPLETED'].includes(status) || answer.merged)
        violations.push(
          `the manual request answered ${answer.workflowId} (${status}, merged ${answer.merged})`,
        );
      options.log(`chaos: ${model} manual request started ${answer.workflowId} in ${tookMs} ms`);
      await stack.client.workflow
        .getHandle(answer.workflowId)
        .cancel()
        .catch(() => undefined);
    }
  } catch (error) {
    violations.push(
      `supervisor wedged: a manual request got no job within ${wakeMs + WAKE_ALLOWANCE_MS} ms (${(error as Error).message.split('\n')[0]})`,
    );
  }
  if (!(await waitQuiet(context, 60_000)))
    violations.push('the cancelled manual job did not end within 60 s');
  violations.push(...(await checkTerminalAgreement(context)).map((v) => `after the manual job: ${v}`));
  violations.push(...(await checkOutcomesKept(context, engine.acknowledged)));
  violations.push(...(await checkNoDuplicates(context)));
  const jobs = (await recentJobs(stack.db.db, model, 1000)).length;
  // The supervisor is done with: it would keep checking drift every two seconds for the rest of the run.
  await stack.client.workflow
    .getHandle(workflowIds.supervisor(model))
    .terminate('chaos: run over')
    .catch(() => undefined);
  return {
    run,
    model,
    faults,
    violations: [...new Set(violations)],
    jobs,
    experiments: (await listExperiments(stack.db.db, { model })).map(
      (e) => `${e.status}${e.winner_variant ? `:${e.winner_variant}` : ''}`,
    ),
    predictions: engine.stats().predictions,
    outcomesAcknowledged: engine.acknowledged.size,
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

/** Time a router may take to stop splitting for an experiment whose workflow closed (reload, a restart of PostgreSQL). */
const ROUTER_GRACE_MS = 15_000;

/**
 * During the fault window, every two seconds: the experiment the router serves for the model must
 * have a running workflow, or one that closed less than {@link ROUTER_GRACE_MS} ago.
 */
function monitorRouter(stack: ChaosStack, model: string, violations: string[]): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await sleep(2_000);
      try {
        const response = await fetch(`${stack.routerUrl}/admin/config`, {
          headers: { authorization: `Bearer ${stack.adminToken}` },
          signal: AbortSignal.timeout(3_000),
        });
        if (!response.ok) continue;
        const config = (await response.json()) as {
          models: Array<{ name: string; experiment: { experimentId: string } | null }>;
        };
        const experimentId = config.models.find((m) => m.name === model)?.experiment?.experimentId;
        if (!experimentId) continue;
        const description = await stack.client.workflow
          .getHandle(workflowIds.experiment(experimentId))
          .describe();
        const closedAt = description.closeTime?.getTime();
        if (description.status.name !== 'RUNNING' && closedAt && Date.now() - closedAt > ROUTER_GRACE_MS)
          violations.push(
            `router splits traffic for experiment ${experimentId}, ${description.status.name} for ` +
              `${Math.round((Date.now() - closedAt) / 1000)} s`,
          );
      } catch {
        // A process is down (the run killed it): the next sample asks again.
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

async function waitForRouterModel(stack: ChaosStack, model: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await fetch(`${stack.routerUrl}/admin/config`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    }).catch(() => undefined);
    const body = response?.ok ? ((await response.json()) as { models: Array<{ name: string }> }) : undefined;
    if (body?.models.some((m) => m.name === model)) return;
    if (Date.now() > deadline) throw new Error(`the router never learned of ${model}`);
    await fetch(`${stack.routerUrl}/admin/reload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}` },
    }).catch(() => undefined);
    await sleep(500);
  }
}

export function formatTable(reports: RunReport[]): string {
  const faults = reports.reduce((n, r) => n + r.faults.length, 0);
  const violations = reports.reduce((n, r) => n + r.violations.length, 0);
  const kinds = new Map<string, number>();
  for (const r of reports) for (const f of r.faults) kinds.set(f, (kinds.get(f) ?? 0) + 1);
  return [
    'runs | faults injected | invariant violations',
    `${String(reports.length).padStart(4)} | ${String(faults).padStart(15)} | ${String(violations).padStart(20)}`,
    `faults: ${
      [...kinds]
        .sort()
        .map(([k, n]) => `${k} ×${n}`)
        .join(', ') || 'none'
    }`,
    `jobs: ${reports.reduce((n, r) => n + r.jobs, 0)}, experiments: ${reports.reduce((n, r) => n + r.experiments.length, 0)} ` +
      `(promoted ${reports.reduce((n, r) => n + r.experiments.filter((e) => e.startsWith('completed:challenger')).length, 0)}), acknowledged outcomes: ${reports.reduce((n, r) => n + r.outcomesAcknowledged, 0)}`,
  ].join('\n');
}
