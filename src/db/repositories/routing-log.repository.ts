import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

// The router's batched logs, written with COPY FROM STDIN in PostgreSQL's text format: one line per
// row, encoded when the row is appended (a few hundred nanoseconds spread over the requests that
// produce them) into the log's off-heap buffer, so a flush sends bytes that are already there.
// COPY costs PostgreSQL about a quarter less CPU per row than INSERT … SELECT FROM unnest(…) over
// array literals, and its size has no parameter limit.
//
// COPY has no ON CONFLICT. A batch is retried when its commit acknowledgement was lost (the
// connection dropped after COMMIT), and the retry then meets rows that are already stored: that
// unique violation sends the batch through a staging table and INSERT … ON CONFLICT DO NOTHING,
// so a retried batch is harmless exactly as before.
//
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

const ESCAPED = /[\\\t\n\r]/;
const ESCAPED_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A text value for COPY's text format: backslash, tab, newline and carriage return escaped. */
function text(value: string): string {
  return ESCAPED.test(value) ? value.replace(ESCAPED_ALL, (c) => ESCAPES[c]!) : value;
}

const NULL = '\\N';
const nullable = (value: string | null): string => (value === null ? NULL : value);

// Formatting a Date per row costs more than the rest of an assignment line; rows of one second
// share everything up to the milliseconds.
let isoSecond = -1;
let isoPrefix = '';
function isoTime(epochMs: number): string {
  const ms = Math.floor(epochMs);
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const millis = ms - second * 1000;
  return `${isoPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

/**
 * Encodes a prediction as one COPY line for {@link copyPredictions}. Numbers are written by
 * `String()` (the shortest decimal that reads back as the same double), so nothing is lost.
 *
 * ### Examples
 * ```ts
 * encodePrediction(row);
 * // '0190…\t1\t7\t\\N\t\\N\tacct-1\t{0.01,0.2}\t0.61\tf\t\\N\t2026-11-26T14:00:00.123Z\n'
 * ```
 */
export function encodePrediction(row: PredictionLogRow): string {
  return `${row.predictionId}\t${row.modelId}\t${row.versionId}\t${nullable(row.experimentId)}\t${
    row.variant === null ? NULL : text(row.variant)
  }\t${text(row.unitId)}\t{${row.features.join(',')}}\t${row.output}\t${row.isShadow ? 't' : 'f'}\t${nullable(
    row.servedPredictionId,
  )}\t${isoTime(row.createdAtMs)}\n`;
}

/**
 * Encodes an assignment as one COPY line for {@link copyAssignments}.
 *
 * ### Examples
 * ```ts
 * encodeAssignment(row); // '0190…\ta1…\ttreatment\tacct-1\t2026-11-26T14:00:00.123Z\n'
 * ```
 */
export function encodeAssignment(row: AssignmentLogRow): string {
  return `${row.assignmentId}\t${row.experimentId}\t${text(row.variant)}\t${text(row.unitId)}\t${isoTime(
    row.assignedAtMs,
  )}\n`;
}

const PREDICTION_COLUMNS =
  'prediction_id, model_id, version_id, experiment_id, variant, unit_id, features, output, is_shadow, served_prediction_id, created_at';
const ASSIGNMENT_COLUMNS = 'assignment_id, experiment_id, variant, unit_id, assigned_at';

function copyInto(client: pg.PoolClient, target: string, columns: string, payload: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(`COPY ${target} (${columns}) FROM STDIN`));
    stream.once('finish', resolve);
    stream.once('error', reject);
    stream.end(payload);
  });
}

const UNIQUE_VIOLATION = '23505';

async function copyLog(
  pool: pg.Pool,
  table: 'predictions' | 'experiment_assignments',
  key: string,
  columns: string,
  payload: Buffer,
): Promise<void> {
  if (payload.length === 0) return;
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    try {
      await copyInto(client, table, columns, payload);
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
    }
    // A retried batch some of whose rows are stored already.
    await client.query('BEGIN');
    try {
      await client.query(`CREATE TEMP TABLE log_staging (LIKE ${table}) ON COMMIT DROP`);
      await copyInto(client, 'log_staging', columns, payload);
      await client.query(
        `INSERT INTO ${table} (${columns}) SELECT ${columns} FROM log_staging ON CONFLICT (${key}) DO NOTHING`,
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } catch (error) {
    // After an error PostgreSQL reported, the connection is ready for the next statement; after
    // anything else (a socket error mid-COPY) it may be in any protocol state: never reuse it.
    if (typeof (error as { severity?: unknown } | null)?.severity !== 'string') broken = error as Error;
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * Commits encoded predictions (lines of {@link encodePrediction}) in one COPY. A prediction id
 * already stored is skipped, so re-sending a batch whose commit acknowledgement was lost is harmless.
 *
 * ### Examples
 * ```ts
 * await copyPredictions(pool, Buffer.from(rows.map(encodePrediction).join('')));
 * ```
 */
export function copyPredictions(pool: pg.Pool, payload: Buffer): Promise<void> {
  return copyLog(pool, 'predictions', 'prediction_id', PREDICTION_COLUMNS, payload);
}

/**
 * Commits encoded assignments (lines of {@link encodeAssignment}) in one COPY, idempotent on
 * assignment_id.
 *
 * ### Examples
 * ```ts
 * await copyAssignments(pool, Buffer.from(rows.map(encodeAssignment).join('')));
 * ```
 */
export function copyAssignments(pool: pg.Pool, payload: Buffer): Promise<void> {
  return copyLog(pool, 'experiment_assignments', 'assignment_id', ASSIGNMENT_COLUMNS, payload);
}
