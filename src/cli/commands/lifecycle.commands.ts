import { getAliases } from '../../db/repositories/alias.repository';
import { getModel } from '../../db/repositories/model.repository';
import { checkDrift } from '../../lifecycle/check-drift';
import { workflowIds } from '../../temporal/shared';
import { workflowListUrl, workflowUrl } from '../../temporal/ui-links';
import { command } from '../command';
import { CliError, ExitCode } from '../exit-codes';
import {
  ensureSupervisor,
  RetrainingRequestRefusedError,
  requestManualRetraining,
} from '../../temporal/lifecycle-client';
import { alertSupervisorHealth, describeSupervisorHealth } from '../../temporal/supervisor-health';
import { recentJobs } from '../../db/repositories/retraining-job.repository';
import { createProgress } from '../progress';
import { driftWindowOptions, positional } from './options';

const who = () => `cli:${process.env.USER ?? 'unknown'}`;

export const retrainCommand = command({
  path: ['retrain'],
  summary:
    "Ask the model's supervisor for a retraining (the manual trigger); prints the job's workflow and UI link",
  usage: '<model> --reason TEXT [--no-wait]',
  options: { reason: { type: 'string' }, 'no-wait': { type: 'boolean' } },
  details:
    "Sent as the supervisor's requestRetraining update, which answers with the job that serves the\n" +
    'request: started for it, or the running one it was merged into. --no-wait returns once the\n' +
    'supervisor has accepted the request. The job then goes through prepare → train → validate →\n' +
    'challenger experiment → promote or reject; follow it in the Temporal UI.',
  async run(ctx, { positionals, values }) {
    const model = positional(positionals, 0, 'the model name', 'retrain <model> --reason TEXT');
    const reason = values.reason;
    if (!reason?.trim())
      throw new CliError('--reason is required: say why, it is kept with the job', ExitCode.USAGE);
    const { db } = await ctx.database();
    await getModel(db, model);
    const client = await ctx.temporal();
    const ui = await ctx.temporalUiUrl();
    const link = (id: string) => (ui ? workflowUrl(ui, ctx.config.temporalNamespace, id) : id);
    const progress = createProgress('waiting for the supervisor', undefined, !ctx.json);
    let result: Awaited<ReturnType<typeof requestManualRetraining>>;
    try {
      result = await requestManualRetraining(
        client,
        ctx.config.taskQueue,
        model,
        { reason, requestedBy: who() },
        { wait: values['no-wait'] !== true },
      );
    } catch (error) {
      if (error instanceof RetrainingRequestRefusedError)
        throw new CliError(error.message, ExitCode.REJECTED);
      if (error instanceof Error && /deadline|DEADLINE_EXCEEDED/i.test(error.message))
        throw new CliError(
          `${workflowIds.supervisor(model)} did not answer within 60 s; is the worker running? (galfriday status ${model})`,
          ExitCode.UNAVAILABLE,
        );
      throw error;
    } finally {
      progress.finish();
    }
    const { supervisorId, answer } = result;
    if (!answer) {
      ctx.print(`Retraining requested from ${supervisorId}.\n  ${link(supervisorId)}`, {
        supervisor: supervisorId,
        requested: true,
      });
      return;
    }
    ctx.print(
      `Retraining ${answer.workflowId} ${answer.merged ? 'was already running; the request was merged into it' : 'started'}.\n  ${link(answer.workflowId)}`,
      { supervisor: supervisorId, job: answer },
    );
  },
});

export const superviseCommand = command({
  path: ['supervise'],
  summary: "Start the model's supervisor (drift checks, retraining triggers) if it is not running",
  usage: '<model>',
  async run(ctx, { positionals }) {
    const model = positional(positionals, 0, 'the model name', 'supervise <model>');
    const { db } = await ctx.database();
    await getModel(db, model);
    const id = await ensureSupervisor(await ctx.temporal(), ctx.config.taskQueue, model);
    const ui = await ctx.temporalUiUrl();
    ctx.print(
      `Supervisor ${id} is running.${ui ? `\n  ${workflowUrl(ui, ctx.config.temporalNamespace, id)}` : ''}`,
      { workflowId: id },
    );
  },
});

