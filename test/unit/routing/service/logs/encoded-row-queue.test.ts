import assert from 'node:assert/strict';
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
    }
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
