import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { CliContext } from '../../../src/cli/cli-context';
import { reportDriftCommand, reportExperimentCommand } from '../../../src/cli/commands/report.commands';
import { CliError } from '../../../src/cli/exit-codes';
import { loadConfig } from '../../../src/config/config';
import { setExperimentStatus } from '../../../src/db/repositories/experiment.repository';
import { checkDrift } from '../../../src/lifecycle/check-drift';
import {
  loadDriftReportData,
  loadExperimentReportData,
  renderDriftReport,
  renderExperimentReport,
} from '../../../src/reports';
import { fmtInt, fmtP } from '../../../src/reports/html';
import { createChallengerExperiment, seedExperimentModel } from '../../support/experiment-fixtures';
import { insertLivePredictions, seedChampion, simulateArmOutcomes } from '../../support/lifecycle-fixtures';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

/** No stylesheet, script, image or font may come from anywhere: the file must open offline. */
function assertSelfContained(html: string) {
  assert.doesNotMatch(html, /https?:\/\//i, 'the report references an external URL');
  assert.doesNotMatch(html, /<script\b/i, 'the report contains a script');
  assert.doesNotMatch(html, /<link\b/i, 'the report links an external resource');
  assert.doesNotMatch(html, /\bsrc\s*=/i, 'the report loads a resource by src');
  assert.doesNotMatch(html, /url\(/i, 'the report loads a resource from CSS');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<style>/);
}

/** A CliContext over the test database that captures what the command prints. */
function fakeCli(database: TestDatabase, printed: unknown[]): CliContext {
  return {
    config: loadConfig({ DATABASE_URL: database.url }),
    json: true,
    print: (_human, data) => void printed.push(data),
    note: () => undefined,
    stack: async () => undefined,
    database: async () => database,
    temporal: async () => {
      throw new Error('no Temporal in this test');
    },
    temporalUiUrl: async () => undefined,
    close: async () => undefined,
  };
}

describe('HTML reports (real Postgres)', function () {
  this.timeout(180_000);
  let database: TestDatabase;
  let dir: string;

  before(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-reports-'));
  });
  after(async () => {
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('drift report', () => {
    const model = 'rep-drift';
    let seeded: Awaited<ReturnType<typeof seedChampion>>;

    before(async () => {
      // The live half of the market moves to a volatile regime the champion never saw.
      seeded = await seedChampion(database, {
        model,
        seed: 11,
        bars: 1400,
        trainBars: 900,
        shift: { atBar: 900, regime: 'volatile', volatilityMultiplier: 3 },
      });
      await insertLivePredictions(database, model, seeded.championVersionId, seeded.bars.slice(880));
      // Two recorded checks give the charts over time two points per feature.
      for (let i = 0; i < 2; i++) {
        await checkDrift(database.db, {
          model,
          source: 'predictions',
          from: new Date(Date.now() - 3_600_000),
          to: new Date(),
          minSamples: 30,
          share: 0.5,
          record: true,
        });
      }
    });

    it('renders every feature with its numbers, reference vs current histograms and the history, self-contained', async () => {
      const to = new Date();
      const data = await loadDriftReportData(database.db, {
        model,
        source: 'predictions',
        from: new Date(to.getTime() - 3_600_000),
        to,
      });
      assert.equal(data.result.status, 'checked');
      assert.ok(
        data.result.report && data.result.report.features.length >= 5,
        'the check tested the features',
      );
      assert.ok(data.history.length > 0, 'recorded drift checks are loaded');
      const html = renderDriftReport({ ...data, generatedAt: to });

      assertSelfContained(html);
      assert.match(html, new RegExp(`Data drift report — ${model} v1`));
      for (const f of data.result.report!.features) {
        assert.ok(html.includes(`id="feature-${f.name}"`), `a section for ${f.name}`);
        assert.ok(html.includes(`>${f.name}</strong>`), `a table row for ${f.name}`);
        assert.ok(html.includes(`<code>${f.method}</code>`), `the method of ${f.name}`);
      }
      assert.ok(html.includes(fmtInt(data.result.sampleSize)), 'the number of rows compared');
      assert.ok(
        html.includes(
          `${fmtInt(data.result.report!.driftedCount)} / ${fmtInt(data.result.report!.testedCount)}`,
        ),
        'drifted / tested',
      );
      assert.match(html, data.result.drifted ? /DRIFT DETECTED/ : /no dataset drift/);
      // One histogram per feature with current values, plus the charts over time.
      const svgs = html.match(/<svg\b/g) ?? [];
      assert.ok(svgs.length >= data.result.report!.features.length * 2, `${svgs.length} charts`);
      assert.match(html, /aria-label="Histogram of ret_1/);
      assert.match(html, /reference \(\d[\d,]* rows\)/);
      assert.match(html, /Drifted share over time/);
    });

    it('says why there is no decision when the window is empty, still self-contained', async () => {
      const to = new Date(Date.now() - 30 * 86_400_000);
      const data = await loadDriftReportData(database.db, {
        model,
        source: 'predictions',
        from: new Date(to.getTime() - 3_600_000),
        to,
      });
      assert.equal(data.result.status, 'insufficient-data');
      const html = renderDriftReport({ ...data, generatedAt: to });
      assertSelfContained(html);
      assert.match(html, /not enough data/);
      assert.match(html, /Only 0 rows in the window/);
    });

    it('`report drift` writes the file and refuses bad input with the CLI exit codes', async () => {
      const printed: unknown[] = [];
      const out = path.join(dir, 'drift.html');
      await reportDriftCommand.run(fakeCli(database, printed), {
        positionals: [model],
        values: { out, window: '2h' },
      });
      const html = await readFile(out, 'utf8');
      assertSelfContained(html);
      assert.match(html, /<svg\b/);
      const summary = printed[0] as { file: string; status: string; sampleSize: number };
      assert.equal(summary.file, out);
      assert.equal(summary.status, 'checked');
      assert.ok(summary.sampleSize > 100);

      const codeOf = async (positionals: string[], values: Record<string, string>) => {
        try {
          await reportDriftCommand.run(fakeCli(database, []), { positionals, values });
        } catch (error) {
          assert.ok(error instanceof CliError, String(error));
          return error.exitCode;
        }
        return 0;
      };
      assert.equal(await codeOf(['no-such-model'], { out }), 3);
      assert.equal(await codeOf([model], {}), 2, '--out is required');
      assert.equal(await codeOf([model], { out, window: 'soon' }), 2);
      assert.equal(await codeOf([model], { out, window: '1h', from: '2024-01-01' }), 2);
      assert.equal(await codeOf([model], { out, source: 'tea-leaves' }), 2);
    });
  });

  describe('experiment report', () => {
    const model = 'rep-exp';
    let experimentId: string;

    before(async () => {
      await seedExperimentModel(database, model, 21);
      experimentId = await createChallengerExperiment(database, model, { minSamplesPerVariant: 100 });
      await setExperimentStatus(database.db, experimentId, 'running');
      await database.db
        .updateTable('experiments')
        .set({ started_at: new Date(Date.now() - 4 * 3_600_000) })
        .where('experiment_id', '=', experimentId)
        .execute();
      // Four batches an hour apart: the challenger is clearly better, so the p-value falls look by look.
      for (let k = 0; k < 4; k++) {
        await simulateArmOutcomes(
          database,
          experimentId,
          { control: { accuracy: 0.5, meanReturn: 0 }, challenger: { accuracy: 0.64, meanReturn: 0.001 } },
          150,
          100 + k,
        );
        const at = sql<Date>`now() - make_interval(hours => ${3 - k}) - interval '30 minutes'`;
        await database.db
          .updateTable('experiment_outcomes')
          .set({ recorded_at: at as never })
          .where('experiment_id', '=', experimentId)
          .where('recorded_at', '>', sql<Date>`now() - interval '10 minutes'`)
          .execute();
        await database.db
          .updateTable('experiment_assignments')
          .set({ assigned_at: at as never })
          .where('experiment_id', '=', experimentId)
          .where('assigned_at', '>', sql<Date>`now() - interval '10 minutes'`)
          .execute();
      }
    });

    it('reconstructs the always-valid p-value look by look with the workflow analysis', async () => {
      const data = await loadExperimentReportData(database.db, experimentId);
      assert.ok(data);
      assert.equal(data.looks.length, 4, 'one look per batch');
      const pValues = data.looks.map((l) => l.analysis.comparisons[0]!.pValue);
      for (let i = 1; i < pValues.length; i++)
        assert.ok(pValues[i]! <= pValues[i - 1]!, `running minimum: ${pValues.join(', ')}`);
      assert.ok(pValues.at(-1)! < 0.05, `a clear winner is significant at the end: ${pValues.at(-1)}`);
      const last = data.looks.at(-1)!.analysis;
      assert.deepEqual(
        last.arms.map((a) => [a.variant, a.n, a.assignments]),
        [
          ['control', 600, 600],
          ['challenger', 600, 600],
        ],
      );
      // The current analysis carries the path's minimum, with drawdowns from the totals.
      assert.equal(data.analysis.comparisons[0]!.pValue, pValues.at(-1));
      assert.equal(data.analysis.srm.mismatch, false);
    });

    it('renders arms, intervals, p-value over time and health, self-contained', async () => {
      await setExperimentStatus(database.db, experimentId, 'stopped', {
        reason: 'stopped for the report test',
      });
      const data = (await loadExperimentReportData(database.db, experimentId))!;
      const html = renderExperimentReport(data, { generatedAt: new Date() });
      assertSelfContained(html);
      assert.match(html, /Experiment report — rep-exp: v1 vs v2/);
      assert.match(html, /stopped for the report test/);
      for (const arm of ['control', 'challenger']) assert.ok(html.includes(`>${arm}</span>`), `arm ${arm}`);
      assert.ok(html.includes(fmtP(data.analysis.comparisons[0]!.pValue)), 'the always-valid p-value');
      assert.match(html, /95% interval \(fixed n\)/);
      assert.match(html, /Always-valid 95% interval/);
      assert.match(html, /aria-label="Always-valid p-value over time"/);
      assert.match(html, /α = 0\.05/);
      assert.match(html, /Sample ratio/);
      assert.ok((html.match(/<svg\b/g) ?? []).length >= 3);
      // One dot per look and treatment on the p-value chart.
      assert.equal((html.match(/challenger at [^"]*: p /g) ?? []).length, 4);
    });

    it('`report experiment` writes the file; an unknown id is NOT_FOUND, a malformed one USAGE', async () => {
      const printed: unknown[] = [];
      const out = path.join(dir, 'experiment.html');
      await reportExperimentCommand.run(fakeCli(database, printed), {
        positionals: [experimentId],
        values: { out },
      });
      assertSelfContained(await readFile(out, 'utf8'));
      assert.equal((printed[0] as { looks: number }).looks, 4);
      const codeOf = async (id: string) => {
        try {
          await reportExperimentCommand.run(fakeCli(database, []), { positionals: [id], values: { out } });
        } catch (error) {
          assert.ok(error instanceof CliError, String(error));
          return error.exitCode;
        }
        return 0;
      };
      assert.equal(await codeOf('00000000-0000-4000-8000-000000000000'), 3);
      assert.equal(await codeOf('not-an-id'), 2);
    });
  });
});
