import assert from 'node:assert/strict';
import { decodePreparedData, encodePreparedData, MlInputError, type PreparedData } from './ml-test-kit';
import { marketData } from './ml-test-kit';

function bitsOf(values: Float64Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('hex');
}

describe('prepared training data codec', () => {
  it('gives back every value bit for bit, with schema, horizon, target, timestamps and split', () => {
    for (const target of ['prob_up', 'price_change_pct'] as const) {
      const data = marketData(target, 7, 1500);
      const back = decodePreparedData(encodePreparedData(data));
      assert.deepEqual(back.split, data.split);
      for (const name of ['train', 'holdout'] as const) {
        const [a, b] = [data[name], back[name]];
        assert.deepEqual(b.schema, { version: a.schema.version, names: [...a.schema.names] });
        assert.equal(b.horizon, a.horizon);
        assert.equal(b.target, target);
        assert.deepEqual(b.ts, a.ts);
        assert.equal(b.x.rows, a.x.rows);
        assert.equal(b.x.cols, a.x.cols);
        assert.equal(bitsOf(b.x.data), bitsOf(a.x.data));
        assert.equal(bitsOf(b.y), bitsOf(a.y));
        assert.equal(bitsOf(b.forwardReturn), bitsOf(a.forwardReturn));
      }
    }
  });

  it('keeps NaN, infinities and negative zero as they were', () => {
    const data = marketData('prob_up', 7, 1500);
    const odd: PreparedData = {
      ...data,
      holdout: { ...data.holdout, forwardReturn: Float64Array.from(data.holdout.forwardReturn) },
    };
    odd.holdout.forwardReturn.set([NaN, -0, Infinity, -Infinity], 0);
    const back = decodePreparedData(encodePreparedData(odd)).holdout.forwardReturn;
    assert.ok(Number.isNaN(back[0]));
    assert.ok(Object.is(back[1], -0));
    assert.equal(back[2], Infinity);
    assert.equal(back[3], -Infinity);
  });

  it('reads from a slice of a larger buffer (as a database driver may hand it over)', () => {
    const bytes = encodePreparedData(marketData('prob_up', 7, 1500));
    const larger = Buffer.alloc(bytes.length + 13);
    bytes.copy(larger, 5);
    const back = decodePreparedData(larger.subarray(5, 5 + bytes.length));
    assert.equal(back.train.x.rows, marketData('prob_up', 7, 1500).train.x.rows);
  });

  it('refuses bytes that are not its format, truncated, padded or of another version, naming what is wrong', () => {
    const bytes = encodePreparedData(marketData('prob_up', 7, 1500));
    const refused = (input: Uint8Array, pattern: RegExp): void =>
      assert.throws(
        () => decodePreparedData(input),
        (error: unknown) => error instanceof MlInputError && pattern.test(error.message),
      );
    refused(Buffer.from('{"train":1}'), /not prepared training data/);
    refused(bytes.subarray(0, 6), /not prepared training data/);
    refused(bytes.subarray(0, 40), /truncated header/);
    refused(bytes.subarray(0, bytes.length - 8), /expected \d+ bytes .* got/);
    refused(Buffer.concat([bytes, Buffer.alloc(8)]), /expected \d+ bytes .* got/);
    const newer = Buffer.from(bytes);
    newer[4] = 2;
    refused(newer, /format version 2 is not supported/);
    const withHeader = (edit: (header: Record<string, unknown>) => unknown): Buffer => {
      const header = JSON.parse(bytes.toString('utf8', 9, 9 + bytes.readUInt32LE(5))) as Record<
        string,
        unknown
      >;
      const json = Buffer.from(JSON.stringify(edit(header)));
      const length = Buffer.alloc(4);
      length.writeUInt32LE(json.length);
      return Buffer.concat([bytes.subarray(0, 5), length, json, bytes.subarray(9 + bytes.readUInt32LE(5))]);
    };
    type SetHeader = { ts: string[]; horizon: unknown; target: unknown };
    refused(
      withHeader((h) => {
        (h.train as SetHeader).ts.pop();
        return h;
      }),
      /header field train: shape, feature names and timestamps disagree/,
    );
    refused(
      withHeader(() => null),
      /header field \(root\)/,
    );
    refused(
      withHeader((h) => ({ ...h, holdout: null })),
      /header field holdout/,
    );
    refused(
      withHeader((h) => {
        (h.train as SetHeader).horizon = '1';
        return h;
      }),
      /header field train\.horizon/,
    );
    refused(
      withHeader((h) => {
        (h.holdout as SetHeader).target = 'prob_down';
        return h;
      }),
      /header field holdout\.target/,
    );
    refused(
      withHeader((h) => ({ ...h, split: undefined })),
      /header field split/,
    );
    refused(
      withHeader((h) => {
        (h.holdout as SetHeader).horizon = 5;
        return h;
      }),
      /train and holdout disagree on target, horizon or features/,
    );
    refused(
      withHeader((h) => {
        const split = h.split as { train: { to: number }; holdout: { from: number } };
        split.holdout.from = split.train.to - 10;
        return h;
      }),
      /split ranges are not train before holdout/,
    );
  });

  it('refuses to encode a set whose arrays do not match its shape', () => {
    const data = marketData('prob_up', 7, 1500);
    assert.throws(
      () => encodePreparedData({ ...data, holdout: { ...data.holdout, y: data.holdout.y.subarray(1) } }),
      (error: unknown) =>
        error instanceof MlInputError && /holdout set's arrays do not match/.test(error.message),
    );
  });
});
