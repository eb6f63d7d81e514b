import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';

// The router's batched logs. Each batch is ONE statement over unnest()ed column arrays: one
// parameter per column whatever the row count (a VALUES list would hit Postgres' 65,535-parameter
// limit at ~6,000 predictions), one parse/plan, one round trip.
//
// Rows are encoded into array-literal elements when they are appended (a few microseconds spread
// over the requests that produce them), so a flush only joins strings: serialising 5,000 rows at
// flush time blocked the event loop for milliseconds and showed up in the p99 of /v1/predict.
// Times are the router's own clock (when the prediction was made), not the insert time, because
// a batch waits up to the flush interval before it is written.

/**
 * One served or shadow prediction, as the router produces it.
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
 * One experiment assignment (a routing decision), as the router produces it.
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
 * A row already encoded as one array-literal element per column (see {@link encodePrediction}),
 * with its id and time kept for the log's bookkeeping.
 *
 * ### Examples
 * ```ts
 * const encoded: EncodedLogRow = { id: '0190…', atMs: 1700000000000, columns: ['0190…', '1', …] };
 * ```
 */
export interface EncodedLogRow {
  readonly id: string;
  readonly atMs: number;
  readonly columns: readonly string[];
}

/** A text element quoted for a PostgreSQL array literal; NULL stays unquoted. */
function quoted(value: string | null): string {
  if (value === null) return 'NULL';
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

const nullable = (value: string | null): string => (value === null ? 'NULL' : value);

/**
 * Encodes a prediction for {@link insertPredictions}. Numbers are written by `String()` (the
 * shortest decimal that reads back as the same double), so nothing is lost.
 *
 * ### Examples
 * ```ts
 * encodePrediction(row).columns[6]; // '"{0.01,0.2}"' (the feature vector, as an element of a text[])
 * ```
 */
export function encodePrediction(row: PredictionLogRow): EncodedLogRow {
  return {
    id: row.predictionId,
    atMs: row.createdAtMs,
    columns: [
      row.predictionId,
      row.modelId,
      row.versionId,
      nullable(row.experimentId),
      quoted(row.variant),
      quoted(row.unitId),
      // A float8[] per row cannot travel through unnest() of a 2-D array (it would flatten), so
      // each vector is an element of a text[] and is cast back per row.
      `"{${row.features.join(',')}}"`,
      String(row.output),
      row.isShadow ? 't' : 'f',
      nullable(row.servedPredictionId),
      String(row.createdAtMs / 1000),
    ],
  };
}

/**
 * Encodes an assignment for {@link insertAssignments}.
 *
 * ### Examples
 * ```ts
 * encodeAssignment(row).columns; // ['0190…', 'a1…', '"treatment"', '"acct-1"', '1700000000.123']
 * ```
 */
export function encodeAssignment(row: AssignmentLogRow): EncodedLogRow {
  return {
    id: row.assignmentId,
    atMs: row.assignedAtMs,
    columns: [
      row.assignmentId,
      row.experimentId,
      quoted(row.variant),
      quoted(row.unitId),
      String(row.assignedAtMs / 1000),
    ],
  };
}

/** One array literal per column, e.g. `{a,b,c}`, passed as text and cast by the statement. */
function columnLiterals(rows: readonly EncodedLogRow[], width: number): string[] {
  const columns: string[] = [];
  for (let c = 0; c < width; c++) {
    let literal = '{';
    for (let r = 0; r < rows.length; r++) {
      if (r > 0) literal += ',';
      literal += rows[r]!.columns[c]!;
    }
    columns.push(`${literal}}`);
  }
  return columns;
}

/**
 * Inserts a batch of encoded predictions in one statement. A prediction id already stored is
 * skipped (ON CONFLICT DO NOTHING), so re-sending a batch whose commit acknowledgement was lost is
 * harmless.
 *
 * ### Examples
 * ```ts
 * await insertPredictions(db, rows.map(encodePrediction));
 * // INSERT INTO predictions (…) SELECT … FROM unnest($1::uuid[], $2::int8[], …) ON CONFLICT DO NOTHING
 * ```
 */
export async function insertPredictions(db: Kysely<Database>, rows: readonly EncodedLogRow[]): Promise<void> {
  if (rows.length === 0) return;
  const [
    ids,
    modelIds,
    versionIds,
    experimentIds,
    variants,
    unitIds,
    features,
    outputs,
    shadows,
    served,
    times,
  ] = columnLiterals(rows, 11);
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
 * Inserts a batch of encoded assignments in one statement (idempotent on assignment_id).
 *
 * ### Examples
 * ```ts
 * await insertAssignments(db, rows.map(encodeAssignment));
 * ```
 */
export async function insertAssignments(db: Kysely<Database>, rows: readonly EncodedLogRow[]): Promise<void> {
  if (rows.length === 0) return;
  const [ids, experimentIds, variants, unitIds, times] = columnLiterals(rows, 5);
  await sql`
    INSERT INTO experiment_assignments (assignment_id, experiment_id, variant, unit_id, assigned_at)
    SELECT id, experiment_id, variant, unit_id, to_timestamp(at)
    FROM unnest(${ids}::uuid[], ${experimentIds}::uuid[], ${variants}::text[], ${unitIds}::text[], ${times}::float8[])
         AS t(id, experiment_id, variant, unit_id, at)
    ON CONFLICT (assignment_id) DO NOTHING`.execute(db);
}
