import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DatabaseDeadlineError, destroyConnection } from '../connection';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';

// The router's batched logs, written with COPY FROM STDIN in PostgreSQL's binary format. A row is
// encoded when it is appended, straight into the log's off-heap buffer (see EncodedRowQueue), so a
// flush sends bytes that are already there. Binary rows need no number formatting (twenty features
// printed as shortest round-trip decimals cost more than the rest of a prediction's log row) and
// spare PostgreSQL the parsing of text; COPY itself costs PostgreSQL about a quarter less CPU per
// row than the INSERT … SELECT FROM unnest(…) it replaced, and has no parameter limit.
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

// Binary COPY, per tuple: int16 field count, then per field an int32 byte length (-1 for NULL) and
// the value in the type's binary send format (big-endian).
const NULL_LENGTH = -1;
const FLOAT8_OID = 701;
// timestamptz is int64 microseconds since 2000-01-01T00:00:00Z.
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const TWO_TO_32 = 2 ** 32;

const NIBBLES = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  NIBBLES['0123456789abcdef'.charCodeAt(i)] = i;
  NIBBLES['0123456789ABCDEF'.charCodeAt(i)] = i;
}

function writeUuid(target: Buffer, offset: number, uuid: string): number {
  if (
    uuid.length !== 36 ||
    uuid.charCodeAt(8) !== 45 ||
    uuid.charCodeAt(13) !== 45 ||
    uuid.charCodeAt(18) !== 45 ||
    uuid.charCodeAt(23) !== 45
  )
    throw new TypeError(`not a UUID: ${uuid}`);
  target.writeInt32BE(16, offset);
  let at = offset + 4;
  for (let i = 0; i < 36; i += 2) {
    if (i === 8 || i === 13 || i === 18 || i === 23) i++;
    const high = NIBBLES[uuid.charCodeAt(i)] ?? -1;
    const low = NIBBLES[uuid.charCodeAt(i + 1)] ?? -1;
    if (high < 0 || low < 0) throw new TypeError(`not a UUID: ${uuid}`);
    target[at++] = (high << 4) | low;
  }
  return at;
}

function writeNull(target: Buffer, offset: number): number {
  target.writeInt32BE(NULL_LENGTH, offset);
  return offset + 4;
}

