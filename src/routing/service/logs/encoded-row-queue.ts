// The rows a router has served but not yet committed, kept as encoded bytes outside the V8 heap.
//
// Rows wait in memory for up to a flush interval (and for as long as PostgreSQL is down). Kept as
// JavaScript objects, a prediction row held about 1.4 KB of heap (row object, column strings, the
// feature vector's text); every young-generation GC copied those survivors, and at a few thousand
// predictions per second the scavenges grew to 2–4 ms, a pause every request behind them waited
// for. Here a row is written once, at append, into a Buffer (memory V8 neither scans nor copies),
// and only its id string stays on the heap, for "is this prediction still waiting?" lookups.
//
// Those lookups search the ids in place: the router appends time-ordered UUIDv7 ids from one
// monotonic generator, so the waiting ids are sorted and a binary search answers. A Set of the
// waiting ids cost 0.3–0.7 µs per row (add, delete, and the rehashing as it grew and shrank) on
// every request; it is only built for a caller whose ids do not arrive in increasing order.

/**
 * Writes rows of one kind into a queue's buffer: an upper bound of a row's size, then the bytes.
 *
 * ### Examples
 * ```ts
 * const lines: RowEncoder<string> = {
 *   maxBytes: (line) => 3 * line.length,
 *   write: (line, target, offset) => offset + target.write(line, offset, 'utf8'),
 * };
 * ```
 */
export interface RowEncoder<Row> {
  /** At least the number of bytes {@link RowEncoder.write} will write for this row. */
  maxBytes(row: Row): number;
  /** Writes the row at `offset` and returns the offset just past it. */
  write(row: Row, target: Buffer, offset: number): number;
}

/**
 * The oldest rows of a queue, ready to be written: their ids and their bytes.
 *
 * ### Examples
 * ```ts
 * declare const queue: EncodedRowQueue<unknown>;
 * declare const write: (payload: Buffer) => Promise<void>;
 * const batch = queue.peek(5_000);
 * await write(batch.payload);              // the rows' encoded lines, back to back
 * batch.slice(0, batch.count / 2).payload; // the first half, e.g. to find a row PostgreSQL refuses
 * ```
 */
export interface EncodedRowBatch {
  readonly count: number;
  readonly ids: readonly string[];
  /** Epoch ms at which the oldest row was appended. */
  readonly firstAtMs: number;
  readonly payload: Buffer;
  /** Rows `start` (inclusive) to `end` (exclusive) of this batch, sharing its bytes. */
  slice(start: number, end: number): EncodedRowBatch;
}

function batchOf(
  payload: Buffer,
  ends: Uint32Array,
  ids: readonly string[],
  times: Float64Array,
): EncodedRowBatch {
  return {
    count: ids.length,
    ids,
    firstAtMs: times[0] ?? Date.now(),
    payload,
    slice(start, end) {
      const from = start === 0 ? 0 : ends[start - 1]!;
      const to = end === 0 ? 0 : ends[end - 1]!;
      const shifted = ends.slice(start, end).map((offset) => offset - from);
      return batchOf(payload.subarray(from, to), shifted, ids.slice(start, end), times.subarray(start, end));
    },
  };
}

/**
 * A FIFO of encoded rows in one growable off-heap buffer. Rows are read with {@link peek} (a copy,
 * so that a write in flight never sees the buffer move) and removed with {@link shift} once
 * committed.
 *
 * ### Examples
 * ```ts
 * declare const copy: (payload: Buffer) => Promise<void>;
 * import { assignmentEncoder } from '../../../db/repositories/routing-log.repository';
 * declare const row: import('../../../db/repositories/routing-log.repository').AssignmentLogRow;
 * const queue = new EncodedRowQueue(assignmentEncoder);
 * queue.push(row.assignmentId, row.assignedAtMs, row);
 * const batch = queue.peek(5_000);
 * await copy(batch.payload);
 * queue.shift(batch.count);
 * ```
 */
export class EncodedRowQueue<Row> {
  private bytes: Buffer;
  /** Byte offset at which the oldest row starts. */
  private start = 0;
  /** Byte offset at which the next row will be written. */
  private used = 0;
  /** End offset, id and append time of every row, oldest first, from index `head`. */
  private ends: Uint32Array;
  private times: Float64Array;
  private ids: string[] = [];
  private head = 0;
  /**
   * How many times each waiting id occurs, kept only while an id that did not arrive above the
   * previous one is waiting (binary search does not apply then); null otherwise.
   */
  private unordered: Map<string, number> | null = null;
  /** Index in `ids` of the last id that did not arrive above the one before it. */
  private lastDisorder = -1;

  constructor(
    private readonly encoder: RowEncoder<Row>,
    private readonly initialBytes = 64 * 1024,
    private readonly initialRows = 1024,
  ) {
    this.bytes = Buffer.allocUnsafeSlow(initialBytes);
    this.ends = new Uint32Array(initialRows);
    this.times = new Float64Array(initialRows);
  }

