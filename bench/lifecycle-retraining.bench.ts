// Retraining end to end on 100,000 hourly bars (issue 6): from starting `retrainingWorkflow` to the
// challenger alias appearing in model_aliases (or the job being rejected), on a real Temporal dev
// server and an in-process worker with the real activities, for the 'logreg' and 'gbdt' trainers.
// Per-phase times come from the workflow history (each activity's schedule → start → completion).
// Baseline in the same process, on the same bars: the pure in-process training
// (prepareTrainingData + trainModelAsync), and the rest of the in-process pipeline (evaluation with
// the gate, reference profiles) so the orchestration overhead can be attributed.
//
// Run: npx ts-node bench/lifecycle-retraining.bench.ts
// Env: BENCH_BARS (default 100,000), BENCH_TRAINERS (default "logreg,gbdt").
// Starts an embedded PostgreSQL and a Temporal dev server on 127.0.0.1 (the local Temporal CLI; it is
// never downloaded) in a temporary directory, and stops and removes everything afterwards.
//
// The market switches from a trending to a mean-reverting regime at 30 % of the bars; the champion
// is trained on the trending part only, so a candidate trained on the whole window has something to
// beat on the (mean-reverting) holdout and the job can reach the challenger stage. The job's
// experiment gets `analysisInterval: '1s'` beside the requested `maxDuration: '1s'`, so that it ends
// (for futility: nobody routes traffic) a second after the challenger is staged instead of an hour
// later; the measured interval ends at the challenger row and is unaffected.

import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { upsertBars } from '../src/db/repositories/market-bars.repository';
import { getModel } from '../src/db/repositories/model.repository';
import {
  evaluateCandidate,
  loadModelBars,
  modelKindFor,
  referenceProfilesOf,
  type TrainerName,
} from '../src/lifecycle/model-pipeline';
import { trainModelVersion } from '../src/lifecycle/train-model-version';
import {
  generateSyntheticMarket,
  predictModel,
  prepareTrainingData,
  trainModelAsync,
  type OhlcvBar,
} from '../src/ml';
import { workflowIds } from '../src/temporal/shared';
import { createGalfridayWorker } from '../src/workers/create-worker';
import { retrainingWorkflow } from '../src/workflows/retraining/retraining.workflow';
import type { RetrainingResult } from '../src/workflows/retraining/retraining-types';
import { elapsedMs, fmt, median, printTable, withBenchStack, type BenchStack } from './support/bench-stack';

const BARS = Number(process.env.BENCH_BARS ?? 100_000);
const TRAINERS = (process.env.BENCH_TRAINERS ?? 'logreg,gbdt')
  .split(',')
  .map((t) => t.trim()) as TrainerName[];
const SYMBOL = 'BENCHUSD';
/** The regime shift, and the end of the champion's training window. */
const SHIFT_AT = Math.floor(BARS * 0.3);
const GATE = { infra: { maxP99LatencyMs: 200 }, floors: [{ metric: 'auc', min: 0.5 }] };
const SPLIT = { holdoutFraction: 0.2, gap: 1 };
/** How often the bench looks for the challenger row (the resolution of the end-to-end figure). */
const POLL_MS = 20;
const STAGE_TIMEOUT_MS = 30 * 60_000;

interface ActivitySpan {
  name: string;
  scheduled: number;
  started: number | undefined;
  completed: number | undefined;
}

interface TrainerFigures {
  trainer: TrainerName;
  champion: { seconds: number; bars: number };
  baseline: {
    loadBarsMs: number;
    prepareMs: number;
    trainMs: number;
    evaluateMs: number;
    profilesMs: number;
  };
  outcome: 'staged' | 'rejected' | 'failed';
  detail: string;
  e2eMs: number;
  workflowEnd: { status: string; detail: string; ms: number } | undefined;
  spans: ActivitySpan[];
  workflowStartedAt: number;
}

const s = (msValue: number) => `${(msValue / 1000).toFixed(2)} s`;

