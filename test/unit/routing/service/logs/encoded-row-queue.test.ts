import assert from 'node:assert/strict';
import { uuidv7 } from '../../../../../src/routing/service/ids/uuid-v7';
import { EncodedRowQueue, type RowEncoder } from '../../../../../src/routing/service/logs/encoded-row-queue';

// Rows are text lines here, so that what comes out is easy to compare with what went in.
const textLines: RowEncoder<string> = {
  maxBytes: (line) => 3 * line.length,
  write: (line, target, offset) => offset + target.write(line, offset, 'utf8'),
};

function lines(payload: Buffer): string[] {
  return payload.toString('utf8').split('\n').slice(0, -1);
}

describe('encoded row queue', () => {
  it('keeps rows in order through growth, compaction and partial removal (checked against a plain array)', () => {
    // Small initial sizes force every path: growing the buffer and the row arrays, and moving the
    // waiting rows to the front after some were removed.
    const queue = new EncodedRowQueue(textLines, 64, 4);
    const model: Array<{ id: string; at: number; line: string }> = [];
    let next = 0;
    let seed = 7;
    const random = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let step = 0; step < 4_000; step++) {
      const action = random();
      if (action < 0.6) {
        const id = `id-${next++}`;
        // ASCII, 2-byte and 4-byte UTF-8 (é, 𝛼), of varying length.
        const unit = ['acct', 'é', '𝛼x'][next % 3]!.repeat(1 + Math.floor(random() * 20));
        const row = { id, at: 1_700_000_000_000 + next, line: `${id}\t${unit}\n` };
        queue.push(row.id, row.at, row.line);
        model.push(row);
      } else if (action < 0.85) {
        const max = 1 + Math.floor(random() * 40);
        const batch = queue.peek(max);
        const expected = model.slice(0, max);
        assert.equal(batch.count, expected.length);
        assert.deepEqual(
          batch.ids,
          expected.map((r) => r.id),
        );
        assert.deepEqual(
          lines(batch.payload),
          expected.map((r) => r.line.slice(0, -1)),
        );
        if (expected.length > 0) assert.equal(batch.firstAtMs, expected[0]!.at);
      } else {
        const count = Math.floor(random() * 30);
        queue.shift(count);
        model.splice(0, count);
      }
      assert.equal(queue.length, model.length);
      assert.equal(queue.byteLength, Buffer.byteLength(model.map((r) => r.line).join('')));
      const probe = `id-${Math.floor(random() * (next + 2))}`;
      assert.equal(
        queue.has(probe),
        model.some((r) => r.id === probe),
        probe,
      );
    }
  });

  it('finds waiting ids by binary search while they increase, and exactly whatever order they come in', () => {
    const queue = new EncodedRowQueue(textLines, 64, 4);
    const increasing = Array.from({ length: 500 }, () => uuidv7());
    for (const id of increasing) queue.push(id, 0, `${id}\n`);
    const gone = increasing.slice(0, 123);
    queue.shift(gone.length);
    for (const id of gone) assert.equal(queue.has(id), false);
    for (const id of increasing.slice(123)) assert.equal(queue.has(id), true);
    assert.equal(queue.has(uuidv7()), false, 'an id above every waiting one');
    assert.equal(queue.has('00000000-0000-0000-0000-000000000000'), false, 'an id below them');

    // An id that does not increase (here one seen before, and one older than the rest) switches
    // to counting, which stays exact for duplicates until each copy has left the queue.
    const repeated = increasing[400]!;
    queue.push(repeated, 0, 'again\n');
    queue.push(gone[0]!, 0, 'older\n');
    assert.equal(queue.has(gone[0]!), true);
    queue.shift(500 - 123);
    assert.equal(queue.has(repeated), true, 'its second copy still waits');
    assert.equal(queue.has(increasing[499]!), false);
    queue.shift(1);
    assert.equal(queue.has(repeated), false);
    assert.equal(queue.has(gone[0]!), true);
    queue.shift(1);
    assert.equal(queue.length, 0);

    // Drained, the queue searches by order again.
    const next = [uuidv7(), uuidv7()];
    for (const id of next) queue.push(id, 0, `${id}\n`);
    assert.equal(queue.has(next[0]!), true);
    assert.equal(queue.has(repeated), false);
  });

  it('goes back to binary search once the out-of-order ids have left, though the queue never drains', () => {
    const queue = new EncodedRowQueue(textLines, 64, 4);
    const [older, newer] = [uuidv7(), uuidv7()];
    queue.push(newer, 0, 'newer\n');
    queue.push(older, 0, 'older\n');
    const counting = (): boolean => (queue as unknown as { unordered: unknown }).unordered !== null;
    assert.equal(counting(), true);
    // Steady load: every flush leaves rows that arrived while it was written.
    for (let flush = 0; flush < 50; flush++) {
      const batch = queue.peek(1_000);
      for (let i = 0; i < 7; i++) queue.push(uuidv7(), 0, 'row\n');
      queue.shift(batch.count);
    }
    assert.equal(counting(), false);
    assert.equal(queue.length, 7);
    assert.equal(queue.has(older), false);
  });

  it('hands out a copy: rows pushed or removed while a batch is being written do not change it', () => {
    const queue = new EncodedRowQueue(textLines, 32, 2);
    for (let i = 0; i < 10; i++) queue.push(`a${i}`, i, `a${i}\n`);
    const batch = queue.peek(5);
    queue.shift(8);
    for (let i = 0; i < 50; i++) queue.push(`b${i}`, i, `b${i}-${'x'.repeat(i)}\n`);
    assert.deepEqual(lines(batch.payload), ['a0', 'a1', 'a2', 'a3', 'a4']);
  });

  it('slices a batch by rows, sharing its bytes', () => {
    const queue = new EncodedRowQueue(textLines);
    ['one', 'twö', 'three', '𝛼'].forEach((text, i) => queue.push(`r${i}`, 100 + i, `${text}\n`));
    const batch = queue.peek(10);
    const middle = batch.slice(1, 3);
    assert.deepEqual(middle.ids, ['r1', 'r2']);
    assert.equal(middle.firstAtMs, 101);
    assert.deepEqual(lines(middle.payload), ['twö', 'three']);
    assert.deepEqual(lines(middle.slice(1, 2).payload), ['three']);
    assert.deepEqual(lines(batch.slice(3, 4).payload), ['𝛼']);
    assert.equal(batch.slice(2, 2).count, 0);
    assert.equal(batch.slice(2, 2).payload.length, 0);
  });

  it('gives back the memory of a backlog once drained', () => {
    const queue = new EncodedRowQueue(textLines, 1024, 16);
    for (let i = 0; i < 10_000; i++) queue.push(`r${i}`, i, `${'x'.repeat(100)}\n`);
    assert.ok((queue as unknown as { bytes: Buffer }).bytes.length >= 1_010_000);
    queue.shift(10_000);
    assert.equal(queue.length, 0);
    assert.equal((queue as unknown as { bytes: Buffer }).bytes.length, 1024);
    queue.push('again', 1, 'again\n');
    assert.deepEqual(lines(queue.peek(1).payload), ['again']);
  });
});
