import assert from 'node:assert/strict';
import { ConfigError, loadConfig, RETENTION_TARGETS } from '../../../src/config/config';

const DAY = 86_400_000;

describe('loadConfig: retention and worker settings', () => {
  it('defaults to a daily run, a quarter of raw logs, half a year of outcomes and closed alerts', () => {
    const config = loadConfig({});
    assert.deepEqual(config.retention, {
      everyMs: DAY,
      batchSize: 5000,
      maxAgeMs: {
        drift_events: 90 * DAY,
        predictions: 90 * DAY,
        assignments: 90 * DAY,
        outcomes: 180 * DAY,
        unmatched_outcomes: 180 * DAY,
        closed_alerts: 180 * DAY,
        training_runs: 30 * DAY,
        training_datasets: 180 * DAY,
      },
    });
    assert.equal(config.workerQueues, 'all');
    assert.equal(config.trainingConcurrency, 1);
    assert.equal(config.workerShutdownGraceMs, 30_000);
  });

  it('reads each age from its own variable, `off` keeping rows for ever', () => {
    const config = loadConfig({
      GALFRIDAY_RETENTION_PREDICTIONS: '12h',
      GALFRIDAY_RETENTION_CLOSED_ALERTS: 'off',
      GALFRIDAY_RETENTION_EVERY: 'off',
      GALFRIDAY_RETENTION_BATCH_SIZE: '250',
    });
    assert.equal(config.retention.maxAgeMs.predictions, 12 * 3_600_000);
    assert.equal(config.retention.maxAgeMs.closed_alerts, null);
    assert.equal(config.retention.maxAgeMs.drift_events, 90 * DAY);
    assert.equal(config.retention.everyMs, null);
    assert.equal(config.retention.batchSize, 250);
    assert.equal(new Set(Object.values(RETENTION_TARGETS).map((t) => t.variable)).size, 8);
  });

  it('refuses values it cannot use, naming the variable', () => {
    const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [{ GALFRIDAY_RETENTION_OUTCOMES: 'forever' }, /^GALFRIDAY_RETENTION_OUTCOMES: expected a duration/],
      [{ GALFRIDAY_RETENTION_EVERY: '10s' }, /^GALFRIDAY_RETENTION_EVERY: expected at least 1m, or off/],
      [{ GALFRIDAY_RETENTION_BATCH_SIZE: '10' }, /^GALFRIDAY_RETENTION_BATCH_SIZE: expected a whole number/],
      [{ GALFRIDAY_WORKER_QUEUES: 'both' }, /^GALFRIDAY_WORKER_QUEUES: expected all/],
      [{ GALFRIDAY_TRAINING_CONCURRENCY: '0' }, /^GALFRIDAY_TRAINING_CONCURRENCY: expected a whole number/],
      [{ GALFRIDAY_WORKER_SHUTDOWN_GRACE: 'soon' }, /^GALFRIDAY_WORKER_SHUTDOWN_GRACE: expected a duration/],
    ];
    for (const [env, message] of cases) {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
        JSON.stringify(env),
      );
    }
  });
});
