import assert from 'node:assert/strict';
import { compileAssigner } from '../../../../src/routing/allocation/assigner';
import { unitBucket, unitHash } from '../../../../src/routing/allocation/unit-bucket';
import { assertShares, chiSquare, inputError } from './helpers';

const UNITS = Array.from({ length: 100_000 }, (_, i) => `unit-${i}`);

function counts<K extends string>(
  variants: readonly K[],
  assign: (u: string) => K | null,
  units: readonly string[],
): number[] {
  const index = new Map<K | null, number>(variants.map((v, i) => [v, i]));
  index.set(null, variants.length);
  const out = new Array<number>(variants.length + 1).fill(0);
  for (const u of units) out[index.get(assign(u))!]!++;
  return out;
}

describe('compileAssigner', () => {
  it('is sticky: a unit gets the same variant on every call and from every separately compiled copy', () => {
    const config = {
      salt: 'exp-sticky',
      variants: ['a', 'b', 'c'] as const,
      weights: [0.2, 0.3, 0.5],
      coverage: 0.7,
    };
    const first = compileAssigner(config);
    const second = compileAssigner({
      ...config,
      variants: [...config.variants],
      weights: [...config.weights],
    });
    for (const u of UNITS.slice(0, 20_000)) {
      const v = first.assign(u);
      assert.equal(first.assign(u), v);
      assert.equal(second.assign(u), v);
    }
  });

  it('splits 100,000 units by weights × coverage (χ² at α = 1e-6), counting unenrolled units as a cell', () => {
    const cases: Array<{ weights: number[]; coverage: number }> = [
      { weights: [0.5, 0.5], coverage: 1 },
      { weights: [0.1, 0.2, 0.3, 0.4], coverage: 1 },
      { weights: [0.9, 0.1], coverage: 0.3 },
      { weights: [0.6, 0, 0.4], coverage: 0.5 },
    ];
    for (const { weights, coverage } of cases) {
      const variants = weights.map((_, i) => `v${i}`);
      const assigner = compileAssigner({ salt: 'exp-split', variants, weights, coverage });
      const observed = counts(variants, assigner.assign, UNITS);
      const shares = [...weights.map((w) => w * coverage), 1 - coverage];
      assertShares(observed, shares, `${weights} @ ${coverage}`);
    }
  });

  it('splits non-ASCII unit ids just as evenly', () => {
    const units = UNITS.slice(0, 50_000).map((u, i) => (i % 2 ? `ü-${u}-日本` : `${u}😀`));
    const assigner = compileAssigner({ salt: 'exp-unicode', variants: ['a', 'b'], weights: [0.5, 0.5] });
    assertShares(counts(['a', 'b'], assigner.assign, units), [0.5, 0.5, 0]);
  });

  it('assigns independently across experiments with different salts (χ² independence on a 2×2 table)', () => {
    const a = compileAssigner({ salt: 'exp-a', variants: ['x', 'y'], weights: [0.5, 0.5] });
    const b = compileAssigner({ salt: 'exp-b', variants: ['x', 'y'], weights: [0.5, 0.5] });
    const table = [0, 0, 0, 0];
    for (const u of UNITS) table[(a.assign(u) === 'x' ? 0 : 2) + (b.assign(u) === 'x' ? 0 : 1)]!++;
    // Under independence each cell is a quarter; df = 3 for this goodness-of-fit form (conservative).
    assert.ok(chiSquare(table, [0.25, 0.25, 0.25, 0.25]).statistic < 30.665, `table ${table.join(', ')}`);
  });

  it('explain reports the hash, bucket and reason behind assign', () => {
    const assigner = compileAssigner({
      salt: 'exp-42',
      variants: ['control', 'treatment'],
      weights: [0.5, 0.5],
      coverage: 0.2,
    });
    assert.deepEqual(assigner.ranges, [
      { start: 0, end: 1000 },
      { start: 5000, end: 6000 },
    ]);
    for (const u of UNITS.slice(0, 2000)) {
      const d = assigner.explain(u);
      assert.equal(d.hash, unitHash('exp-42', u));
      assert.equal(d.bucket, unitBucket('exp-42', u));
      assert.equal(d.bucket, assigner.bucket(u));
      assert.equal(d.variant, assigner.assign(u));
      assert.equal(d.layerBucket, null);
      assert.equal(d.reason, d.variant === null ? 'outside-coverage' : 'assigned');
    }
    assert.deepEqual(assigner.explain('user-1'), {
      variant: null,
      hash: 428924505,
      bucket: 4505,
      layerBucket: null,
      reason: 'outside-coverage',
    });
  });

  it('enrols nobody at coverage 0 and never assigns a zero-weight variant', () => {
    const off = compileAssigner({ salt: 'exp-off', variants: ['a', 'b'], weights: [0.5, 0.5], coverage: 0 });
    const zero = compileAssigner({ salt: 'exp-zero', variants: ['a', 'off', 'b'], weights: [0.5, 0, 0.5] });
    for (const u of UNITS.slice(0, 20_000)) {
      assert.equal(off.assign(u), null);
      assert.notEqual(zero.assign(u), 'off');
    }
  });

  it('is immutable and copies its config, so later edits of the caller’s arrays change nothing', () => {
    const weights = [0.5, 0.5];
    const variants = ['a', 'b'];
    const assigner = compileAssigner({ salt: 'exp-copy', variants, weights });
    const before = UNITS.slice(0, 1000).map(assigner.assign);
    weights[0] = 0;
    weights[1] = 1;
    variants[0] = 'z';
    assert.deepEqual(UNITS.slice(0, 1000).map(assigner.assign), before);
    assert.ok(
      Object.isFrozen(assigner) && Object.isFrozen(assigner.ranges) && Object.isFrozen(assigner.variants),
    );
  });

  it('rejects a unit id that is not a string instead of hashing every such unit to one bucket', () => {
    const assigner = compileAssigner({ salt: 'exp-type', variants: ['a', 'b'], weights: [0.5, 0.5] });
    assert.throws(
      () => assigner.assign(42 as unknown as string),
      inputError('unitId', 'unitId: must be a string, got number'),
    );
    assert.throws(
      () => assigner.explain(null as unknown as string),
      inputError('unitId', 'unitId: must be a string, got null'),
    );
    assert.throws(
      () => assigner.bucket(undefined as unknown as string),
      inputError('unitId', 'unitId: must be a string, got undefined'),
    );
  });
});
