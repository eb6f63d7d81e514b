import assert from 'node:assert/strict';
import { getTestStack } from '../../support/test-stack';
import { createTimeSkippingEnv } from '../../support/time-skipping';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the reporter is plain CommonJS for mocha
const { isGolden } = require('../../support/summary-reporter.js') as {
  isGolden: (runnable: { file?: string; parent?: unknown }) => boolean;
};

describe('test shape: unit runs start no server, golden vectors are counted apart', () => {
  const withNoServers = async (run: () => Promise<unknown>) => {
    const saved = process.env.GALFRIDAY_TEST_NO_SERVERS;
    process.env.GALFRIDAY_TEST_NO_SERVERS = '1';
    try {
      await run();
    } finally {
      if (saved === undefined) delete process.env.GALFRIDAY_TEST_NO_SERVERS;
      else process.env.GALFRIDAY_TEST_NO_SERVERS = saved;
    }
  };

  it('refuses to start PostgreSQL/Temporal or the time-skipping server under GALFRIDAY_TEST_NO_SERVERS=1', async () => {
    await withNoServers(async () => {
      await assert.rejects(
        getTestStack(),
        /PostgreSQL and the Temporal dev server .*unit tests start no server/,
      );
      await assert.rejects(createTimeSkippingEnv(), /time-skipping test server .*unit tests start no server/);
    });
  });

  it('classifies a test as golden by the name of the file that defines it (or its suite)', () => {
    const suite = (file: string) => ({ parent: { file } });
    assert.equal(isGolden(suite('/r/test/unit/stats/drift/golden.test.ts')), true);
    assert.equal(isGolden(suite('/r/test/unit/stats/experiment/planning.golden.test.ts')), true);
    assert.equal(isGolden({ file: '/r/test/unit/routing/allocation/golden-vectors.test.ts' }), true);
    assert.equal(isGolden(suite('/r/test/unit/stats/experiment/behaviour.test.ts')), false);
    // A folder named golden does not make its behaviour tests golden: only the file name counts.
    assert.equal(isGolden(suite('/r/test/golden/thing.test.ts')), false);
    assert.equal(isGolden({}), false);
  });
});
