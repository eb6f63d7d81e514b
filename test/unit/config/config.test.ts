import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, loadConfig, parseDuration } from '../../../src/config/config';

describe('loadConfig', () => {
  it('gives every variable a usable default when the environment is empty', () => {
    const config = loadConfig({}, '/srv/app');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.temporalAddress, undefined);
    assert.equal(config.temporalNamespace, 'default');
    assert.equal(config.taskQueue, 'galfriday');
    assert.equal(config.routerPort, 8080);
    assert.equal(config.dataDir, path.resolve('/srv/app/.galfriday'));
    assert.equal(config.flushIntervalMs, 200);
  });

  it('names the variable and what it expects when a value is wrong', () => {
    const cases: Array<[NodeJS.ProcessEnv, string]> = [
      [{ ROUTER_PORT: 'abc' }, 'ROUTER_PORT: expected a TCP port from 1 to 65535, got "abc"'],
      [{ ROUTER_PORT: '70000' }, 'ROUTER_PORT: expected a TCP port from 1 to 65535, got "70000"'],
      [
        { DATABASE_URL: 'mysql://x' },
        'DATABASE_URL: expected a postgres:// connection URL (unset: an embedded PostgreSQL is started), got "mysql://x"',
      ],
      [
        { TEMPORAL_ADDRESS: 'localhost' },
        'TEMPORAL_ADDRESS: expected host:port of a Temporal frontend (unset: a Temporal dev server is started), got "localhost"',
      ],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: expected one of debug, info, warn, error, got "loud"'],
      [
        { GALFRIDAY_FLUSH_INTERVAL: 'soon' },
        'GALFRIDAY_FLUSH_INTERVAL: expected a duration such as 200ms, 1s or 5m, got "soon"',
      ],
      [
        { GALFRIDAY_ENGINE_TOKEN: 'short' },
        'GALFRIDAY_ENGINE_TOKEN: expected a bearer token of at least 16 characters (unset: generated once and kept in the data dir), got "short"',
      ],
    ];
    for (const [env, message] of cases) {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(error.message, message);
          return true;
        },
      );
    }
  });

  it('treats an empty variable as unset', () => {
    assert.equal(loadConfig({ DATABASE_URL: '', ROUTER_PORT: '' }).routerPort, 8080);
  });

  it('parses durations in every unit', () => {
    assert.deepEqual(
      ['250ms', '30s', '5m', '2h', '7d', '1.5s'].map(parseDuration),
      [250, 30_000, 300_000, 7_200_000, 604_800_000, 1_500],
    );
    assert.throws(() => parseDuration('5 weeks'), /not a duration/);
  });
});
