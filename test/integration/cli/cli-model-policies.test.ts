import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getModel } from '../../../src/db/repositories/model.repository';
import { snakeKeys } from '../../support/json-keys';
import { runCli, type CliRun } from '../../support/run-cli';
import { createTestDatabase, getTestStack, type TestDatabase } from '../../support/test-stack';

describe('galfriday models train/register --gate/--supervisor, and camelCase --json (real Postgres)', function () {
  this.timeout(180_000);
  let database: TestDatabase;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const file = async (name: string, content: unknown) => {
    const p = path.join(dir, name);
    await writeFile(p, typeof content === 'string' ? content : JSON.stringify(content));
    return p;
  };
  const train = (model: string, ...extra: string[]) =>
    runCli(
      [
        'models',
        'train',
        model,
        '--symbol',
        'ETH',
        '--timeframe',
        '1h',
        '--trainer',
        'logreg',
        ...extra,
        '--json',
      ],
      env,
    );
  const out = (r: CliRun) => r.stdout + r.stderr;

  before(async () => {
    database = await createTestDatabase();
    const stack = await getTestStack();
    dir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-cli-policies-'));
    env = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: stack.temporalAddress, GALFRIDAY_DATA_DIR: dir };
    const synth = await runCli(
      ['data', 'synth', '--symbol', 'ETH', '--bars', '900', '--seed', '4', '--timeframe', '1h', '--json'],
      env,
    );
    assert.equal(synth.code, 0, out(synth));
    assert.deepEqual(snakeKeys(synth.json()), []);
  });
  after(async () => {
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('judges the first version of a new model by --gate and stores it as the model policy', async () => {
    const strict = { floors: [{ metric: 'auc', min: 0.99 }] };
    const refused = await train('eth-strict', '--gate', await file('strict.json', strict));
    assert.equal(refused.code, 4, out(refused));
    assert.match(JSON.stringify(refused.json()), /auc/);
    assert.deepEqual((await getModel(database.db, 'eth-strict')).gate_policy, strict);

    // The same model, trained again with a gate that has no floors: the stored policy is replaced
    // before training (existing-model path) and the version registered as champion.
    const open = { floors: [] };
    const supervisor = { cooldown: '2h', maxRetrainsPerDay: 1 };
    const passed = await train(
      'eth-strict',
      '--gate',
      await file('open.json', open),
      '--supervisor',
      await file('supervisor.json', supervisor),
    );
    assert.equal(passed.code, 0, out(passed));
    assert.deepEqual(
      [passed.json<{ version: number }>().version, passed.json<{ becameChampion: boolean }>().becameChampion],
      [1, true],
    );
    assert.deepEqual(snakeKeys(passed.json()), []);
    const model = await getModel(database.db, 'eth-strict');
    assert.deepEqual([model.gate_policy, model.supervisor_policy], [open, supervisor]);
  });

  it('stores --supervisor on a model that train creates', async () => {
    const supervisor = { driftShare: 0.3 };
    const run = await train(
      'eth-new',
      '--gate',
      await file('open2.json', { floors: [] }),
      '--supervisor',
      await file('supervisor2.json', supervisor),
    );
    assert.equal(run.code, 0, out(run));
    const model = await getModel(database.db, 'eth-new');
    assert.deepEqual([model.gate_policy, model.supervisor_policy], [{ floors: [] }, supervisor]);
  });

  it('refuses a bad policy file naming the file and the field, before storing or training anything', async () => {
    const badGate = await file('bad-gate.json', { floors: [{ metric: 'auc', min: 'high' }] });
    const gate = await train('eth-bad', '--gate', badGate);
    assert.equal(gate.code, 2, out(gate));
    assert.ok(out(gate).includes(badGate), out(gate));
    assert.match(out(gate), /gate\.floors\.0\.min/);

    const badSupervisor = await file('bad-supervisor.json', { cooldown: 'soon' });
    const sup = await train('eth-bad', '--supervisor', badSupervisor);
    assert.equal(sup.code, 2, out(sup));
    assert.ok(out(sup).includes(badSupervisor), out(sup));
    assert.match(out(sup), /policy\.cooldown/);

    const notJson = await file('not-json.json', '{ floors: ');
    const parse = await train('eth-bad', '--gate', notJson);
    assert.equal(parse.code, 2, out(parse));
    assert.match(out(parse), /not-json\.json is not JSON/);

    const missing = await train('eth-bad', '--gate', path.join(dir, 'absent.json'));
    assert.match(out(missing), /absent\.json: no such file/);

    const list = await runCli(['models', 'list', '--json'], env);
    assert.ok(!list.json<Array<{ name: string }>>().some((m) => m.name === 'eth-bad'), 'nothing stored');

    // A bad policy on an existing model leaves its stored policy as it was.
    const kept = await train('eth-new', '--gate', badGate);
    assert.equal(kept.code, 2);
    assert.deepEqual((await getModel(database.db, 'eth-new')).gate_policy, { floors: [] });
  });

  it('models register --gate/--supervisor stores the policies of the registered model', async () => {
    const onnx = path.join(dir, 'eth.onnx');
    const exported = await runCli(
      ['models', 'export', 'eth-strict', '--version', '1', '--out', onnx, '--json'],
      env,
    );
    assert.equal(exported.code, 0, out(exported));
    assert.deepEqual(snakeKeys(exported.json()), []);
    const show = await runCli(['models', 'show', 'eth-strict', '--json'], env);
    const schema = await file(
      'schema.json',
      show.json<{ model: { featureSchema: unknown } }>().model.featureSchema,
    );
    const gate = { floors: [{ metric: 'auc', min: 0.5 }] };
    const supervisor = { cooldown: '12h' };
    const registered = await runCli(
      [
        'models',
        'register',
        'eth-external',
        '--onnx',
        onnx,
        '--features',
        schema,
        '--gate',
        await file('ext-gate.json', gate),
        '--supervisor',
        await file('ext-supervisor.json', supervisor),
        '--json',
      ],
      env,
    );
    assert.equal(registered.code, 0, out(registered));
    const model = await getModel(database.db, 'eth-external');
    assert.deepEqual([model.gate_policy, model.supervisor_policy], [gate, supervisor]);

    const refused = await runCli(
      [
        'models',
        'register',
        'eth-external2',
        '--onnx',
        onnx,
        '--features',
        schema,
        '--gate',
        await file('g.json', { task: 'x' }),
      ],
      env,
    );
    assert.equal(refused.code, 2, out(refused));
    assert.match(out(refused), /g\.json: gate policy field gate\.task/);
  });

  it('prints camelCase API shapes, never raw rows, in every models/data/alerts --json output', async () => {
    const outputs: Array<[string, string[]]> = [
      ['models show', ['models', 'show', 'eth-strict', '--json']],
      ['models show --version', ['models', 'show', 'eth-strict', '--version', '1', '--json']],
      ['models list', ['models', 'list', '--json']],
      ['models history', ['models', 'history', 'eth-strict', '--json']],
      ['models history --at', ['models', 'history', 'eth-strict', '--at', '2000-01-01', '--json']],
      ['models promote', ['models', 'promote', 'eth-strict', '1', '--alias', 'shadow', '--json']],
      ['models policy', ['models', 'policy', 'eth-strict', '--gate', path.join(dir, 'open.json'), '--json']],
      ['alerts list', ['alerts', 'list', '--all', '--json']],
      ['migrate', ['migrate', '--json']],
    ];
    for (const [label, args] of outputs) {
      const run = await runCli(args, env);
      assert.equal(run.code, 0, `${label}: ${out(run)}`);
      assert.deepEqual(snakeKeys(run.json()), [], label);
    }
    // No stack runs on this data directory: `stack` answers (exit 3) with its JSON all the same.
    const stack = await runCli(['stack', '--json'], env);
    assert.deepEqual([stack.json(), snakeKeys(stack.json())], [{ running: false }, []]);
    const version = (await runCli(['models', 'show', 'eth-strict', '--version', '1', '--json'], env)).json<
      Record<string, unknown>
    >();
    assert.equal(version.version, 1);
    assert.equal(typeof version.versionId, 'string');
    assert.equal(typeof version.sha256, 'string');
    assert.ok(!('onnx' in version), 'the artifact bytes are never printed');
  });
});
