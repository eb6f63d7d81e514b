import { loadServedPredictionColumns } from '../lifecycle/served-predictions';
import type { Db } from '../db/database';
import { getAliases } from '../db/repositories/alias.repository';
import { listRecentDriftEvents } from '../db/repositories/drift-event.repository';
import { getModel } from '../db/repositories/model.repository';
import { getVersionById, loadReferenceProfiles } from '../db/repositories/version.repository';
import type { DriftType } from '../db/tables/retraining.table';
import { checkDrift, windowFeatureRows, type DriftCheckResult } from '../lifecycle/check-drift';
import { PREDICTION_PROFILE } from '../lifecycle/model-pipeline';
import type { ReferenceProfile } from '../stats';
import { countIntoBins } from '../stats/drift/psi';

export { PREDICTION_PROFILE };

/** Reference and current rows per bin of one feature, on the reference profile's own bins. */
export interface FeatureHistogram {
  feature: string;
  kind: 'numeric' | 'categorical';
  /** Numeric: the profile's interior PSI edges (reference quantiles); categorical: none. */
  edges: number[];
  /** Numeric: `edges.length + 1` bins; categorical: the category names. */
  labels: string[];
  reference: number[];
  current: number[];
  referenceRows: number;
  currentRows: number;
  /** Current mean and standard deviation (numeric), beside the profile's. */
  currentMean: number | null;
  currentStd: number | null;
}

/** Three significant digits; an exponent only for very small or large magnitudes (bin labels). */
export function shortNumber(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  return abs >= 1e4 || abs < 1e-3 ? v.toExponential(1) : Number(v.toPrecision(3)).toString();
}

/**
 * Counts `values` into the reference profile's bins: PSI bins for a numeric profile (bin i holds
 * edges[i−1] ≤ x < edges[i], as the PSI computation counts them), categories for a categorical one.
 * Non-finite values are left out. Returns null for a profile it cannot read.
 */
export function histogramOf(
  feature: string,
  profile: ReferenceProfile,
  values: ArrayLike<number>,
): FeatureHistogram | null {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite.push(values[i]!);
  if (profile?.type === 'numeric' && Array.isArray(profile.psiEdges) && Array.isArray(profile.psiCounts)) {
    const edges = profile.psiEdges;
    const labels = profile.psiCounts.map((_, i) =>
      i === 0
        ? `< ${shortNumber(edges[0] ?? Infinity)}`
        : i === edges.length
          ? `≥ ${shortNumber(edges[i - 1]!)}`
          : `${shortNumber(edges[i - 1]!)} – ${shortNumber(edges[i]!)}`,
    );
    const mean = finite.length ? finite.reduce((s, v) => s + v, 0) / finite.length : null;
    const std =
      mean !== null ? Math.sqrt(finite.reduce((s, v) => s + (v - mean) ** 2, 0) / finite.length) : null;
    return {
      feature,
      kind: 'numeric',
      edges,
      labels,
      reference: profile.psiCounts,
      current: finite.length ? countIntoBins(finite, edges) : profile.psiCounts.map(() => 0),
      referenceRows: profile.n,
      currentRows: finite.length,
      currentMean: mean,
      currentStd: std,
    };
  }
  if (profile?.type === 'categorical' && Array.isArray(profile.categories)) {
    const counts = new Map<string, number>();
    for (const v of finite) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
    return {
      feature,
      kind: 'categorical',
      edges: [],
      labels: profile.categories,
      reference: profile.counts,
      current: profile.categories.map((c) => counts.get(c) ?? 0),
      referenceRows: profile.n,
      currentRows: finite.length,
      currentMean: null,
      currentStd: null,
    };
  }
  return null;
}

/** The current values of a window, per feature (and of the model's output under PREDICTION_PROFILE). */
export interface CurrentColumns {
  versionId: string | null;
  version: number | null;
  names: string[];
  columns: Record<string, number[]>;
  rows: number;
}

/**
 * Reads the rows a drift check of the same window compares: the champion's served (non-shadow)
 * predictions, or features recomputed from the model's stored bars. Rows whose feature vector does
 * not fit the champion's schema are left out, as the drift check leaves them out.
 */