export const statusCommand = command({
  path: ['status'],
  summary: "A model's state: aliases, supervisor decisions, running job, last drift scores",
  usage: '<model>',
  async run(ctx, { positionals }) {
    const model = positional(positionals, 0, 'the model name', 'status <model>');
    const { db } = await ctx.database();
    const aliases = await getAliases(db, model).catch((error: Error) => {
      throw new CliError(error.message, ExitCode.NOT_FOUND);
    });
    const jobs = await recentJobs(db, model);
    const health = await describeSupervisorHealth(await ctx.temporal(), model).catch(() => undefined);
    if (health?.problems.length)
      await alertSupervisorHealth(db, (await getModel(db, model)).model_id, model, health);
    const supervisor = health?.state ?? undefined;
    const rejected = supervisor?.rejected;
    const lines = [
      `${model}: ${aliases.map((a) => `${a.alias} v${a.version}`).join(', ') || 'no aliases'}`,
      supervisor
        ? `  supervisor: ${supervisor.running ? `running ${supervisor.running.workflowId}` : 'idle'}, ${supervisor.budgetLeftToday} automatic retrain(s) left today`
        : health && health.status === 'RUNNING'
          ? '  supervisor: running, but not answering its status query'
          : `  supervisor: not running (start it with \`galfriday supervise ${model}\`)`,
      ...(health?.problems.map((p) => `  UNHEALTHY: ${p}`) ?? []),
      ...(rejected?.count
        ? [
            `  refused messages: ${rejected.count}, last ${new Date(rejected.recent.at(-1)!.at).toISOString().slice(0, 19)} ${rejected.recent.at(-1)!.message}: ${rejected.recent.at(-1)!.error} (payload ${rejected.recent.at(-1)!.payload})`,
          ]
        : []),
      ...(supervisor?.lastDrift
        ? [
            `  last drift check: ${supervisor.lastDrift.status}${supervisor.lastDrift.status === 'checked' ? `, share ${supervisor.lastDrift.share.toFixed(2)}, ${supervisor.lastDrift.drifted ? 'DRIFTED' : 'stable'}` : ''} (${supervisor.lastDrift.sampleSize} predictions)`,
          ]
        : []),
      ...(supervisor?.decisions
        .slice(-5)
        .map((d) => `  ${new Date(d.at).toISOString().slice(0, 19)} ${d.kind}: ${d.detail}`) ?? []),
      ...jobs.map(
        (j) =>
          `  job ${j.job_number} ${j.trigger} ${j.status} ${j.workflow_id ?? ''}${j.error_message ? ` — ${j.error_message}` : ''}`,
      ),
    ];
    ctx.print(lines.join('\n'), {
      model,
      aliases,
      supervisor: supervisor ?? null,
      health: health ? { status: health.status, problems: health.problems } : null,
      jobs,
    });
  },
});