async function run(): Promise<void> {
  console.log(
    `lifecycle-retraining bench: ${fmt(BARS)} hourly bars, trainers ${TRAINERS.join(', ')}; Node ${process.version}, ` +
      `${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  await withBenchStack({ temporal: true }, async (stack) => {
    console.log(
      `embedded PostgreSQL up in ${stack.startup.postgresS.toFixed(1)} s (migrated in ${stack.startup.migrateS.toFixed(1)} s), ` +
        `Temporal dev server in ${stack.startup.temporalS?.toFixed(1)} s`,
    );
    const { db } = stack.database;

    let t0 = performance.now();
    const market = generateSyntheticMarket({
      seed: 6,
      bars: BARS,
      intervalMinutes: 60,
      switchProbability: 0,
      initialRegime: 'trending',
      regimeShift: { atBar: SHIFT_AT, regime: 'mean-reverting' },
    });
    const generateMs = elapsedMs(t0);
    t0 = performance.now();
    const stored = await upsertBars(
      db,
      SYMBOL,
      '1h',
      market.bars.map((b) => ({ ...b, ts: new Date(b.ts) })),
    );
    const storeMs = elapsedMs(t0);
    console.log(
      `generated ${fmt(BARS)} bars in ${s(generateMs)}, stored (upsertBars) in ${s(storeMs)} ` +
        `(${fmt((stored.inserted / storeMs) * 1000)} bars/s); regime shift trending → mean-reverting at bar ${fmt(SHIFT_AT)}`,
    );

    const worker = await startWorker(stack);
    console.log(
      `worker started in ${s(worker.startMs)} (bundling the workflows), task queue ${worker.taskQueue}`,
    );
    const figures: TrainerFigures[] = [];
    try {
      for (const trainer of TRAINERS) figures.push(await benchTrainer(stack, worker, trainer, market.bars));
    } finally {
      await worker.close();
    }
    report(figures);
    console.log(
      `\nload average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')} (1 / 5 / 15 min)`,
    );
  });
}

async function startWorker(stack: BenchStack) {
  const t0 = performance.now();
  const address = stack.temporalAddress!;
  const native = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const taskQueue = `bench-${randomUUID()}`;
  const worker = await createGalfridayWorker({
    connection: native,
    namespace: 'default',
    taskQueue,
    deps: { db: stack.database.db },
  });
  const running = worker.run();
  return {
    client: new Client({ connection, namespace: 'default' }),
    taskQueue,
    startMs: elapsedMs(t0),
    async close() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch((error: unknown) => console.error('worker stopped with', error));
      await native.close();
      await connection.close();
    },
  };
}

