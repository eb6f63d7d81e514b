import assert from 'node:assert/strict';
import { createRng } from '../../../src/stats';
import { nextUniform, sampleRows, sfc32State } from '../../../src/ml/gbdt/tree-sampling';

// The boosting loop samples rows on its own inlined copy of createRng's generator (speed); the
// trees stay those of the recorded references only while the two streams agree number for number.
describe('ml/gbdt tree sampling', () => {
  const seeds = [0, 1, 7, 0x7fffffff, 0x80000000, 0xffffffff, 123456789];

  it('draws the same uniform stream as createRng for the same seed', () => {
    for (const seed of seeds) {
      const rng = createRng(seed);
      const state = sfc32State(seed);
      for (let k = 0; k < 1000; k++) assert.equal(nextUniform(state), rng.next(), `seed ${seed}, draw ${k}`);
    }
  });

  it('samples exactly the rows `rng.next() < subsample` picks, and continues the same stream', () => {
    for (const seed of seeds) {
      for (const subsample of [0.8, 0.3]) {
        const n = 5003;
        const rng = createRng(seed);
        const expected: number[] = [];
        for (let i = 0; i < n; i++) if (rng.next() < subsample) expected.push(i);
        const state = sfc32State(seed);
        const drawn = new Uint32Array(n);
        const left = new Uint32Array(n);
        const count = sampleRows(state, n, subsample, drawn, left);
        assert.deepEqual(Array.from(drawn.subarray(0, count)), expected);
        const rest = Array.from({ length: n }, (_, i) => i).filter((i) => !expected.includes(i));
        assert.deepEqual(Array.from(left.subarray(0, n - count)), rest);
        // Feature sampling draws from the same generator after the rows.
        assert.equal(nextUniform(state), rng.next());
      }
    }
  });
});
