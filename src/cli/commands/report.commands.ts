import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { getExperimentStatusAndWorkflow } from '../../db/repositories/experiment.repository';
import { getModel } from '../../db/repositories/model.repository';
import { loadDriftReportData } from '../../reports/drift-data';
import { renderDriftReport } from '../../reports/drift-report';
import { loadExperimentReportData } from '../../reports/experiment-data';
import { renderExperimentReport } from '../../reports/experiment-report';
import { workflowIds } from '../../temporal/shared';
import { experimentStatusQuery } from '../../workflows/experiment/experiment.workflow';
import type { ExperimentStatusView } from '../../workflows/experiment/experiment-types';
import { command } from '../command';
import { CliError, ExitCode, exitCodeOf } from '../exit-codes';
import { driftWindowOptions, positional, requiredString } from './options';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function writeReport(out: string, html: string): Promise<string> {
  const target = path.resolve(out);
  await writeFile(target, html, 'utf8').catch((error: Error) => {
    throw new CliError(`cannot write ${out}: ${error.message}`, ExitCode.FAILURE);
  });
  return target;
}

export const reportDriftCommand = command({
  path: ['report', 'drift'],
  summary: 'Write a self-contained HTML drift report of a model (summary, per-feature histograms, history)',
  usage: '<model> --out report.html [--window 24h | --from DATE --to DATE] [--source predictions|bars]',
  options: {
    out: { type: 'string' },
    window: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    source: { type: 'string' },
    'min-samples': { type: 'string' },
  },
  details:
    "Runs a drift check of the window against the champion's reference profiles without recording it, and\ndraws reference vs current histograms on the profile's bins plus the recorded drift checks over time.\nThe file has inline CSS and SVG only: it opens offline and can be attached to a ticket.",
  async run(ctx, { positionals, values }) {
    const model = positional(positionals, 0, 'the model name', 'report drift <model> --out report.html');
    const out = requiredString(values, 'out');
    const { source, from, to, minSamples } = driftWindowOptions(values);
    const { db } = await ctx.database();
    await getModel(db, model).catch((error: Error) => {
      throw new CliError(error.message, exitCodeOf(error));
    });
    const data = await loadDriftReportData(db, { model, source, from, to, minSamples }).catch(
      (error: Error) => {
        throw new CliError(`cannot build the drift report: ${error.message}`, exitCodeOf(error));
      },
    );
    const file = await writeReport(out, renderDriftReport({ ...data, generatedAt: new Date() }));
    const { result } = data;
    const verdict =
      result.status !== 'checked'
        ? `no decision (${result.status}, ${result.sampleSize} rows)`
        : result.drifted
          ? `DRIFTED (share ${result.share.toFixed(2)})`
          : `stable (share ${result.share.toFixed(2)})`;
    ctx.print(
      `Drift report of ${model}${result.version !== null ? ` v${result.version}` : ''}: ${verdict}.\n  ${file}`,
      {
        file,
        model,
        version: result.version,
        status: result.status,
        drifted: result.drifted,
        share: result.share,
        sampleSize: result.sampleSize,
        from: from.toISOString(),
        to: to.toISOString(),
        source,
      },
    );
  },
});

export const reportExperimentCommand = command({
  path: ['report', 'experiment'],
  summary: 'Write a self-contained HTML report of an experiment (arms, intervals, p-value over time)',
  usage: '<id> --out report.html',
  options: { out: { type: 'string' } },
  details:
    "The p-value path is reconstructed from the stored outcomes through the workflow's own analysis;\nwhen Temporal is reachable, the workflow's state and look count are added.",
  async run(ctx, { positionals, values }) {
    const id = positional(positionals, 0, 'the experiment id', 'report experiment <id> --out report.html');
    const out = requiredString(values, 'out');
    if (!UUID.test(id))
      throw new CliError(
        `"${id}" is not an experiment id (see \`galfriday experiments list\`)`,
        ExitCode.USAGE,
      );
    const { db } = await ctx.database();
    let live: ExperimentStatusView | undefined;
    const stored = await getExperimentStatusAndWorkflow(db, id.toLowerCase());
    if (!stored)
      throw new CliError(`no experiment ${id} (see \`galfriday experiments list\`)`, ExitCode.NOT_FOUND);
    if (stored.status === 'running' || stored.status === 'paused' || stored.status === 'created') {
      try {
        const client = await ctx.temporal();
        live = await client.withDeadline(Date.now() + 5_000, () =>
          client.workflow
            .getHandle(stored.workflow_id ?? workflowIds.experiment(id))
            .query(experimentStatusQuery),
        );
      } catch {
        ctx.note("(the experiment's workflow did not answer: the report shows the stored data only)");
      }
    }
    const data = await loadExperimentReportData(db, id.toLowerCase(), live ? { live } : {});
    if (!data) throw new CliError(`no experiment ${id}`, ExitCode.NOT_FOUND);
    const file = await writeReport(out, renderExperimentReport(data, { generatedAt: new Date() }));
    const best = data.analysis.comparisons.reduce((min, c) => Math.min(min, c.pValue), 1);
    ctx.print(
      `Experiment report of ${data.experiment.name} (${data.experiment.status}, best always-valid p ${best < 0.001 ? best.toExponential(2) : best.toFixed(4)}).\n  ${file}`,
      {
        file,
        experimentId: data.experiment.experiment_id,
        status: data.experiment.status,
        looks: data.looks.length,
        comparisons: data.analysis.comparisons,
      },
    );
  },
});
