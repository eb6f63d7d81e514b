import assert from 'node:assert/strict';
import {
  BatchLog,
  isDataError,
  type BatchLogMetrics,
} from '../../../../../src/routing/service/logs/batch-log';
import { createRouterLogger } from '../../../../../src/routing/service/observability/router-logger';

interface Row {
  id: string;
  at: number;
}

function harness(options: { maxBuffered?: number; maxBatch?: number; flushIntervalMs?: number } = {}) {
  const written: Row[][] = [];
  const counts = { flushed: 0, overflow: 0, rejected: 0, up: [] as boolean[] };
  let behaviour: (rows: readonly Row[]) => Promise<void> = async () => undefined;
  const metrics: BatchLogMetrics = {
    flushed: (n) => (counts.flushed += n),
    dropped: (reason, n) => (reason === 'overflow' ? (counts.overflow += n) : (counts.rejected += n)),
    lag: () => undefined,
    buffered: () => undefined,
    databaseUp: (up) => counts.up.push(up),
  };
  const log = new BatchLog<string>({
    name: 'test',
    encoder: {
      maxBytes: (line) => 3 * line.length,
      write: (line, target, offset) => offset + target.write(line, offset, 'utf8'),
    },
    write: async (batch) => {
      // Rows are read back from the bytes the log hands over: what a COPY would receive.
      const rows = batch.payload
        .toString('utf8')
        .split('\n')
        .slice(0, -1)
        .map((line) => {
          const [id, at] = line.split('\t');
          return { id: id!, at: Number(at) };
        });
      assert.deepEqual(
        rows.map((r) => r.id),
        batch.ids,
      );
      await behaviour(rows);
      written.push(rows);
    },
    maxBuffered: options.maxBuffered ?? 1_000,
    maxBatch: options.maxBatch ?? 100,
    flushIntervalMs: options.flushIntervalMs ?? 10_000,
    maxBackoffMs: 20,
    metrics,
    logger: createRouterLogger('error', () => undefined),
  });
  const rows = (n: number, from = 0): Row[] =>
    Array.from({ length: n }, (_, i) => ({ id: `r${from + i}`, at: Date.now() }));
  const append = (row: Row): boolean => log.append(row.id, row.at, `${row.id}\t${row.at}\n`);
  return { log, append, written, counts, rows, setWrite: (fn: typeof behaviour) => (behaviour = fn) };
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('batched log', () => {
  it('commits in order, at most maxBatch rows per statement, and forgets ids once committed', async () => {
    const { log, append, written, rows } = harness({ maxBatch: 100 });
    for (const r of rows(250)) append(r);
    assert.equal(log.isPending('r249'), true);
    await log.flush();
    assert.deepEqual(
      written.map((b) => b.length),
      [100, 100, 50],
    );
    assert.deepEqual(
      written.flat().map((r) => r.id),
      rows(250).map((r) => r.id),
    );
    assert.equal(log.isPending('r249'), false);
    assert.equal(log.size, 0);
  });

  it('flushes on its interval without being asked, and as soon as a full batch waits', async () => {
    const timed = harness({ flushIntervalMs: 20 });
    timed.log.start();
    timed.append(timed.rows(1)[0]!);
    await tick(80);
    assert.equal(timed.written.length, 1);
    await timed.log.stop(100);

    const sized = harness({ maxBatch: 10, flushIntervalMs: 60_000 });
    sized.log.start();
    for (const r of sized.rows(10)) sized.append(r);
    await tick(20);
    assert.deepEqual(
      sized.written.map((b) => b.length),
      [10],
    );
    await sized.log.stop(100);
  });

  it('never holds more than maxBuffered rows: beyond the bound rows are dropped and counted, not blocked', async () => {
    const { log, append, counts, rows, setWrite } = harness({ maxBuffered: 50, maxBatch: 10 });
    let release!: () => void;
    setWrite(() => new Promise<void>((resolve) => (release = resolve)));
    const accepted = rows(80).map((r) => append(r));
    assert.equal(accepted.filter(Boolean).length, 50);
    assert.equal(counts.overflow, 30);
    assert.equal(log.size, 50);
    setWrite(async () => undefined);
    const flushing = log.flush();
    await tick();
    release();
    await flushing;
    assert.equal(log.size, 0);
    assert.equal(counts.flushed, 50);
  });

  it('keeps rows when the database fails, retries them first, and reports the database down then up', async () => {
    const { log, append, written, counts, rows, setWrite } = harness({ maxBatch: 10 });
    setWrite(async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    });
    for (const r of rows(15)) append(r);
    await assert.rejects(log.flush(), /ECONNREFUSED/);
    assert.equal(log.size, 15);
    assert.equal(log.isPending('r0'), true);
    for (const r of rows(5, 15)) append(r);
    setWrite(async () => undefined);
    await log.flush();
    assert.deepEqual(
      written.flat().map((r) => r.id),
      rows(20).map((r) => r.id),
    );
    assert.equal(counts.up[0], false);
    assert.equal(counts.up.at(-1), true);
  });

  it('drops only the rows PostgreSQL refuses (a data error), found by halving the batch', async () => {
    const { log, append, written, counts, rows, setWrite } = harness({ maxBatch: 64 });
    setWrite(async (batch) => {
      if (batch.some((r) => r.id === 'r37'))
        throw Object.assign(new Error('violates foreign key'), { code: '23503' });
    });
    for (const r of rows(64)) append(r);
    await log.flush();
    assert.equal(counts.rejected, 1);
    assert.deepEqual(
      written
        .flat()
        .map((r) => r.id)
        .sort(),
      rows(64)
        .map((r) => r.id)
        .filter((id) => id !== 'r37')
        .sort(),
    );
    assert.equal(log.isPending('r37'), false);
  });

  it('keeps what isolating a bad row achieved when the database then fails: nothing is re-sent or re-counted', async () => {
    const { log, append, written, counts, rows, setWrite } = harness({ maxBatch: 4 });
    let transientOnce = true;
    setWrite(async (batch) => {
      if (batch.some((r) => r.id === 'r0'))
        throw Object.assign(new Error('violates foreign key'), { code: '23503' });
      if (batch[0]!.id === 'r2' && transientOnce) {
        transientOnce = false;
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      }
    });
    for (const r of rows(4)) append(r);
    await assert.rejects(log.flush(), /ECONNREFUSED/);
    // r0 was refused and r1 committed before the failure; only r2 and r3 wait.
    assert.deepEqual(
      [log.size, log.isPending('r0'), log.isPending('r1'), log.isPending('r2')],
      [2, false, false, true],
    );
    await log.flush();
    assert.deepEqual(
      written.flat().map((r) => r.id),
      ['r1', 'r2', 'r3'],
    );
    assert.equal(counts.rejected, 1);
    assert.equal(counts.flushed, 3);
  });

  it('drops and counts a row it cannot encode, or past the byte bound, and never throws at the caller', () => {
    const metrics = { dropped: [] as string[] };
    const log = new BatchLog<string>({
      name: 'test',
      encoder: {
        maxBytes: (line) => 3 * line.length,
        write: (line, target, offset) => {
          if (line === 'bad') throw new RangeError('not a storable int64: 2^64');
          return offset + target.write(line, offset, 'utf8');
        },
      },
      write: async () => undefined,
      maxBuffered: 1_000,
      maxBufferedBytes: 100,
      maxBatch: 1_000,
      flushIntervalMs: 60_000,
      metrics: {
        flushed: () => undefined,
        dropped: (reason) => metrics.dropped.push(reason),
        lag: () => undefined,
        buffered: () => undefined,
        databaseUp: () => undefined,
      },
      logger: createRouterLogger('error', () => undefined),
    });
    assert.equal(log.append('a', 1, 'good\n'), true);
    assert.equal(log.append('b', 1, 'bad'), false);
    assert.equal(log.isPending('b'), false);
    assert.equal(log.append('c', 1, `${'x'.repeat(120)}\n`), true); // the bound is checked before a row
    assert.equal(log.append('d', 1, 'next\n'), false);
    assert.deepEqual(metrics.dropped, ['rejected', 'overflow']);
    assert.equal(log.size, 2);
  });

  it('commits the rows of the ids asked about at once, and writes nothing for ids already committed', async () => {
    const { log, append, written, rows } = harness({ maxBatch: 100 });
    for (const r of rows(30)) append(r);
    await log.flushIds(['r5']);
    assert.equal(log.isPending('r5'), false);
    assert.deepEqual(
      written.map((b) => b.length),
      [30],
    );
    await log.flushIds(['r0', 'r3', 'never-appended']);
    assert.equal(written.length, 1);
  });

  it('tells data errors from transient ones by SQLSTATE class', () => {
    assert.equal(isDataError({ code: '23503' }), true);
    assert.equal(isDataError({ code: '22P02' }), true);
    assert.equal(isDataError({ code: '57P01' }), false);
    assert.equal(isDataError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), false);
    assert.equal(isDataError(new Error('timeout')), false);
  });
});
