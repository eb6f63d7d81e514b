import { MlInputError } from '../errors';
import type { LabelledDataset, PredictionTarget } from '../features/labelled-dataset';
import type { TimeSplit } from '../validation/time-split';
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

interface SetHeader {
  schema: { version: string; names: string[] };
  horizon: number;
  target: PredictionTarget;
  rows: number;
  cols: number;
  ts: string[];
}

interface Header {
  split: TimeSplit;
  train: SetHeader;
  holdout: SetHeader;
}

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
 * const bytes = encodePreparedData(prepareTrainingData(bars, 'logistic-regression'));
 * decodePreparedData(bytes).train.x.rows; // as prepared
 * ```
 */
export function encodePreparedData(data: PreparedData): Buffer {
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

function checkSet(name: string, set: SetHeader | undefined): SetHeader {
  if (
    set === undefined ||
    !Number.isSafeInteger(set.rows) ||
    !Number.isSafeInteger(set.cols) ||
    set.rows < 0 ||
    set.cols < 0 ||
    !Array.isArray(set.schema?.names) ||
    set.schema.names.length !== set.cols ||
    !Array.isArray(set.ts) ||
    set.ts.length !== set.rows
  ) {
    refuse(`the ${name} set's header is inconsistent (shape, schema or timestamps)`);
  }
  return set;
}

/**
 * Reads data written by {@link encodePreparedData}. Throws MlInputError (argument `preparedData`)
 * for bytes that are not such data, are truncated, or come from an unknown format version.
 *
 * ### Examples
 * ```ts
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
  let header: Header;
  try {
    header = JSON.parse(buffer.toString('utf8', 9, 9 + jsonLength)) as Header;
  } catch (error) {
    refuse(`header is not valid JSON: ${(error as Error).message}`);
  }
  const sets = SETS.map((name) => checkSet(name, header[name]));
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
