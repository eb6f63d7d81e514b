import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';

// The router's batched logs. Each batch is ONE statement over unnest()ed column arrays: one
// parameter per column whatever the row count (a VALUES list would hit Postgres' 65,535-parameter
// limit at ~6,000 predictions), one parse/plan, one round trip. Times are the router's own clock
// (when the prediction was made), not the insert time, because a batch waits up to the flush
// interval before it is written.

/**
 * One served or shadow prediction, as buffered by the router.
 *
 * ### Examples
 * ```ts
 * const row: PredictionLogRow = {
 *   predictionId: '0190…', modelId: '1', versionId: '7', experimentId: null, variant: null, unitId: 'acct-1',
 *   features: [0.01, 0.2], output: 0.61, isShadow: false, servedPredictionId: null, createdAtMs: Date.now(),
 * };
 * ```
 */
export interface PredictionLogRow {
  predictionId: string;
  modelId: string;
  versionId: string;
  experimentId: string | null;
  variant: string | null;
  unitId: string;
  features: readonly number[];
  output: number;
  isShadow: boolean;
  servedPredictionId: string | null;
  createdAtMs: number;
}

/**
 * One experiment assignment (a routing decision), as buffered by the router.
 *
 * ### Examples
 * ```ts
 * const row: AssignmentLogRow = { assignmentId: '0190…', experimentId: 'a1…', variant: 'treatment', unitId: 'acct-1', assignedAtMs: Date.now() };
 * ```
 */
export interface AssignmentLogRow {
  assignmentId: string;
  experimentId: string;
  variant: string;
  unitId: string;
  assignedAtMs: number;
}

/**
 * Inserts a batch of predictions in one statement. A prediction id already stored is skipped
 * (ON CONFLICT DO NOTHING), so re-sending a batch whose commit acknowledgement was lost is harmless.
 *
 * ### Examples
 * ```ts
 * await insertPredictions(db, rows);
 * // INSERT INTO predictions (…) SELECT … FROM unnest($1::uuid[], $2::int8[], …) ON CONFLICT DO NOTHING
 * ```
 */
export async function insertPredictions(db: Kysely<Database>, rows: readonly PredictionLogRow[]): Promise<void> {
  if (rows.length === 0) return;
  const n = rows.length;
  const ids = new Array<string>(n);
  const modelIds = new Array<string>(n);
  const versionIds = new Array<string>(n);
  const experimentIds = new Array<string | null>(n);
  const variants = new Array<string | null>(n);
  const unitIds = new Array<string>(n);
  const features = new Array<string>(n);
  const outputs = new Array<number>(n);
  const shadows = new Array<boolean>(n);
  const served = new Array<string | null>(n);
  const times = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    ids[i] = r.predictionId;
    modelIds[i] = r.modelId;
    versionIds[i] = r.versionId;
    experimentIds[i] = r.experimentId;
    variants[i] = r.variant;
    unitIds[i] = r.unitId;
    // A float8[] per row cannot travel through unnest() of a 2-D array (it would flatten), so each
    // vector goes as its array literal and is cast back per row.
    features[i] = `{${r.features.join(',')}}`;
    outputs[i] = r.output;
    shadows[i] = r.isShadow;
    served[i] = r.servedPredictionId;
    times[i] = r.createdAtMs / 1000;
  }
  await sql`
    INSERT INTO predictions
      (prediction_id, model_id, version_id, experiment_id, variant, unit_id, features, output, is_shadow,
       served_prediction_id, created_at)
    SELECT id, model_id, version_id, experiment_id, variant, unit_id, features::float8[], output, is_shadow,
           served, to_timestamp(at)
    FROM unnest(${ids}::uuid[], ${modelIds}::int8[], ${versionIds}::int8[], ${experimentIds}::uuid[],
                ${variants}::text[], ${unitIds}::text[], ${features}::text[], ${outputs}::float8[],
                ${shadows}::bool[], ${served}::uuid[], ${times}::float8[])
         AS t(id, model_id, version_id, experiment_id, variant, unit_id, features, output, is_shadow, served, at)
    ON CONFLICT (prediction_id) DO NOTHING`.execute(db);
}

/**
 * Inserts a batch of assignments in one statement (idempotent on assignment_id).
 *
 * ### Examples
 * ```ts
 * await insertAssignments(db, rows);
 * ```
 */
export async function insertAssignments(db: Kysely<Database>, rows: readonly AssignmentLogRow[]): Promise<void> {
  if (rows.length === 0) return;
  const n = rows.length;
  const ids = new Array<string>(n);
  const experimentIds = new Array<string>(n);
  const variants = new Array<string>(n);
  const unitIds = new Array<string>(n);
  const times = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    ids[i] = r.assignmentId;
    experimentIds[i] = r.experimentId;
    variants[i] = r.variant;
    unitIds[i] = r.unitId;
    times[i] = r.assignedAtMs / 1000;
  }
  await sql`
    INSERT INTO experiment_assignments (assignment_id, experiment_id, variant, unit_id, assigned_at)
    SELECT id, experiment_id, variant, unit_id, to_timestamp(at)
    FROM unnest(${ids}::uuid[], ${experimentIds}::uuid[], ${variants}::text[], ${unitIds}::text[], ${times}::float8[])
         AS t(id, experiment_id, variant, unit_id, at)
    ON CONFLICT (assignment_id) DO NOTHING`.execute(db);
}