async function benchTrainer(
  stack: BenchStack,
  worker: Awaited<ReturnType<typeof startWorker>>,
  trainer: TrainerName,
  bars: OhlcvBar[],
): Promise<TrainerFigures> {
  const { db } = stack.database;
  const model = `bench-${trainer}`;
  console.log(`\n== ${trainer} ==`);

  // Champion: the same trainer on the trending part, through the same in-process pipeline the CLI uses.
  let t0 = performance.now();
  const champion = await trainModelVersion(db, {
    model,
    symbol: SYMBOL,
    timeframe: '1h',
    target: 'prob_up',
    trainer,
    to: new Date(bars[SHIFT_AT - 1]!.ts),
    createdBy: 'bench',
    gatePolicy: GATE,
  });
  const championMs = elapsedMs(t0);
  if (!champion.becameChampion) {
    throw new Error(
      `the ${trainer} champion did not pass its gate: ${JSON.stringify(champion.evaluation.gate.checks)}`,
    );
  }
  console.log(
    `champion v${champion.version?.version} trained on ${fmt(champion.bars)} bars in ${s(championMs)} (trainModelVersion)`,
  );

  // Baseline: the same bars and split as the job, without Temporal.
  const modelRow = await getModel(db, model);
  const kind = modelKindFor(trainer, 'prob_up');
  // Loading is the noisiest part on a shared machine: the median of three loads.
  const loads: number[] = [];
  let loaded: OhlcvBar[] = [];
  for (let i = 0; i < 3; i++) {
    t0 = performance.now();
    loaded = await loadModelBars(db, modelRow);
    loads.push(elapsedMs(t0));
  }
  const loadBarsMs = median(loads);
  t0 = performance.now();
  const data = prepareTrainingData(loaded, kind, {}, SPLIT);
  const prepareMs = elapsedMs(t0);
  t0 = performance.now();
  const trained = await trainModelAsync({
    kind,
    x: data.train.x,
    y: data.train.y,
    featureSchema: data.train.schema,
  });
  const trainMs = elapsedMs(t0);
  t0 = performance.now();
  const evaluation = await evaluateCandidate(db, { model: modelRow, data, onnx: trained.onnx, kind });
  const evaluateMs = elapsedMs(t0);
  t0 = performance.now();
  referenceProfilesOf(data.train, predictModel(trained.params, data.train.x));
  const profilesMs = elapsedMs(t0);
  console.log(
    `baseline on ${fmt(loaded.length)} bars (${fmt(data.train.x.rows)} train / ${fmt(data.holdout.x.rows)} holdout rows): ` +
      `prepare ${s(prepareMs)}, train ${s(trainMs)}; in-process gate ${evaluation.gate.passed ? 'passes' : 'fails'}`,
  );

  // The job, through Temporal.
  const workflowId = workflowIds.retraining(model, 1);
  const started = performance.now();
  const handle = await worker.client.workflow.start(retrainingWorkflow, {
    workflowId,
    taskQueue: worker.taskQueue,
    args: [
      {
        model,
        jobNumber: 1,
        trigger: 'manual',
        reason: 'bench',
        requestedBy: 'bench',
        trainer,
        windowBars: BARS,
        experiment: { maxDuration: '1s', analysisInterval: '1s' },
      },
    ],
  });
  let ended: { result?: RetrainingResult; error?: unknown; ms: number } | undefined;
  void handle.result().then(
    (result) => (ended = { result, ms: elapsedMs(started) }),
    (error: unknown) => (ended = { error, ms: elapsedMs(started) }),
  );
  let outcome: TrainerFigures['outcome'] | undefined;
  let detail = '';
  let e2eMs = 0;
  while (!outcome) {
    const [alias, job] = await Promise.all([
      db
        .selectFrom('model_aliases')
        .select('version_id')
        .where('model_id', '=', modelRow.model_id)
        .where('alias', '=', 'challenger')
        .executeTakeFirst(),
      db
        .selectFrom('retraining_jobs')
        .select(['status', 'error_message'])
        .where('workflow_id', '=', workflowId)
        .executeTakeFirst(),
    ]);
    if (alias) {
      e2eMs = elapsedMs(started);
      outcome = 'staged';
      detail = `challenger = version_id ${alias.version_id}`;
    } else if (job && (job.status === 'rejected' || job.status === 'failed' || job.status === 'cancelled')) {
      e2eMs = elapsedMs(started);
      outcome = job.status === 'rejected' ? 'rejected' : 'failed';
      detail = job.error_message ?? job.status;
    } else if (ended?.error) {
      e2eMs = ended.ms;
      outcome = 'failed';
      detail = String(ended.error);
    } else if (elapsedMs(started) > STAGE_TIMEOUT_MS) {
      throw new Error(`${workflowId}: no challenger and no verdict after ${STAGE_TIMEOUT_MS / 1000} s`);
    } else {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
  console.log(`${outcome} after ${s(e2eMs)}: ${detail}`);

  // Let the (traffic-less) experiment end on its own; terminate it if it does not within a minute.
  const deadline = performance.now() + 60_000;
  while (!ended && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (!ended) {
    await handle.terminate('bench finished').catch(() => undefined);
    console.log('workflow still running a minute after the verdict: terminated');
  }
  const workflowEnd = ended
    ? {
        status: ended.result?.status ?? 'failed',
        detail: ended.result?.detail ?? String(ended.error),
        ms: ended.ms,
      }
    : undefined;
  const { spans, workflowStartedAt } = await activitySpans(handle);
  return {
    trainer,
    champion: { seconds: championMs / 1000, bars: champion.bars },
    baseline: { loadBarsMs, prepareMs, trainMs, evaluateMs, profilesMs },
    outcome,
    detail,
    e2eMs,
    workflowEnd,
    spans,
    workflowStartedAt,
  };
}

function eventMs(event: temporal.api.history.v1.IHistoryEvent): number {
  const time = event.eventTime;
  const seconds = time?.seconds;
  const secs = typeof seconds === 'number' ? seconds : seconds ? seconds.toNumber() : 0;
  return secs * 1000 + (time?.nanos ?? 0) / 1e6;
}

/** Each activity of the workflow's own history with its schedule, start and completion times. */
async function activitySpans(handle: WorkflowHandle) {
  const history = await handle.fetchHistory();
  const bySchedule = new Map<string, ActivitySpan>();
  const spans: ActivitySpan[] = [];
  let workflowStartedAt = 0;
  for (const event of history.events ?? []) {
    if (event.workflowExecutionStartedEventAttributes) workflowStartedAt = eventMs(event);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const span = {
        name: scheduled.activityType?.name ?? '?',
        scheduled: eventMs(event),
        started: undefined,
        completed: undefined,
      };
      bySchedule.set(String(event.eventId), span);
      spans.push(span);
    }
    const startedAttrs = event.activityTaskStartedEventAttributes;
    if (startedAttrs) {
      const span = bySchedule.get(String(startedAttrs.scheduledEventId));
      if (span) span.started = eventMs(event);
    }
    const done =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskTimedOutEventAttributes;
    if (done) {
      const span = bySchedule.get(String(done.scheduledEventId));
      if (span) span.completed = eventMs(event);
    }
  }
  return { spans, workflowStartedAt };
}

/** The activities up to and including the challenger move (or the rejection), grouped into phases. */
const PHASES: Array<[string, string[]]> = [
  ['prepare', ['beginRetrainingJob', 'prepareTrainingData']],
  ['train', ['trainCandidate']],
  ['validate', ['validateCandidate']],
  ['register + stage', ['registerCandidate', 'moveModelAlias']],
];

function report(figures: TrainerFigures[]): void {
  for (const f of figures) {
    console.log(`\n${f.trainer}: activities of the job (workflow history; times from the workflow's start)`);
    const rows: Array<Array<string | number>> = [];
    let previousEnd = f.workflowStartedAt;
    let stagedAt: number | undefined;
    for (const span of f.spans) {
      if (stagedAt !== undefined) break;
      const ran =
        span.started !== undefined && span.completed !== undefined ? span.completed - span.started : NaN;
      rows.push([
        span.name,
        `${((span.scheduled - f.workflowStartedAt) / 1000).toFixed(2)} s`,
        `${fmt(span.scheduled - previousEnd)} ms`,
        `${fmt((span.started ?? NaN) - span.scheduled)} ms`,
        Number.isNaN(ran) ? '—' : s(ran),
      ]);
      previousEnd = span.completed ?? span.scheduled;
      if (span.name === 'moveModelAlias' || (span.name === 'finishRetrainingJob' && f.outcome !== 'staged')) {
        stagedAt = span.completed;
      }
    }
    printTable(['activity', 'scheduled at', 'gap before', 'queued', 'ran'], rows);
    console.log(
      '  gap before = workflow task between the previous activity and this one; queued = scheduled → started',
    );
  }

  console.log(
    `\nend to end: start of retrainingWorkflow → challenger row in model_aliases (polled every ${POLL_MS} ms)`,
  );
  printTable(
    ['trainer', 'outcome', 'end to end', 'prepare', 'train', 'validate', 'register + stage', 'orchestration'],
    figures.map((f) => {
      const ranOf = (names: string[]) =>
        f.spans
          .filter((sp) => names.includes(sp.name) && sp.started !== undefined && sp.completed !== undefined)
          .slice(0, names.length)
          .reduce((sum, sp) => sum + (sp.completed! - sp.started!), 0);
      const phases = PHASES.map(([, names]) => ranOf(names));
      const activities = phases.reduce((a, b) => a + b, 0);
      return [f.trainer, f.outcome, s(f.e2eMs), ...phases.map(s), s(f.e2eMs - activities)];
    }),
  );
  console.log(
    '  phases = activity run time (started → completed); orchestration = end to end − Σ phases ' +
      '(workflow tasks, activity dispatch, the client start call and the poll)',
  );

  console.log('\nbaseline in the same process on the same bars (no Temporal)');
  printTable(
    [
      'trainer',
      'load bars (median of 3)',
      'prepare',
      'train',
      'prepare + train',
      'evaluate + gate',
      'profiles',
      'in-process pipeline',
    ],
    figures.map((f) => {
      const b = f.baseline;
      return [
        f.trainer,
        s(b.loadBarsMs),
        s(b.prepareMs),
        s(b.trainMs),
        s(b.prepareMs + b.trainMs),
        s(b.evaluateMs),
        s(b.profilesMs),
        s(b.loadBarsMs + b.prepareMs + b.trainMs + b.evaluateMs + b.profilesMs),
      ];
    }),
  );

  console.log('\nratios');
  printTable(
    [
      'trainer',
      'e2e / (prepare + train)',
      'e2e / in-process pipeline',
      'train activity / train',
      'workflow end',
    ],
    figures.map((f) => {
      const b = f.baseline;
      const pipeline = b.loadBarsMs + b.prepareMs + b.trainMs + b.evaluateMs + b.profilesMs;
      const trainSpan = f.spans.find((sp) => sp.name === 'trainCandidate');
      const trainRan =
        trainSpan?.started !== undefined && trainSpan.completed !== undefined
          ? trainSpan.completed - trainSpan.started
          : NaN;
      return [
        f.trainer,
        `${(f.e2eMs / (b.prepareMs + b.trainMs)).toFixed(2)}×`,
        `${(f.e2eMs / pipeline).toFixed(2)}×`,
        `${(trainRan / b.trainMs).toFixed(2)}×`,
        f.workflowEnd
          ? `${f.workflowEnd.status} after ${s(f.workflowEnd.ms)}: ${f.workflowEnd.detail}`
          : 'terminated',
      ];
    }),
  );
  for (const f of figures) {
    const b = f.baseline;
    const reload = 3 * (b.loadBarsMs + b.prepareMs);
    console.log(
      `  ${f.trainer}: ${f.outcome} — ${f.detail}; trainCandidate, validateCandidate and registerCandidate each ` +
        `load and prepare the window again: 3 × (load + prepare) ≈ ${s(reload)} = ${((reload / f.e2eMs) * 100).toFixed(0)} % of end to end`,
    );
  }
}

// The worker's in-flight database queries can outlive a failed run; make sure the process ends.
run()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => setTimeout(() => process.exit(), 1_000).unref());
