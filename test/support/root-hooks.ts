import { stopTestStack } from './test-stack';

/**
 * One embedded Postgres and one Temporal dev server per test run, started on first use by
 * `getTestStack()` (so a unit-only run starts no server) and stopped once at the end.
 */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopTestStack();
  },
};
