import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateSyntheticMarket } from '../../../src/ml';
import { runCli } from '../../support/run-cli';
import { createTestDatabase, getTestStack, type TestDatabase } from '../../support/test-stack';

function csv(bars: ReturnType<typeof generateSyntheticMarket>['bars']): string {
  return [
    'date,open,high,low,close,adjclose,volume',
    ...bars.map(
      (b) => `${String(b.ts).slice(0, 10)},${b.open},${b.high},${b.low},${b.close},${b.close},${b.volume}`,
    ),
  ].join('\n');
}

describe('galfriday data and models commands (real Postgres)', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    database = await createTestDatabase();
    const stack = await getTestStack();
    dir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-cli-'));
    env = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: stack.temporalAddress, GALFRIDAY_DATA_DIR: dir };
  });
  after(async () => {
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('imports a daily CSV, ignores extra columns, and changes nothing when the same file comes again', async () => {
    const bars = generateSyntheticMarket({ seed: 5, bars: 400, intervalMinutes: 1440 }).bars;
    const file = path.join(dir, 'eth.csv');
    await writeFile(file, csv(bars));
    const first = await runCli(
      ['data', 'import', file, '--symbol', 'ETH', '--timeframe', '1d', '--json'],
      env,
    );
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(
      [first.json<{ inserted: number }>().inserted, first.json<{ unchanged: number }>().unchanged],
      [400, 0],
    );
    const again = await runCli(
      ['data', 'import', file, '--symbol', 'ETH', '--timeframe', '1d', '--json'],
      env,
    );
    assert.deepEqual(
      [
        again.json<{ inserted: number }>().inserted,
        again.json<{ updated: number }>().updated,
        again.json<{ unchanged: number }>().unchanged,
      ],
      [0, 0, 400],
    );
    const { rows } = await database.pool.query(
      `SELECT count(*)::int AS n FROM market_bars WHERE symbol = 'ETH'`,
    );
    assert.equal(rows[0].n, 400);
  });

  it('refuses a file with bad rows, naming each line, and stores nothing unless asked to skip them', async () => {
    const file = path.join(dir, 'bad.csv');
    await writeFile(
      file,
      [
        'timestamp,open,high,low,close,volume',
        '2024-01-01,10,11,9,10.5,100',
        '2024-01-02,10,9,11,10,100',
        'yesterday,1,1,1,1,1',
        '2024-01-04,10,11,9,abc,100',
        '2024-01-05,10,11,9,10,-5',
      ].join('\n'),
    );
    const refused = await runCli(['data', 'import', file, '--symbol', 'BAD', '--timeframe', '1d'], env);
    assert.equal(refused.code, 4);
    assert.match(refused.stdout, /4 bad row\(s\), nothing stored/);
    for (const line of [3, 4, 5, 6]) assert.match(refused.stdout, new RegExp(`line ${line}: `));
    const stored = await database.pool.query(
      `SELECT count(*)::int AS n FROM market_bars WHERE symbol = 'BAD'`,
    );
    assert.equal(stored.rows[0].n, 0);
    const skipped = await runCli(
      ['data', 'import', file, '--symbol', 'BAD', '--timeframe', '1d', '--skip-invalid', '--json'],
      env,
    );
    assert.equal(skipped.code, 0);
    assert.equal(skipped.json<{ stored: number }>().stored, 1);
    assert.equal(skipped.json<{ skipped: unknown[] }>().skipped.length, 4);
  });

  it('gives usage errors exit code 2 with a message that says what is wrong', async () => {
    const noTimeframe = await runCli(['data', 'import', 'x.csv', '--symbol', 'ETH'], env);
    assert.equal(noTimeframe.code, 2);
    assert.match(noTimeframe.stderr, /--timeframe is required/);
    const unknown = await runCli(['models', 'frobnicate'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown models command; one of:/);
    const missing = await runCli(
      ['data', 'import', path.join(dir, 'nope.csv'), '--symbol', 'ETH', '--timeframe', '1d'],
      env,
    );
    assert.equal(missing.code, 3);
  });

  it('trains, lists, shows, promotes, rolls back and exports models', async () => {
    assert.equal(
      (
        await runCli(
          ['data', 'synth', '--symbol', 'BTC', '--bars', '2500', '--seed', '9', '--timeframe', '1h'],
          env,
        )
      ).code,
      0,
    );
    const trained = await runCli(
      [
        'models',
        'train',
        'btc-1h',
        '--symbol',
        'BTC',
        '--timeframe',
        '1h',
        '--target',
        'prob_up',
        '--trainer',
        'logreg',
        '--json',
      ],
      env,
    );
    assert.equal(trained.code, 0, trained.stdout + trained.stderr);
    assert.deepEqual(
      [
        trained.json<{ version: number }>().version,
        trained.json<{ becameChampion: boolean }>().becameChampion,
      ],
      [1, true],
    );

    // A second version the gate refuses (it is not better than the champion) is not registered.
    const second = await runCli(
      [
        'models',
        'train',
        'btc-1h',
        '--symbol',
        'BTC',
        '--timeframe',
        '1h',
        '--target',
        'prob_up',
        '--trainer',
        'logreg',
        '--json',
      ],
      env,
    );
    assert.equal(second.code, 4);
    assert.match(JSON.stringify(second.json()), /champion\.lossImprovement/);

    const list = await runCli(['models', 'list', '--json'], env);
    assert.deepEqual(
      list.json<Array<{ name: string; champion: number }>>().map((m) => [m.name, m.champion]),
      [['btc-1h', 1]],
    );

    const out = path.join(dir, 'v1.onnx');
    const exported = await runCli(
      ['models', 'export', 'btc-1h', '--version', '1', '--out', out, '--json'],
      env,
    );
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal((await readFile(out)).length, exported.json<{ bytes: number }>().bytes);

    // The exported artifact, registered as an external model, is accepted against the right schema…
    const schemaFile = path.join(dir, 'schema.json');
    const show = await runCli(['models', 'show', 'btc-1h', '--json'], env);
    await writeFile(
      schemaFile,
      JSON.stringify(show.json<{ model: { featureSchema: unknown } }>().model.featureSchema),
    );
    const registered = await runCli(
      ['models', 'register', 'btc-1h', '--onnx', out, '--features', schemaFile, '--json'],
      env,
    );
    assert.equal(registered.code, 0, registered.stdout + registered.stderr);
    assert.equal(registered.json<{ version: number }>().version, 2);
    // …and refused, saying what differs, against a schema with another width.
    const wrongSchema = path.join(dir, 'wrong.json');
    await writeFile(wrongSchema, JSON.stringify({ version: 'x', names: ['a', 'b', 'c'] }));
    const refused = await runCli(
      ['models', 'register', 'other', '--onnx', out, '--features', wrongSchema],
      env,
    );
    assert.equal(refused.code, 4);
    assert.match(refused.stdout, /feature schema has 3/);

    assert.equal(
      (await runCli(['models', 'promote', 'btc-1h', '2', '--reason', 'external model is better'], env)).code,
      0,
    );
    const rolled = await runCli(['models', 'rollback', 'btc-1h', '--json'], env);
    assert.equal(rolled.json<{ version: number }>().version, 1);
    const history = await runCli(['models', 'history', 'btc-1h', '--alias', 'champion', '--json'], env);
    assert.deepEqual(
      history.json<Array<{ version: number }>>().map((h) => h.version),
      [1, 2, 1],
    );
    const at = await runCli(['models', 'history', 'btc-1h', '--at', '2000-01-01', '--json'], env);
    assert.equal(at.json<{ version: number | null }>().version, null);
  });

  it("checks drift of recomputed features against the champion's profiles", async () => {
    const result = await runCli(
      [
        'drift',
        'check',
        'btc-1h',
        '--source',
        'bars',
        '--from',
        '2024-01-01',
        '--to',
        '2024-12-31',
        '--json',
      ],
      env,
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const report = result.json<{
      drifted: boolean;
      share: number;
      features: Array<{ name: string; method: string; drifted: boolean }>;
    }>();
    assert.equal(report.features.length, 17);
    assert.ok(report.share >= 0 && report.share <= 1);
    assert.ok(report.features.every((f) => typeof f.method === 'string'));
  });
});
