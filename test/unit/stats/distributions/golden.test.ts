import * as distributions from '../../../../src/stats/distributions';
import { assertClose, loadGolden, Tolerance } from '../experiment/support/golden';

// Special functions must track the mpmath (50-digit) references to 1e-12 relative, including far
// tails; results that underflow below 1e-300 (subnormal) are compared absolutely.
const SPECIAL: Tolerance = { rel: 1e-12, abs: 1e-300, tiny: 1e-300 };
// ln Γ has zeros at 1 and 2, where only an absolute error is meaningful.
const LOG_GAMMA: Tolerance = { rel: 1e-12, abs: 1e-16, tiny: 1e-4 };

const golden = loadGolden('distributions.json');
const functions = distributions as unknown as Record<string, (...args: number[]) => number>;

for (const [fn, cases] of Object.entries(golden.cases)) {
  describe(`distributions golden vectors: ${fn}`, () => {
    const impl = functions[fn];
    it(`${fn} is exported from src/stats/distributions`, () => {
      if (typeof impl !== 'function') throw new Error(`${fn} is not exported`);
    });
    cases.forEach((c, i) => {
      it(`${fn}[${i}] ${c.name}`, () => {
        const got = (impl as (...args: number[]) => number)(...(c.args as number[]));
        assertClose(
          got,
          c.expected as number,
          fn === 'logGamma' ? LOG_GAMMA : SPECIAL,
          `${fn}(${c.args.join(', ')})`,
        );
      });
    });
  });
}
