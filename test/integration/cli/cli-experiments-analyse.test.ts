import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRng } from '../../../src/stats/random';
import { runCli } from '../../support/run-cli';

// `galfriday experiments analyse` needs no database or Temporal: it streams a CSV through the same
// decision code as the experiment workflow. Run through the real CLI entry point.
interface Result {
  experiment: string;
  decision: string;
  winner: string | null;
  looks: number;
  decidedAtRow: number | null;
  interval: [number, number] | null;
}

describe('galfriday experiments analyse (offline re-analysis)', function () {
  this.timeout(60_000);
  let dir: string;
  const env: NodeJS.ProcessEnv = {};
  const start = Date.parse('2026-01-05T00:00:00Z');

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-analyse-'));
    await writeFile(
      path.join(dir, 'policy.json'),
      JSON.stringify({ control: 'control', analysisPeriod: '1m', minimumDetectableEffect: 0.05 }),
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  function splitCsv(): string {
    const rng = createRng(11);
    const lines = ['experiment,arm,unit_id,at,correct,return'];
    for (let i = 0; i < 6000; i++) {
      const at = new Date(start + i * 1000).toISOString();
      // "win": the treatment is right 65% of the time against 50%; "same": an A/A experiment.
      for (const [exp, rate] of [
        ['win', 0.65],
        ['same', 0.5],
      ] as const) {
        const unit = `u${Math.floor(rng.next() * 3000)}`;
        const arm = Number(unit.slice(1)) % 2 === 0 ? 'control' : 'treatment';
        const p = arm === 'treatment' ? rate : 0.5;
        lines.push(`${exp},${arm},${unit},${at},${rng.next() < p ? 1 : 0},`);
      }
    }
    return lines.join('\n');
  }

  it('promotes a clear winner, keeps an A/A experiment running, one JSON object per experiment', async () => {
    const file = path.join(dir, 'split.csv');
    await writeFile(file, splitCsv());
    const run = await runCli(
      [
        'experiments',
        'analyse',
        file,
        '--policy',
        path.join(dir, 'policy.json'),
        '--look-every',
        '500',
        '--json',
      ],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    const results = run.json<Result[]>();
    assert.deepEqual(
      results.map((r) => r.experiment),
      ['win', 'same'],
    );
    const win = results[0]!;
    assert.equal(win.decision, 'promote');
    assert.equal(win.winner, 'treatment');
    assert.ok(win.decidedAtRow !== null && win.decidedAtRow % 500 === 0, 'decides at a look');
    assert.equal(win.looks, win.decidedAtRow! / 500);
    assert.ok(win.interval && win.interval[0] > 0, 'the interval excludes 0');
    const same = results[1]!;
    assert.equal(same.decision, 'continue');
    assert.equal(same.winner, null);
    assert.equal(same.decidedAtRow, null);
    assert.equal(same.looks, 12);
    assert.ok(same.interval && same.interval[0] < 0 && same.interval[1] > 0);
  });

  it('refuses a file with bad rows and names every bad line', async () => {
    const file = path.join(dir, 'bad.csv');
    await writeFile(
      file,
      [
        'experiment,arm,unit_id,at,correct,return',
        'e,control,u1,2026-01-05T00:00:00Z,1,',
        'e,treatment,u2,yesterday,1,',
        'e,treatment,u2,2026-01-05T00:00:02Z,2,',
        'e,control,u1,2026-01-05T00:00:03Z,1,abc',
        'e,control,u1,2026-01-04T23:59:59Z,1,',
      ].join('\n'),
    );
    const run = await runCli(
      ['experiments', 'analyse', file, '--policy', path.join(dir, 'policy.json')],
      env,
    );
    assert.notEqual(run.code, 0);
    assert.match(run.stdout, /Refused .*4 bad row\(s\), nothing decided/);
    assert.match(run.stdout, /line 3: at "yesterday" is neither an ISO time nor epoch milliseconds/);
    assert.match(run.stdout, /line 4: correct must be 0 or 1, got "2"/);
    assert.match(run.stdout, /line 5: return "abc" is not a number/);
    assert.match(run.stdout, /line 6: at 2026-01-04T23:59:59\.000Z is before the previous row of e/);
  });

  it('decides a paired comparison on the same bars (--paired) and reports Diebold–Mariano beside it', async () => {
    const rng = createRng(5);
    const lines = ['experiment,at,label,champion,challenger'];
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    for (let i = 0; i < 5000; i++) {
      const z = 1.5 * rng.normal();
      const y = rng.next() < sigmoid(z) ? 1 : 0;
      lines.push(
        `p,${start + i * 60_000},${y},${sigmoid(z + rng.normal())},${sigmoid(z + 0.5 * rng.normal())}`,
      );
    }
    const file = path.join(dir, 'paired.csv');
    await writeFile(file, lines.join('\n'));
    const run = await runCli(
      [
        'experiments',
        'analyse',
        file,
        '--policy',
        path.join(dir, 'policy.json'),
        '--paired',
        '--look-every',
        '100',
        '--json',
      ],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    const [result] = run.json<Array<Result & { dieboldMariano: { pValue: number } }>>();
    assert.equal(result!.decision, 'promote');
    assert.equal(result!.winner, 'challenger');
    assert.ok(result!.decidedAtRow! < 5000 && result!.decidedAtRow! % 100 === 0);
    assert.ok(result!.interval![0] > 0);
    assert.ok(result!.dieboldMariano.pValue < 0.05);
  });
});