  /** Rows waiting. */
  get length(): number {
    return this.ids.length - this.head;
  }

  /** Id of the newest waiting row; null when none waits. */
  get newestId(): string | null {
    return this.length === 0 ? null : this.ids[this.ids.length - 1]!;
  }

  /** Bytes the waiting rows take. */
  get byteLength(): number {
    return this.used - this.start;
  }

  /** Encodes one row at the end of the queue; the row object itself is not kept. */
  push(id: string, atMs: number, row: Row): void {
    this.reserve(this.encoder.maxBytes(row));
    this.used = this.encoder.write(row, this.bytes, this.used);
    const index = this.ids.length;
    if (index === this.ends.length) {
      this.ends = grown(this.ends, Uint32Array);
      this.times = grown(this.times, Float64Array);
    }
    this.ends[index] = this.used;
    this.times[index] = atMs;
    if (index > this.head && !(id > this.ids[index - 1]!)) {
      this.lastDisorder = index;
      if (this.unordered === null) {
        this.unordered = new Map();
        for (let i = this.head; i < index; i++) tally(this.unordered, this.ids[i]!, 1);
      }
    }
    if (this.unordered !== null) tally(this.unordered, id, 1);
    this.ids.push(id);
  }

  /** Whether a row with this id is waiting. O(log n) while ids arrive in increasing order. */
  has(id: string): boolean {
    if (this.unordered !== null) return this.unordered.has(id);
    const ids = this.ids;
    let low = this.head;
    let high = ids.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const probe = ids[middle]!;
      if (probe === id) return true;
      if (probe < id) low = middle + 1;
      else high = middle - 1;
    }
    return false;
  }

  /** The oldest `max` rows (fewer if fewer wait), copied; nothing is removed. */
  peek(max: number): EncodedRowBatch {
    const end = this.head + Math.min(max, this.length);
    const from = this.start;
    const to = end === this.head ? from : this.ends[end - 1]!;
    return batchOf(
      Buffer.from(this.bytes.subarray(from, to)),
      this.ends.slice(this.head, end).map((offset) => offset - from),
      this.ids.slice(this.head, end),
      this.times.slice(this.head, end),
    );
  }

  /** Removes the oldest `count` rows. */
  shift(count: number): void {
    const n = Math.min(count, this.length);
    if (n === 0) return;
    if (this.unordered !== null) {
      for (let i = this.head; i < this.head + n; i++) tally(this.unordered, this.ids[i]!, -1);
    }
    this.head += n;
    // Once the last out-of-order id has left, the ids still waiting increase again.
    if (this.unordered !== null && this.head > this.lastDisorder) this.unordered = null;
    this.start = this.ends[this.head - 1]!;
    if (this.head === this.ids.length) {
      // Drained (the usual case after a flush): start over at offset 0 without moving anything.
      this.ids = [];
      this.unordered = null;
      this.lastDisorder = -1;
      this.head = 0;
      this.start = 0;
      this.used = 0;
      // A backlog (PostgreSQL was down) may have grown the buffer a hundredfold; give it back.
      if (this.bytes.length > 64 * this.initialBytes) {
        this.bytes = Buffer.allocUnsafeSlow(this.initialBytes);
        this.ends = new Uint32Array(this.initialRows);
        this.times = new Float64Array(this.initialRows);
      }
    }
  }

  private reserve(extra: number): void {
    if (this.used + extra <= this.bytes.length) return;
    // Move the waiting rows to the front (dropping what was shifted out), into a larger buffer
    // when half of it would still be too small to keep appends amortised O(1).
    const live = this.used - this.start;
    const size =
      live + extra > this.bytes.length / 2
        ? Math.max(2 * this.bytes.length, 2 * (live + extra))
        : this.bytes.length;
    const target = size === this.bytes.length ? this.bytes : Buffer.allocUnsafeSlow(size);
    this.bytes.copy(target, 0, this.start, this.used);
    const rows = this.ids.length - this.head;
    for (let i = 0; i < rows; i++) {
      this.ends[i] = this.ends[this.head + i]! - this.start;
      this.times[i] = this.times[this.head + i]!;
    }
    this.ids = this.ids.slice(this.head);
    this.lastDisorder -= this.head;
    this.head = 0;
    this.start = 0;
    this.used = live;
    this.bytes = target;
  }
}

function tally(counts: Map<string, number>, id: string, delta: number): void {
  const next = (counts.get(id) ?? 0) + delta;
  if (next > 0) counts.set(id, next);
  else counts.delete(id);
}

function grown<T extends Uint32Array | Float64Array>(array: T, Kind: { new (length: number): T }): T {
  const next = new Kind(array.length * 2);
  next.set(array);
  return next;
}