export const driftCheckCommand = command({
  path: ['drift', 'check'],
  summary: "Compare live features (or features recomputed from bars) with the champion's reference profiles",
  usage:
    '<model> [--source predictions|bars] [--from DATE --to DATE] [--window 24h] [--thresholds calibrated|fixed] [--record]',
  options: {
    source: { type: 'string' },
    thresholds: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    window: { type: 'string' },
    record: { type: 'boolean' },
    'min-samples': { type: 'string' },
  },
  details:
    "--source bars recomputes the model's features from stored market bars over the window (backfills,\nwhat-if checks; the bars before the window warm up its first features). --thresholds calibrated\n(default) sets each feature's threshold from the champion's training period at the window's size;\nfixed uses the methods' fixed levels. --record stores the result in drift_detection_events like a\nscheduled check does. An undecided check prints \"no decision\" and has \"drifted\": null in --json.",
  async run(ctx, { positionals, values }) {
    const model = positional(positionals, 0, 'the model name', 'drift check <model>');
    const { source, from, to, minSamples } = driftWindowOptions(values);
    const { db } = await ctx.database();
    await getModel(db, model).catch((error: Error) => {
      throw new CliError(error.message, ExitCode.NOT_FOUND);
    });
    const thresholds = values.thresholds ?? 'calibrated';
    if (thresholds !== 'calibrated' && thresholds !== 'fixed') {
      throw new CliError(
        `--thresholds must be calibrated or fixed, got ${String(thresholds)}`,
        ExitCode.USAGE,
      );
    }
    const result = await checkDrift(db, {
      model,
      source,
      from,
      to,
      minSamples,
      thresholds,
      share: 0.5,
      record: values.record === true,
      performance: { enabled: true, minOutcomes: 100, alpha: 0.01 },
    });
    const features = (result.report?.features ?? []).map((f) => ({
      name: f.name,
      method: f.method,
      statistic: f.score ?? f.statistic,
      pValue: f.adjustedPValue ?? null,
      drifted: f.drifted,
    }));
    const data = {
      drifted: result.drifted,
      share: result.share,
      status: result.status,
      ...(result.reason ? { reason: result.reason } : {}),
      ...(result.report
        ? { shareThreshold: result.report.shareThreshold, thresholds: result.report.thresholds }
        : {}),
      ...(result.thresholdNote ? { thresholdNote: result.thresholdNote } : {}),
      version: result.version,
      sampleSize: result.sampleSize,
      features,
      ...(result.predictionDrift ? { prediction: result.predictionDrift } : {}),
      ...(result.performanceDetail ? { performance: result.performanceDetail } : {}),
    };
    if (result.status !== 'checked') {
      ctx.print(`${model}: no decision (${result.status}) — ${result.reason ?? 'undecided'}.`, data);
      return ExitCode.REJECTED;
    }
    const table = features.map(
      (f) =>
        `  ${f.name.padEnd(20)} ${f.method.padEnd(14)} ${f.statistic.toPrecision(4).padStart(10)} ${f.pValue === null ? '          ' : f.pValue.toExponential(2).padStart(10)}  ${f.drifted ? 'DRIFTED' : 'ok'}`,
    );
    ctx.print(
      [
        `${model} v${result.version} vs ${source} ${from.toISOString()} → ${to.toISOString()} (${result.sampleSize} rows): ${result.drifted ? 'DRIFTED' : 'stable'}, share ${result.share.toFixed(2)} (threshold ${(result.report?.shareThreshold ?? 0.5).toFixed(2)}, ${result.report?.thresholds ?? 'fixed'} thresholds)`,
        ...(result.thresholdNote ? [`  ${result.thresholdNote}`] : []),
        `  ${'feature'.padEnd(20)} ${'method'.padEnd(14)} ${'statistic'.padStart(10)} ${'p-value'.padStart(10)}`,
        ...table,
        ...(result.predictionDrift
          ? [
              `  prediction: ${result.predictionDrift.method} ${result.predictionDrift.statistic.toPrecision(4)} ${result.predictionDrift.drifted ? 'DRIFTED' : 'ok'}`,
            ]
          : []),
        ...(result.performanceDetail
          ? [`  performance: ${result.performanceDetail}${result.performanceDegraded ? ' — DEGRADED' : ''}`]
          : []),
      ].join('\n'),
      data,
    );
  },
});

export const workflowsCommand = command({
  path: ['workflows'],
  summary: "Link to a model's workflows in the Temporal UI",
  usage: '<model>',
  async run(ctx, { positionals }) {
    const model = positional(positionals, 0, 'the model name', 'workflows <model>');
    const ui = await ctx.temporalUiUrl();
    const query = `ModelName="${model}"`;
    ctx.print(
      ui
        ? workflowListUrl(ui, ctx.config.temporalNamespace, query)
        : `No Temporal UI known; filter with: ${query}`,
      { query, url: ui ? workflowListUrl(ui, ctx.config.temporalNamespace, query) : null },
    );
  },
});
