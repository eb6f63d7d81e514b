import assert from 'node:assert/strict';
import { compileAssigner } from '../../../../src/routing/allocation/assigner';
import { createLayer } from '../../../../src/routing/allocation/layers';
import { unitBucket } from '../../../../src/routing/allocation/unit-bucket';
import { assertShares, inputError } from './helpers';

const UNITS = Array.from({ length: 60_000 }, (_, i) => (i % 4 === 3 ? `trader-${i}-€` : `trader-${i}`));

describe('layers', () => {
  const layer = createLayer({
    salt: 'layer-execution',
    slices: [
      { experiment: 'exp-a', start: 0, end: 3000 },
      { experiment: 'exp-b', start: 3000, end: 7000 },
      { experiment: 'exp-c', start: 8000, end: 10000 },
    ],
  });
  const assigners = (['exp-a', 'exp-b', 'exp-c'] as const).map((name) =>
    compileAssigner({
      salt: name,
      variants: ['control', 'treatment'],
      weights: [0.5, 0.5],
      layer: layer.sliceFor(name),
    }),
  );

  it('hands each experiment its slice with the layer salt', () => {
    assert.deepEqual(layer.sliceFor('exp-b'), { salt: 'layer-execution', start: 3000, end: 7000 });
  });

  it('is exclusive: no unit is enrolled in two experiments of the layer', () => {
    for (const u of UNITS) {
      const enrolled = assigners.filter((a) => a.assign(u) !== null).length;
      assert.ok(enrolled <= 1, `${u} is in ${enrolled} experiments`);
    }
  });

  it('an experiment sees exactly the units experimentFor gives it, and free buckets go to nobody', () => {
    const names = ['exp-a', 'exp-b', 'exp-c'];
    for (const u of UNITS.slice(0, 20_000)) {
      const owner = layer.experimentFor(u);
      assigners.forEach((a, i) => assert.equal(a.assign(u) !== null, owner === names[i], u));
      const b = layer.bucket(u);
      assert.equal(b, unitBucket('layer-execution', u));
      if (b >= 7000 && b < 8000) assert.equal(owner, null);
    }
  });

  it('splits traffic by slice width, and each experiment splits its slice by its weights', () => {
    const names = ['exp-a', 'exp-b', 'exp-c'] as const;
    const perExperiment = [0, 0, 0, 0];
    const perVariant = [0, 0];
    for (const u of UNITS) {
      const owner = layer.experimentFor(u);
      perExperiment[owner === null ? 3 : names.indexOf(owner)]!++;
      const v = assigners[1]!.assign(u);
      if (v !== null) perVariant[v === 'control' ? 0 : 1]!++;
    }
    assertShares(perExperiment, [0.3, 0.4, 0.2, 0.1], 'layer slices');
    assertShares(perVariant, [0.5, 0.5], 'variants inside exp-b');
  });

  it('explain says outside-layer for units of other slices', () => {
    const a = assigners[0]!;
    const outside = UNITS.find((u) => layer.experimentFor(u) !== 'exp-a')!;
    const detail = a.explain(outside);
    assert.equal(detail.reason, 'outside-layer');
    assert.equal(detail.variant, null);
    assert.equal(detail.layerBucket, layer.bucket(outside));
  });

  it('rejects overlapping slices, duplicate experiments, bad bounds and unknown experiments', () => {
    assert.throws(
      () =>
        createLayer({
          salt: 'l',
          slices: [
            { experiment: 'a', start: 0, end: 6000 },
            { experiment: 'b', start: 5000, end: 10000 },
          ],
        }),
      inputError('slices[1]', 'slices[1]: [5000, 10000) for "b" overlaps [0, 6000) for "a"'),
    );
    assert.throws(
      () =>
        createLayer({
          salt: 'l',
          slices: [
            { experiment: 'a', start: 0, end: 10 },
            { experiment: 'a', start: 10, end: 20 },
          ],
        }),
      inputError('slices', 'slices: experiments must be distinct, got "a" twice'),
    );
    assert.throws(
      () => createLayer({ salt: 'l', slices: [{ experiment: 'a', start: 0, end: 10001 }] }),
      inputError('slices[0].end', 'slices[0].end: must be an integer in [1, 10000], got 10001'),
    );
    assert.throws(
      () => createLayer({ salt: 'l', slices: [{ experiment: 'a', start: 10, end: 10 }] }),
      inputError('slices[0].end', 'slices[0].end: must be greater than start (10), got 10'),
    );
    assert.throws(
      () => createLayer({ salt: 'l', slices: [{ experiment: 'a', start: 0.5, end: 10 }] }),
      inputError('slices[0].start', 'slices[0].start: must be an integer in [0, 9999], got 0.5'),
    );
    assert.throws(
      () => createLayer({ salt: '', slices: [{ experiment: 'a', start: 0, end: 10 }] }),
      inputError('salt', 'salt: must be a non-empty string, got ""'),
    );
    assert.throws(
      () => createLayer({ salt: 'l', slices: [] }),
      inputError('slices', 'slices: must have at least 1 slice, got 0'),
    );
    assert.throws(
      () => layer.sliceFor('exp-z' as 'exp-a'),
      inputError('experiment', 'experiment: "exp-z" has no slice in layer "layer-execution"'),
    );
  });
});
