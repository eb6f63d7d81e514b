import assert from 'node:assert/strict';
import {
  computeFeatures,
  FEATURE_SCHEMA,
  FEATURE_WARMUP_BARS,
  featureVectorFromInput,
  featureRecordFromVector,
  FeatureSchemaError,
  generateSyntheticMarket,
  labelledDataset,
  type OhlcvBar,
} from '../../../src/ml';

const { bars } = generateSyntheticMarket({ seed: 21, bars: 400 });

describe('ml/features', () => {
  it('has a versioned schema of 12–20 unique names matching the row width', () => {
    const n = FEATURE_SCHEMA.names.length;
    assert.ok(n >= 12 && n <= 20);
    assert.equal(new Set(FEATURE_SCHEMA.names).size, n);
    assert.equal(FEATURE_SCHEMA.version, 'gf-features-v1');
    const table = computeFeatures(bars);
    assert.ok(table.rows.every((r) => r.values.length === n && r.values.every(Number.isFinite)));
  });

  it('is deterministic', () => {
    assert.deepEqual(computeFeatures(bars, { horizon: 3 }), computeFeatures(bars, { horizon: 3 }));
  });

  it('drops warm-up rows and leaves the last horizon rows without a target', () => {
    const table = computeFeatures(bars, { horizon: 3 });
    assert.equal(table.rows.length, bars.length - FEATURE_WARMUP_BARS);
    assert.equal(table.rows[0]!.barIndex, FEATURE_WARMUP_BARS);
    assert.deepEqual(
      table.rows.slice(-4).map((r) => r.target === undefined),
      [false, true, true, true],
    );
    const last = table.rows.at(-4)!;
    const change = bars[last.barIndex + 3]!.close / bars[last.barIndex]!.close - 1;
    assert.deepEqual(last.target, { prob_up: change > 0 ? 1 : 0, price_change_pct: change });
    assert.equal(labelledDataset(table, 'prob_up').x.rows, table.rows.length - 3);
  });

  it('computes the feature at bar t from bars ≤ t only (no look-ahead)', () => {
    const full = computeFeatures(bars).rows;
    for (const t of [FEATURE_WARMUP_BARS, 100, 250, bars.length - 1]) {
      const prefix = computeFeatures(bars.slice(0, t + 1)).rows;
      assert.deepEqual(prefix.at(-1)!.values, full.find((r) => r.barIndex === t)!.values, `bar ${t}`);
      // Wildly different future bars must not move the features at t.
      const future: OhlcvBar[] = bars.slice(t + 1).map((b) => ({
        ...b,
        open: b.open * 3,
        high: b.high * 3,
        low: b.low * 3,
        close: b.close * 3,
        volume: 1,
      }));
      const perturbed = computeFeatures([...bars.slice(0, t + 1), ...future]).rows;
      assert.deepEqual(
        perturbed.find((r) => r.barIndex === t)!.values,
        full.find((r) => r.barIndex === t)!.values,
      );
    }
  });

  it('matches hand-computed values on a simple series', () => {
    // Close rises by 1 per bar from 100; open = previous close; high/low ±0.5 around the body.
    const simple: OhlcvBar[] = Array.from({ length: 25 }, (_, i) => ({
      ts: new Date(Date.UTC(2024, 0, 1, i)).toISOString(),
      open: 99 + i,
      high: 100 + i + 0.5,
      low: 99 + i - 0.5,
      close: 100 + i,
      volume: 1000,
    }));
    const row = computeFeatures(simple).rows[0]!;
    const value = (name: string): number => row.values[FEATURE_SCHEMA.names.indexOf(name)]!;
    assert.equal(value('ret_1'), Math.log(120 / 119));
    assert.equal(value('ret_20'), Math.log(120 / 100));
    assert.equal(value('rsi_14'), 100);
    assert.equal(value('range_hl'), Math.log(120.5 / 118.5));
    assert.equal(value('close_location'), 1.5 / 2);
    assert.equal(value('gap'), 0);
    assert.equal(value('volume_z_20'), 0);
    assert.equal(value('volume_ratio_5_20'), 1);
    assert.ok(Math.abs(value('sma_ratio_5_20') - (118 / 110.5 - 1)) < 1e-15);
  });

  it('refuses unordered or invalid bars', () => {
    const swapped = [...bars.slice(0, 30)];
    [swapped[5], swapped[6]] = [swapped[6]!, swapped[5]!];
    assert.throws(() => computeFeatures(swapped), {
      message: 'bars[6].ts: must be strictly after the previous bar (bars are time-ordered)',
    });
    assert.throws(() => computeFeatures(bars, { horizon: 0 }), {
      message: 'spec.horizon: must be a positive integer, got 0',
    });
  });

  describe('featureVectorFromInput', () => {
    const schema = { version: 'test-v1', names: ['a', 'b', 'c'] };

    it('orders a record by the schema and passes arrays through', () => {
      assert.deepEqual(featureVectorFromInput(schema, { c: 3, a: 1, b: 2 }), [1, 2, 3]);
      assert.deepEqual(featureVectorFromInput(schema, [1, 2, 3]), [1, 2, 3]);
      assert.deepEqual(featureRecordFromVector(schema, [1, 2, 3]), { a: 1, b: 2, c: 3 });
      const row = computeFeatures(bars).rows.at(-1)!;
      assert.deepEqual(
        featureVectorFromInput(FEATURE_SCHEMA, featureRecordFromVector(FEATURE_SCHEMA, row.values)),
        row.values,
      );
    });

    it('names missing, extra and non-finite features in one error', () => {
      assert.throws(
        () => featureVectorFromInput(schema, { a: 1, b: NaN, d: 4 }),
        (e: unknown) => {
          assert.ok(e instanceof FeatureSchemaError);
          assert.equal(
            e.message,
            'features: do not match schema test-v1: missing [c]; extra [d]; non-finite [b]',
          );
          assert.deepEqual([e.missing, e.extra, e.nonFinite], [['c'], ['d'], ['b']]);
          return true;
        },
      );
    });

    it('refuses one extra key even when every name is present, and does not take inherited values', () => {
      assert.throws(() => featureVectorFromInput(schema, { a: 1, b: 2, c: 3, d: 4 }), {
        message: 'features: do not match schema test-v1: extra [d]',
      });
      const inherited = Object.assign(Object.create({ a: 1 }) as Record<string, number>, { b: 2, c: 3 });
      assert.throws(() => featureVectorFromInput(schema, inherited), {
        message: 'features: do not match schema test-v1: missing [a]',
      });
      assert.throws(() => featureVectorFromInput(schema, { a: 1, b: '2' as unknown as number, c: 3 }), {
        message: 'features: do not match schema test-v1: non-finite [b]',
      });
      // A schema naming a feature twice still refuses a key it does not name.
      const twice = { version: 'test-v1', names: ['a', 'a'] };
      assert.deepEqual(featureVectorFromInput(twice, { a: 1 }), [1, 1]);
      assert.throws(() => featureVectorFromInput(twice, { a: 1, b: 2 }), {
        message: 'features: do not match schema test-v1: extra [b]',
      });
    });

    it('rejects arrays of the wrong length or with non-finite values', () => {
      assert.throws(() => featureVectorFromInput(schema, [1, 2]), {
        message: 'features: do not match schema test-v1: missing [c]; got 2 values, schema has 3',
      });
      assert.throws(() => featureVectorFromInput(schema, [1, 2, 3, 4]), {
        message:
          'features: do not match schema test-v1: extra [1 value(s) past c]; got 4 values, schema has 3',
      });
      assert.throws(() => featureVectorFromInput(schema, [1, Infinity, 3]), {
        message: 'features: do not match schema test-v1: non-finite [b]',
      });
    });
  });
});