export async function loadCurrentColumns(
  db: Db,
  input: { model: string; source: 'predictions' | 'bars'; from: Date; to: Date; maxRows?: number },
): Promise<CurrentColumns> {
  const model = await getModel(db, input.model);
  const champion = (await getAliases(db, input.model)).find((a) => a.alias === 'champion');
  if (!champion) return { versionId: null, version: null, names: [], columns: {}, rows: 0 };
  const version = await getVersionById(db, champion.versionId);
  const names = [...((version.feature_schema as { names?: string[] }).names ?? [])];
  let columns: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, [] as number[]]));
  let rows = 0;
  if (input.source === 'predictions') {
    const served = await loadServedPredictionColumns(db, {
      modelId: model.model_id,
      versionId: champion.versionId,
      names,
      from: input.from,
      to: input.to,
      ...(input.maxRows !== undefined ? { maxRows: input.maxRows } : {}),
    });
    columns = { ...served.columns, [PREDICTION_PROFILE]: served.outputs };
    rows = served.outputs.length;
  } else {
    // The bars before the window warm up its first features, as the check does.
    for (const row of await windowFeatureRows(db, model, input.from, input.to)) {
      names.forEach((n, j) => columns[n]!.push(row[j]!));
      rows++;
    }
  }
  return { versionId: champion.versionId, version: version.version, names, columns, rows };
}

/** One stored drift statistic (drift_detection_events), for charts over time. */
export interface DriftEventPoint {
  checkId: string;
  at: Date;
  driftType: DriftType;
  metric: string;
  method: string;
  statistic: number;
  pValue: number | null;
  threshold: number;
  drifted: boolean;
  sampleSize: number;
  version: number | null;
}

/** Drift events of a model, oldest first: the last `limit` checks (every metric of each). */
export async function loadDriftHistory(
  db: Db,
  modelId: string,
  options: { since?: Date; limit?: number } = {},
): Promise<DriftEventPoint[]> {
  const rows = await listRecentDriftEvents(db, modelId, options);
  return rows.reverse().map((r) => ({
    checkId: r.check_id,
    at: r.detected_at,
    driftType: r.drift_type,
    metric: r.metric_name,
    method: r.method,
    statistic: r.statistic,
    pValue: r.p_value,
    threshold: r.threshold,
    drifted: r.is_significant,
    sampleSize: r.sample_size,
    version: r.version,
  }));
}

/** Everything {@link renderDriftReport} shows, loaded for one model and window. */
export interface DriftReportData {
  model: string;
  window: { from: Date; to: Date; source: 'predictions' | 'bars' };
  result: DriftCheckResult;
  profiles: Record<string, ReferenceProfile>;
  current: Record<string, number[]>;
  history: DriftEventPoint[];
}

/**
 * Runs a drift check of the window without recording it (`record: false`), and loads the reference
 * profiles, the window's current values and the stored drift history the report draws.
 */
export async function loadDriftReportData(
  db: Db,
  input: {
    model: string;
    source: 'predictions' | 'bars';
    from: Date;
    to: Date;
    minSamples?: number;
    share?: number;
  },
): Promise<DriftReportData> {
  const model = await getModel(db, input.model);
  const result = await checkDrift(db, {
    model: input.model,
    source: input.source,
    from: input.from,
    to: input.to,
    minSamples: input.minSamples ?? 30,
    share: input.share ?? 0.5,
    record: false,
    performance: { enabled: true, minOutcomes: 100, alpha: 0.01 },
  });
  const current = await loadCurrentColumns(db, input);
  const profiles = current.versionId
    ? ((await loadReferenceProfiles(db, current.versionId)) as Record<string, ReferenceProfile>)
    : {};
  const history = await loadDriftHistory(db, model.model_id, { limit: 2_000 });
  return {
    model: input.model,
    window: { from: input.from, to: input.to, source: input.source },
    result,
    profiles,
    current: current.columns,
    history,
  };
}
