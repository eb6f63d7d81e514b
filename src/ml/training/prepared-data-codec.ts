import { z } from 'zod';
import { MlInputError } from '../errors';
import type { LabelledDataset } from '../features/labelled-dataset';
import type { PreparedData } from './train-and-evaluate';

// A retraining job prepares its data once and keeps it, so that training, validation and
// registration see the same rows even if bars inside the window are corrected or backfilled while
// the job runs (and so that 2,000+ bars are not loaded and turned into features three times).
// Layout: 'GFPD', a format version byte, the byte length of a JSON header (uint32 LE), the header
// (split, and per set its schema, horizon, target, shape and timestamps), then per set its matrix,
// targets and forward returns as little-endian float64, so every value comes back bit for bit.

const MAGIC = 'GFPD';
const FORMAT_VERSION = 1;
const SETS = ['train', 'holdout'] as const;

// The header is checked field by field when read: bytes from storage are a boundary too, and a
// corrupt row must fail as bad data (not retried), never as a TypeError deep in training.
const setHeaderSchema = z
  .object({
    schema: z.object({ version: z.string(), names: z.array(z.string()) }),
    horizon: z.number().int().min(1),
    target: z.enum(['prob_up', 'price_change_pct']),
    rows: z.number().int().min(0),
    cols: z.number().int().min(0),
    ts: z.array(z.string()),
  })
  .refine((set) => set.schema.names.length === set.cols && set.ts.length === set.rows, {
    message: 'shape, feature names and timestamps disagree',
  });
const rangeSchema = z.object({ from: z.number().int().min(0), to: z.number().int().min(0) });
const headerSchema = z
  .object({
    split: z.object({ train: rangeSchema, holdout: rangeSchema }),
    train: setHeaderSchema,
    holdout: setHeaderSchema,
  })
  .refine(
    ({ train, holdout }) =>
      train.target === holdout.target &&
      train.horizon === holdout.horizon &&
      train.schema.version === holdout.schema.version &&
      train.schema.names.join('\u0000') === holdout.schema.names.join('\u0000'),
    { message: 'train and holdout disagree on target, horizon or features' },
  )
  .refine(
    ({ split }) =>
      split.train.from <= split.train.to &&
      split.train.to <= split.holdout.from &&
      split.holdout.from <= split.holdout.to,
    { message: 'split ranges are not train before holdout' },
  );
type SetHeader = z.infer<typeof setHeaderSchema>;
type Header = z.infer<typeof headerSchema>;

function headerOf(set: LabelledDataset): SetHeader {
  return {
    schema: { version: set.schema.version, names: [...set.schema.names] },
    horizon: set.horizon,
    target: set.target,
    rows: set.x.rows,
    cols: set.x.cols,
    ts: set.ts,
  };
}

function floatsOf(set: SetHeader): number {
  return set.rows * set.cols + 2 * set.rows;
}

/**
 * Serialises prepared train/holdout data to bytes that {@link decodePreparedData} turns back into
 * the same data, every float64 bit for bit.
 *
 * ### Examples
 * ```ts
 * import { prepareTrainingData } from './train-and-evaluate';
 * declare const bars: readonly import('../market/ohlcv-bar').OhlcvBar[];
 * const bytes = encodePreparedData(prepareTrainingData(bars, 'logistic-regression'));
 * decodePreparedData(bytes).train.x.rows; // as prepared
 * ```
 */
export function encodePreparedData(data: PreparedData): Buffer {
  for (const name of SETS) {
    const { x, y, forwardReturn, ts, schema } = data[name];
    if (
      x.data.length !== x.rows * x.cols ||
      y.length !== x.rows ||
      forwardReturn.length !== x.rows ||
      ts.length !== x.rows ||
      schema.names.length !== x.cols
    ) {
      refuse(`the ${name} set's arrays do not match its ${x.rows} × ${x.cols} shape`);
    }
  }
  const header: Header = { split: data.split, train: headerOf(data.train), holdout: headerOf(data.holdout) };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const floats = floatsOf(header.train) + floatsOf(header.holdout);
  const bytes = Buffer.allocUnsafe(9 + json.length + 8 * floats);
  bytes.write(MAGIC, 0, 'latin1');
  bytes[4] = FORMAT_VERSION;
  bytes.writeUInt32LE(json.length, 5);
  let offset = 9 + json.copy(bytes, 9);
  for (const name of SETS) {
    const set = data[name];
    for (const values of [set.x.data, set.y, set.forwardReturn]) {
      for (let i = 0; i < values.length; i++) offset = bytes.writeDoubleLE(values[i]!, offset);
    }
  }
  return bytes;
}

function refuse(message: string): never {
  throw new MlInputError('preparedData', message);
}

/**
 * Reads data written by {@link encodePreparedData}. Throws MlInputError (argument `preparedData`)
 * for bytes that are not such data, are truncated, or come from an unknown format version.
 *
 * ### Examples
 * ```ts
 * declare const row: { payload: Uint8Array }; // a kept training_datasets row
 * const { train, holdout, split } = decodePreparedData(row.payload);
 * decodePreparedData(Buffer.from('nope')); // throws MlInputError: preparedData: not prepared training data …
 * ```
 */
export function decodePreparedData(bytes: Uint8Array): PreparedData {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 9 || buffer.toString('latin1', 0, 4) !== MAGIC) {
    refuse('not prepared training data (no GFPD header)');
  }
  if (buffer[4] !== FORMAT_VERSION) {
    refuse(`format version ${buffer[4]} is not supported (this build reads version ${FORMAT_VERSION})`);
  }
  const jsonLength = buffer.readUInt32LE(5);
  if (9 + jsonLength > buffer.length) refuse('truncated header');
  let json: unknown;
  try {
    json = JSON.parse(buffer.toString('utf8', 9, 9 + jsonLength));
  } catch (error) {
    refuse(`header is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    refuse(`header field ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const header = parsed.data;
  const sets = SETS.map((name) => header[name]);
  const expected = 9 + jsonLength + 8 * sets.reduce((sum, set) => sum + floatsOf(set), 0);
  if (buffer.length !== expected) {
    refuse(`expected ${expected} bytes for the shapes in its header, got ${buffer.length}`);
  }
  let offset = 9 + jsonLength;
  const read = (length: number): Float64Array => {
    const values = new Float64Array(length);
    for (let i = 0; i < length; i++, offset += 8) values[i] = buffer.readDoubleLE(offset);
    return values;
  };
  const [train, holdout] = sets.map((set): LabelledDataset => ({
    schema: set.schema,
    horizon: set.horizon,
    target: set.target,
    x: { rows: set.rows, cols: set.cols, data: read(set.rows * set.cols) },
    y: read(set.rows),
    forwardReturn: read(set.rows),
    ts: set.ts,
  }));
  return { train: train!, holdout: holdout!, split: header.split };
}
