import { getAliases } from '../../db/repositories/alias.repository';
import { getModel } from '../../db/repositories/model.repository';
import { checkDrift } from '../../lifecycle/check-drift';
import { workflowIds } from '../../temporal/shared';
import { workflowListUrl, workflowUrl } from '../../temporal/ui-links';
import { supervisorStatusQuery } from '../../workflows';
import type { SupervisorStatus } from '../../workflows/supervisor/supervisor-types';
import type { Command } from '../command';
import { CliError, ExitCode } from '../exit-codes';
import { ensureSupervisor, requestRetraining } from '../../temporal/lifecycle-client';
import { createProgress } from '../progress';
import { driftWindowOptions, positional } from './options';

const who = () => `cli:${process.env.USER ?? 'unknown'}`;

export const retrainCommand: Command = {
  path: ['retrain'],
  summary:
    "Ask the model's supervisor for a retraining (the manual trigger); prints the job's workflow and UI link",
  usage: '<model> --reason TEXT [--no-wait]',
  options: { reason: { type: 'string' }, 'no-wait': { type: 'boolean' } },
  details:
    'Requests that arrive while a retraining runs are merged into it. The job then goes through\nprepare → train → validate → challenger experiment → promote or reject; follow it in the Temporal UI.',
  async run(ctx, { positionals, values }) {
    const model = positional(positionals, 0, 'the model name', 'retrain <model> --reason TEXT');
    const reason = values.reason as string | undefined;
    if (!reason) throw new CliError('--reason is required: say why, it is kept with the job', ExitCode.USAGE);
    const { db } = await ctx.database();
    await getModel(db, model);
    const client = await ctx.temporal();
    const supervisorId = await requestRetraining(client, ctx.config.taskQueue, model, {
      trigger: 'manual',
      reason,
      requestedBy: who(),
    });
    const ui = await ctx.temporalUiUrl();
    const link = (id: string) => (ui ? workflowUrl(ui, ctx.config.temporalNamespace, id) : id);
    if (values['no-wait']) {
      ctx.print(`Retraining requested from ${supervisorId}.\n  ${link(supervisorId)}`, {
        supervisor: supervisorId,
        requested: true,
      });
      return;
    }
    const progress = createProgress('waiting for the supervisor', undefined, !ctx.json);
    const requestedAt = Date.now() - 5_000; // tolerate clock skew between this host and the worker's
    let status: SupervisorStatus | undefined;
    let job: SupervisorStatus['running'] = null;
    while (Date.now() - requestedAt < 35_000) {
      // The supervisor answers queries once its state is loaded; until then, keep waiting.
      status = await client.workflow
        .getHandle(supervisorId)
        .query(supervisorStatusQuery)
        .catch(() => status);
      // Ours is the running job (ours, or the one ours was merged into) or one that already finished.
      job =
        status?.running ??
        (status?.lastStarted && status.lastStarted.startedAt >= requestedAt ? status.lastStarted : null);
      if (job) break;
      progress.update(Math.round((Date.now() - requestedAt) / 1000), 's');
      await new Promise((r) => setTimeout(r, 500));
    }
    progress.finish();
    if (!job) {
      const last = status?.decisions.at(-1);
      ctx.print(
        `Retraining requested; the supervisor has not started it yet (${last ? last.detail : 'no decision yet'}).\n  ${link(supervisorId)}`,
        { supervisor: supervisorId, job: null },
      );
      return;
    }
    ctx.print(
      `Retraining ${job.workflowId} (${job.trigger}) ${status?.running?.workflowId === job.workflowId ? 'is running' : 'has run'}.\n  ${link(job.workflowId)}`,
      { supervisor: supervisorId, job },
    );
  },
};

export const superviseCommand: Command = {
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
};

export const statusCommand: Command = {
  path: ['status'],
  summary: "A model's state: aliases, supervisor decisions, running job, last drift scores",
  usage: '<model>',
  async run(ctx, { positionals }) {
    const model = positional(positionals, 0, 'the model name', 'status <model>');
    const { db } = await ctx.database();
    const aliases = await getAliases(db, model).catch((error: Error) => {
      throw new CliError(error.message, ExitCode.NOT_FOUND);
    });
    const jobs = await db
      .selectFrom('retraining_jobs')
      .innerJoin('models', 'models.model_id', 'retraining_jobs.model_id')
      .select([
        'job_number',
        'trigger',
        'status',
        'workflow_id',
        'retraining_jobs.created_at',
        'error_message',
      ])
      .where('models.name', '=', model)
      .orderBy('job_number', 'desc')
      .limit(5)
      .execute();
    let supervisor: SupervisorStatus | undefined;
    try {
      supervisor = await (
        await ctx.temporal()
      ).workflow
        .getHandle(workflowIds.supervisor(model))
        .query(supervisorStatusQuery);
    } catch {
      supervisor = undefined;
    }
    const lines = [
      `${model}: ${aliases.map((a) => `${a.alias} v${a.version}`).join(', ') || 'no aliases'}`,
      supervisor
        ? `  supervisor: ${supervisor.running ? `running ${supervisor.running.workflowId}` : 'idle'}, ${supervisor.budgetLeftToday} automatic retrain(s) left today`
        : `  supervisor: not running (start it with \`galfriday supervise ${model}\`)`,
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
    ctx.print(lines.join('\n'), { model, aliases, supervisor: supervisor ?? null, jobs });
  },
};

export const driftCheckCommand: Command = {
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
};

export const workflowsCommand: Command = {
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
};