// Non-negative integers up to 2^53 (database ids, microsecond times) as int64.
function writeInt64(target: Buffer, offset: number, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a storable int64: ${value}`);
  target.writeUInt32BE(Math.floor(value / TWO_TO_32), offset);
  target.writeUInt32BE(value % TWO_TO_32, offset + 4);
  return offset + 8;
}

const DECIMAL_ID = /^(?:0|[1-9]\d{0,18})$/;
const INT64_MAX = 2n ** 63n - 1n;

// A bigint column's value, as the decimal string the database gave the router.
function writeBigint(target: Buffer, offset: number, id: string): number {
  if (!DECIMAL_ID.test(id)) throw new RangeError(`not a bigint id: ${JSON.stringify(id)}`);
  target.writeInt32BE(8, offset);
  if (id.length <= 15) return writeInt64(target, offset + 4, Number(id)); // below 2^53: exact as a double
  const value = BigInt(id);
  if (value > INT64_MAX) throw new RangeError(`not a bigint id: ${id}`);
  target.writeBigInt64BE(value, offset + 4);
  return offset + 12;
}

function writeTimestamp(target: Buffer, offset: number, epochMs: number): number {
  target.writeInt32BE(8, offset);
  return writeInt64(target, offset + 4, Math.round((epochMs - POSTGRES_EPOCH_MS) * 1000));
}

function writeText(target: Buffer, offset: number, value: string): number {
  const length = target.write(value, offset + 4, 'utf8');
  target.writeInt32BE(length, offset);
  return offset + 4 + length;
}

function writeFloat8(target: Buffer, offset: number, value: number): number {
  target.writeInt32BE(8, offset);
  target.writeDoubleBE(value, offset + 4);
  return offset + 12;
}

function writeBool(target: Buffer, offset: number, value: boolean): number {
  target.writeInt32BE(1, offset);
  target[offset + 4] = value ? 1 : 0;
  return offset + 5;
}

// One-dimensional float8[] without NULLs: ndim, has-null flag, element type, length, lower bound,
// then (length, value) per element.
function writeFloat8Array(target: Buffer, offset: number, values: readonly number[]): number {
  const n = values.length;
  target.writeInt32BE(20 + 12 * n, offset);
  target.writeInt32BE(1, offset + 4);
  target.writeInt32BE(0, offset + 8);
  target.writeInt32BE(FLOAT8_OID, offset + 12);
  target.writeInt32BE(n, offset + 16);
  target.writeInt32BE(1, offset + 20);
  let at = offset + 24;
  for (let i = 0; i < n; i++) {
    target.writeInt32BE(8, at);
    target.writeDoubleBE(values[i]!, at + 4);
    at += 12;
  }
  return at;
}

/**
 * Encodes predictions for {@link copyPredictions} (binary COPY tuples). Doubles are stored bit for bit.
 *
 * ### Examples
 * ```ts
 * import { BatchLog } from '../../routing/service/logs/batch-log';
 * declare const buffer: Buffer;
 * declare const row: PredictionLogRow;
 * const end = predictionEncoder.write(row, buffer, 0); // bytes written
 * ```
 */
export const predictionEncoder = {
  maxBytes(row: PredictionLogRow): number {
    // 11 fields: 2 + 11 × 4 length words, 3 uuids, 2 int8, 2 texts (UTF-8 ≤ 3 bytes per UTF-16
    // unit), the array, a float8, a bool, an int8 time.
    return (
      46 +
      48 +
      16 +
      3 * ((row.variant?.length ?? 0) + row.unitId.length) +
      20 +
      12 * row.features.length +
      8 +
      1 +
      8
    );
  },
  write(row: PredictionLogRow, target: Buffer, offset: number): number {
    target.writeInt16BE(11, offset);
    let at = writeUuid(target, offset + 2, row.predictionId);
    at = writeBigint(target, at, row.modelId);
    at = writeBigint(target, at, row.versionId);
    at = row.experimentId === null ? writeNull(target, at) : writeUuid(target, at, row.experimentId);
    at = row.variant === null ? writeNull(target, at) : writeText(target, at, row.variant);
    at = writeText(target, at, row.unitId);
    at = writeFloat8Array(target, at, row.features);
    at = writeFloat8(target, at, row.output);
    at = writeBool(target, at, row.isShadow);
    at =
      row.servedPredictionId === null ? writeNull(target, at) : writeUuid(target, at, row.servedPredictionId);
    return writeTimestamp(target, at, row.createdAtMs);
  },
};

/**
 * Encodes experiment assignments for {@link copyAssignments} (binary COPY tuples).
 */
export const assignmentEncoder = {
  maxBytes(row: AssignmentLogRow): number {
    return 2 + 5 * 4 + 32 + 3 * (row.variant.length + row.unitId.length) + 8;
  },
  write(row: AssignmentLogRow, target: Buffer, offset: number): number {
    target.writeInt16BE(5, offset);
    let at = writeUuid(target, offset + 2, row.assignmentId);
    at = writeUuid(target, at, row.experimentId);
    at = writeText(target, at, row.variant);
    at = writeText(target, at, row.unitId);
    return writeTimestamp(target, at, row.assignedAtMs);
  },
};

/**
 * Encodes rows back to back into one buffer, as a batched log holds them (for tools and tests).
 *
 * ### Examples
 * ```ts
 * declare const pool: pg.Pool;
 * declare const rows: readonly AssignmentLogRow[];
 * await copyAssignments(pool, encodeRows(assignmentEncoder, rows));
 * ```
 */
export function encodeRows<Row>(
  encoder: { maxBytes(row: Row): number; write(row: Row, target: Buffer, offset: number): number },
  rows: readonly Row[],
): Buffer {
  const target = Buffer.alloc(rows.reduce((sum, row) => sum + encoder.maxBytes(row), 0));
  let at = 0;
  for (const row of rows) at = encoder.write(row, target, at);
  return target.subarray(0, at);
}

const PREDICTION_COLUMNS =
  'prediction_id, model_id, version_id, experiment_id, variant, unit_id, features, output, is_shadow, served_prediction_id, created_at';
const ASSIGNMENT_COLUMNS = 'assignment_id, experiment_id, variant, unit_id, assigned_at';

// Signature, flags, header extension length; and the trailer (a field count of -1).
const BINARY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

function copyInto(client: pg.PoolClient, target: string, columns: string, tuples: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(`COPY ${target} (${columns}) FROM STDIN (FORMAT binary)`));
    stream.once('finish', resolve);
    stream.once('error', reject);
    stream.write(BINARY_HEADER);
    stream.write(tuples);
    stream.end(BINARY_TRAILER);
  });
}

const UNIQUE_VIOLATION = '23505';

/**
 * Options of {@link copyPredictions} and {@link copyAssignments}.
 *
 * ### Examples
 * ```ts
 * declare const payload: Buffer;
 * declare const pool: pg.Pool;
 * await copyPredictions(pool, payload, { timeoutMs: 10_000 });
 * ```
 */
export interface CopyLogOptions {
  /**
   * Deadline of the whole write. When it passes, the connection is destroyed (never returned to
   * the pool) and the write rejects with DatabaseDeadlineError; a frozen server may still commit
   * the batch later, which the idempotent retry then skips. @default none
   */
  readonly timeoutMs?: number;
}

async function copyLog(
  pool: pg.Pool,
  table: 'predictions' | 'experiment_assignments',
  key: string,
  columns: string,
  payload: Buffer,
  options: CopyLogOptions,
): Promise<void> {
  if (payload.length === 0) return;
  const { timeoutMs } = options;
  if (timeoutMs === undefined) return copyOnClient(await pool.connect(), table, key, columns, payload);
  let client: pg.PoolClient | undefined;
  let expired = false;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expired = true;
      if (client !== undefined) destroyConnection(client);
      reject(
        new DatabaseDeadlineError(`log write not committed within ${timeoutMs} ms`, client !== undefined),
      );
    }, timeoutMs);
  });
  const write = (async () => {
    const acquired = await pool.connect();
    if (expired) {
      acquired.release();
      return;
    }
    client = acquired;
    await copyOnClient(acquired, table, key, columns, payload);
  })();
  // The write's own failure after the deadline (the destroyed connection) is already answered.
  write.catch(() => undefined);
  try {
    await Promise.race([write, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function copyOnClient(
  client: pg.PoolClient,
  table: 'predictions' | 'experiment_assignments',
  key: string,
  columns: string,
  payload: Buffer,
): Promise<void> {
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
 * Commits encoded predictions (tuples of {@link predictionEncoder}) in one COPY. A prediction id
 * already stored is skipped, so re-sending a batch whose commit acknowledgement was lost is harmless.
 *
 * ### Examples
 * ```ts
 * declare const rows: readonly PredictionLogRow[];
 * declare const pool: pg.Pool;
 * await copyPredictions(pool, encodeRows(predictionEncoder, rows));
 * ```
 */
export function copyPredictions(pool: pg.Pool, payload: Buffer, options: CopyLogOptions = {}): Promise<void> {
  return copyLog(pool, 'predictions', 'prediction_id', PREDICTION_COLUMNS, payload, options);
}

/**
 * Commits encoded assignments (tuples of {@link assignmentEncoder}) in one COPY, idempotent on
 * assignment_id.
 *
 * ### Examples
 * ```ts
 * declare const rows: readonly AssignmentLogRow[];
 * declare const pool: pg.Pool;
 * await copyAssignments(pool, encodeRows(assignmentEncoder, rows));
 * ```
 */
export function copyAssignments(pool: pg.Pool, payload: Buffer, options: CopyLogOptions = {}): Promise<void> {
  return copyLog(pool, 'experiment_assignments', 'assignment_id', ASSIGNMENT_COLUMNS, payload, options);
}

/**
 * The weights an adaptive experiment serves for one allocation epoch (migration 019). Idempotent:
 * every router computes the same weights for an epoch, the first insert wins (with its apply time).
 *
 * ### Examples
 * ```ts
 * declare const experimentId: string;
 * declare const db: Kysely<Database>;
 * await recordServedWeights(db, { experimentId, epochStartMs: 1_700_000_000_000, epochEndMs: 1_700_003_600_000, weights: { control: 0.2, challenger: 0.8 } });
 * ```
 */
export async function recordServedWeights(
  db: Kysely<Database>,
  input: {
    experimentId: string;
    epochStartMs: number;
    epochEndMs: number;
    weights: Readonly<Record<string, number>>;
  },
): Promise<void> {
  const entries = Object.entries(input.weights);
  if (entries.length === 0) return;
  const start = new Date(input.epochStartMs);
  const end = new Date(input.epochEndMs);
  await sql`
    INSERT INTO experiment_served_weights (experiment_id, epoch_start, epoch_end, variant, weight)
    VALUES ${sql.join(entries.map(([variant, weight]) => sql`(${input.experimentId}, ${start}, ${end}, ${variant}, ${weight})`))}
    ON CONFLICT (experiment_id, epoch_start, variant) DO NOTHING`.execute(db);
}
