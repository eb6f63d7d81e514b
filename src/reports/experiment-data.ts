import type { Db } from '../db/database';
import {
  loadArmAggregates,
  loadOutcomeCountsByBucket,
  loadRoutedCountsByBucket,
} from '../db/repositories/experiment-metrics.repository';
import { getExperiment, type ExperimentWithVariants } from '../db/repositories/experiment.repository';
import { analyseArms, type ArmAggregates } from '../lifecycle/analyse-arms';
import { experimentPolicySchema, type ExperimentPolicy } from '../policies/experiment-policy';
import type { ExperimentAnalysis, ExperimentStatusView } from '../workflows/experiment/experiment-types';

/** One reconstructed look at an experiment: what the data known at `at` said. */
export interface ExperimentLook {
  at: number;
  analysis: ExperimentAnalysis;
}

/**
 * The always-valid p-value over time, reconstructed from the stored outcomes.
 *
 * The workflow's status query returns only its latest analysis, so the path is rebuilt rather than
 * stored: the experiment's life (start → end, or now) is cut into `buckets` equal slices; at the end
 * of each slice in which something arrived, the arms' cumulative sums of everything recorded so far
 * (outcomes by `recorded_at`, routed units by assignment / prediction time) go through the same
 * {@link analyseArms} the workflow runs, with p-values carried as running minima from look to look.
 *
 * Because the mSPRT p-value is valid at any stopping time, these looks are as valid as the
 * workflow's; they are not the same looks (the workflow looks on its analysis interval), so the
 * workflow's own last p-value can be slightly lower. Rows recorded before the start count in the
 * first slice and rows recorded after the end in the last, so the last look equals the totals.
 * Drawdown guardrails are not replayed per look (the current status shows them).
 */
export async function reconstructLooks(
  db: Db,
  experiment: Pick<
    ExperimentWithVariants,
    'experiment_id' | 'started_at' | 'created_at' | 'ended_at' | 'variants'
  >,
  policy: ExperimentPolicy,
  options: { buckets?: number; now?: number } = {},
): Promise<ExperimentLook[]> {
  const buckets = Math.max(1, Math.min(500, options.buckets ?? 60));
  const start = (experiment.started_at ?? experiment.created_at).getTime();
  const end = Math.max(
    start + 1,
    experiment.ended_at ? experiment.ended_at.getTime() : (options.now ?? Date.now()),
  );
  const width = (end - start) / buckets;
  const id = experiment.experiment_id;
  const slices = { start, width, buckets };
  const outcomes = await loadOutcomeCountsByBucket(db, id, slices);
  const routed = await loadRoutedCountsByBucket(db, id, slices);

  const arms: ArmAggregates[] = experiment.variants.map((v) => ({
    variant: v.variant,
    isControl: v.is_control,
    weight: v.weight,
    assignments: 0,
    labelled: 0,
    correct: 0,
    returnsN: 0,
    returnSum: 0,
    returnSumSq: 0,
    maxDrawdown: 0,
  }));
  const byBucket = new Map<number, Array<(arm: ArmAggregates) => void>>();
  const push = (bucket: number, variant: string, apply: (arm: ArmAggregates) => void) => {
    const list = byBucket.get(bucket) ?? [];
    list.push((arm) => {
      if (arm.variant === variant) apply(arm);
    });
    byBucket.set(bucket, list);
  };
  for (const r of outcomes) {
    push(r.bucket, r.variant, (a) => {
      a.labelled += Number(r.labelled);
      a.correct += Number(r.correct);
      a.returnsN += Number(r.returns_n);
      a.returnSum += r.return_sum;
      a.returnSumSq += r.return_sum_sq;
    });
  }
  for (const r of routed) push(r.bucket, r.variant, (a) => (a.assignments += Number(r.n)));

  const looks: ExperimentLook[] = [];
  const previous: Record<string, number> = {};
  for (const bucket of [...byBucket.keys()].sort((a, b) => a - b)) {
    for (const apply of byBucket.get(bucket)!) for (const arm of arms) apply(arm);
    const at = Math.round(start + (bucket + 1) * width);
    const analysis = analyseArms(
      arms.map((a) => ({ ...a })),
      policy,
      previous,
      at,
    );
    for (const c of analysis.comparisons) previous[c.variant] = c.pValue;
    looks.push({ at, analysis });
  }
  return looks;
}

/** Everything {@link renderExperimentReport} and the dashboard's experiment page show. */
export interface ExperimentReportData {
  experiment: ExperimentWithVariants;
  policy: ExperimentPolicy;
  /** The arms now: totals (with drawdowns) through analyseArms, p-values carried through the looks. */
  analysis: ExperimentAnalysis;
  looks: ExperimentLook[];
  /** The workflow's own view, when it could be queried. */
  live?: ExperimentStatusView;
}

/** Loads an experiment and analyses it; undefined when there is no such experiment. */
export async function loadExperimentReportData(
  db: Db,
  experimentId: string,
  options: { live?: ExperimentStatusView; buckets?: number; now?: number } = {},
): Promise<ExperimentReportData | undefined> {
  const experiment = await getExperiment(db, experimentId);
  if (!experiment) return undefined;
  const parsed = experimentPolicySchema.safeParse(experiment.policy ?? {});
  const policy = parsed.success ? parsed.data : experimentPolicySchema.parse({});
  const now = options.now ?? Date.now();
  const looks = await reconstructLooks(db, experiment, policy, {
    now,
    ...(options.buckets ? { buckets: options.buckets } : {}),
  });
  const carried = Object.fromEntries(
    (looks.at(-1)?.analysis.comparisons ?? []).map((c) => [c.variant, c.pValue]),
  );
  const totals = await loadArmAggregates(db, experimentId, { drawdown: true });
  const analysis = analyseArms(totals, policy, carried, experiment.ended_at?.getTime() ?? now);
  return { experiment, policy, analysis, looks, ...(options.live ? { live: options.live } : {}) };
}
