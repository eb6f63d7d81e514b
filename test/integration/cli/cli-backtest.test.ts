import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BacktestReport } from '../../../src/lifecycle/backtest/run-backtest';
import { runCli } from '../../support/run-cli';
import { createTestDatabase, getTestStack, type TestDatabase } from '../../support/test-stack';

describe('galfriday backtest (real Postgres, in process)', function () {
  this.timeout(240_000);
  let database: TestDatabase;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    database = await createTestDatabase();
    await getTestStack();
    dir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-backtest-'));
    // No TEMPORAL_ADDRESS: without a stack the backtest runs in this process.
    env = { DATABASE_URL: database.url, GALFRIDAY_DATA_DIR: dir };
    const synth = await runCli(
      [
        'data',
        'synth',
        '--symbol',
        'BTS',
        '--bars',
        '1300',
        '--seed',
        '3',
        '--shift-at',
        '700',
        '--shift-to',
        'mean-reverting',
      ],
      env,
    );
    assert.equal(synth.code, 0, synth.stderr);
  });
  after(async () => {
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints every strategy as JSON and writes a self-contained HTML report', async () => {
    const policy = path.join(dir, 'policy.json');
    await writeFile(policy, JSON.stringify({ retrain: { windowBars: 300 }, cooldown: '10h' }));
    const gate = path.join(dir, 'gate.json');
    await writeFile(gate, JSON.stringify({ infra: { maxP99LatencyMs: 1000 } }));
    const report = path.join(dir, 'backtest.html');
    const run = await runCli(
      [
        'backtest',
        '--symbol',
        'BTS',
        '--timeframe',
        '1h',
        '--initial-bars',
        '300',
        '--policy',
        policy,
        '--gate',
        gate,
        '--baseline',
        'never',
        '--baseline',
        'every:5d',
        '--incident-bars',
        '10',
        '--report',
        report,
        '--local',
        '--json',
      ],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    const json = run.json<BacktestReport>();
    assert.deepEqual(
      json.strategies.map((s) => s.name),
      ['policy', 'never', 'every:5d'],
    );
    assert.equal(json.bars, 1300);
    assert.equal(json.traded.bars, 1300 - 300 - 1);
    assert.equal(json.incidentOptions.minBars, 10);
    assert.equal(json.policy.retrain.windowBars, 300);
    for (const s of json.strategies) {
      for (const key of ['cumulativePnl', 'sharpe', 'psr', 'maxDrawdown', 'hitRate', 'logLoss', 'brier'])
        assert.ok(key in s.overall, `${s.name} has no ${key}`);
      assert.ok(s.perYear.length >= 1);
      assert.equal(s.equity.length, json.equityAt.length);
    }
    const every = json.strategies[2]!;
    assert.ok(
      every.counts.retrainingsStarted >= 8,
      `every:5d retrained ${every.counts.retrainingsStarted} times`,
    );
    assert.ok(json.strategies[0]!.drift!.checks > 0);
    const html = await readFile(report, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /Lifecycle backtest — BTS 1h/);
    assert.match(html, /Equity curves/);
    assert.match(html, /Drifted share over time/);
    assert.match(html, /Per year/);
    assert.ok((html.match(/<svg/g) ?? []).length >= 2);
    assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('refuses bad input with a clear error and reads no bars for it', async () => {
    const bad = await runCli(
      ['backtest', '--symbol', 'BTS', '--timeframe', '1h', '--baseline', 'sometimes'],
      env,
    );
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--baseline must be never or every:<duration>/);
    const none = await runCli(['backtest', '--symbol', 'NOPE', '--timeframe', '1h', '--local'], env);
    assert.equal(none.code, 3);
    assert.match(none.stderr, /no NOPE 1h bars stored/);
    const policy = path.join(dir, 'bad-policy.json');
    await writeFile(policy, JSON.stringify({ cooldown: 'soon' }));
    const refused = await runCli(
      ['backtest', '--symbol', 'BTS', '--timeframe', '1h', '--policy', policy, '--local'],
      env,
    );
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /cooldown/);
  });
});
