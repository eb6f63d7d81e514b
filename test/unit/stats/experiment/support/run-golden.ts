import { loadGolden } from './golden';
import { compareResult } from './compare';
import { expandArgs } from './series';

/**
 * Registers one mocha test per golden case of every function in `fileName`, titled `fn[i] name`,
 * calling `functions[fn](...args)` and comparing field by field. `check` can replace the comparison
 * (e.g. a Monte-Carlo tolerance).
 */
export function runGoldenFile(
  fileName: string,
  functions: Record<string, unknown>,
  check?: Partial<Record<string, (actual: unknown, expected: unknown, args: unknown[]) => void>>,
): void {
  const golden = loadGolden(fileName);
  for (const [fn, cases] of Object.entries(golden.cases)) {
    describe(`${fileName} golden vectors: ${fn}`, () => {
      const impl = functions[fn] as ((...args: unknown[]) => unknown) | undefined;
      cases.forEach((c, i) => {
        it(`${fn}[${i}] ${c.name}`, () => {
          if (typeof impl !== 'function') throw new Error(`${fn} is not exported from src/stats`);
          const args = expandArgs(c.args);
          const actual = impl(...args);
          const custom = check?.[fn];
          if (custom) custom(actual, c.expected, args);
          else compareResult(actual, c.expected);
        });
      });
    });
  }
}
