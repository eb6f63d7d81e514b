import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildDashboardApp } from '../../../src/dashboard';
import { moveAlias } from '../../../src/db/repositories/alias.repository';
import type { FeatureSchema } from '../../../src/db/repositories/model.repository';
import {
  getArtifact,
  getVersionById,
  registerVersion,
} from '../../../src/db/repositories/version.repository';
import { checkDrift } from '../../../src/lifecycle/check-drift';
import type { experimentWorkflow } from '../../../src/workflows';
import { launchBrowser, screenshotPath } from '../../support/browser';
import {
  createChallengerExperiment,
  experimentRow,
  feedArmOutcomes,
  sleep,
  startExperimentWorkflow,
} from '../../support/experiment-fixtures';
import {
  insertLivePredictions,
  seedChampion,
  startHarness,
  waitFor,
  type TemporalHarness,
} from '../../support/lifecycle-fixtures';
import { createTestDatabase, getTestStack, type TestDatabase } from '../../support/test-stack';

const MODEL = 'dash-btc';
const ADMIN_TOKEN = `dashboard-test-admin-${Date.now().toString(36)}`;
const OPERATOR = 'Ada Lovelace';

describe('operator dashboard in headless Chromium (real Temporal, real Postgres)', function () {
  this.timeout(240_000);
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let database: TestDatabase;
  let harness: TemporalHarness;
  let app: FastifyInstance;
  let base: string;
  let experimentId: string;
  let handle: WorkflowHandle<typeof experimentWorkflow>;
  let alertId: string;
  const errors: unknown[] = [];

  before(async function () {
    this.timeout(300_000);
    // First, so that a missing browser fails the file at once with its own message.
    browser = await launchBrowser();
    database = await createTestDatabase();
    harness = await startHarness(database);

    // Champion v1 trained on a trending market whose live half turned volatile; v2 staged as challenger.
    const seeded = await seedChampion(database, {
      model: MODEL,
      seed: 7,
      bars: 1300,
      trainBars: 900,
      shift: { atBar: 900, regime: 'volatile', volatilityMultiplier: 3 },
    });
    const v1 = await getVersionById(database.db, seeded.championVersionId);
    const { version: v2 } = await registerVersion(database.db, {
      model: MODEL,
      trainer: v1.trainer,
      onnx: await getArtifact(database.db, seeded.championVersionId),
      featureSchema: v1.feature_schema as FeatureSchema,
      parentVersionId: seeded.championVersionId,
      createdBy: 'test',
    });
    await moveAlias(database.db, {
      model: MODEL,
      alias: 'challenger',
      version: v2.version,
      expectedVersionId: null,
      changedBy: 'retrain:dash-btc:1',
      reason: 'challenger from a drift retraining',
    });
    await insertLivePredictions(database, MODEL, seeded.championVersionId, seeded.bars.slice(880));
    for (let i = 0; i < 2; i++) {
      await checkDrift(database.db, {
        model: MODEL,
        source: 'predictions',
        from: new Date(Date.now() - 3_600_000),
        to: new Date(),
        minSamples: 30,
        share: 0.5,
        record: true,
      });
      await sleep(50);
    }
    for (let d = 6; d >= 0; d--) {
      const day = new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
      await database.db
        .insertInto('model_performance_history')
        .values({
          version_id: v1.version_id,
          model_id: v1.model_id,
          evaluation_date: day,
          predictions_made: 500 + d * 10,
          outcomes_labelled: 400,
          correct_predictions: 220 - d * 3,
          signals_generated: 120,
          profitable_signals: 64,
          accuracy: (220 - d * 3) / 400,
          total_return: 0.01 * (3 - d),
          sharpe_ratio: 1.1,
          max_drawdown: 0.02,
        })
        .execute();
    }
    const alert = await database.db
      .insertInto('alerts')
      .values({
        severity: 'warning',
        kind: 'data_drift',
        model_id: v1.model_id,
        message: `${MODEL}: 5 of 8 features drifted since the last check`,
        details: JSON.stringify({}),
      })
      .returning('alert_id')
      .executeTakeFirstOrThrow();
    alertId = alert.alert_id;

    // A live A/A experiment that only an operator ends. It looks at the data only when woken (resume):
    // a stop that arrives while a look is in flight is lost by the workflow (reported to the lead:
    // `end = decision` overwrites the operator's end), so the test never stops during a look.
    experimentId = await createChallengerExperiment(database, MODEL, {
      analysisInterval: '1h',
      minSamplesPerVariant: 100,
      maxSamplesPerVariant: 20_000,
      maxDuration: '2h',
    });
    handle = await startExperimentWorkflow(harness, experimentId);
    await waitFor(
      'the experiment to run',
      async () => (await experimentRow(database, experimentId)).status === 'running',
      30_000,
    );
    for (let batch = 0; batch < 3; batch++) {
      await feedArmOutcomes(
        database,
        experimentId,
        {
          control: { accuracy: 0.55, meanReturn: 0.0004 },
          challenger: { accuracy: 0.55, meanReturn: 0.0004 },
        },
        150,
        40 + batch,
      );
      await sleep(1_200);
    }

    const stack = await getTestStack();
    // Its own Fastify app on its own port, as `npm start` and `galfriday dashboard` run it.
    app = await buildDashboardApp({
      db: database.db,
      temporal: async () => harness.client,
      namespace: 'default',
      temporalUiUrl: stack.temporalUiUrl,
      adminToken: ADMIN_TOKEN,
      onError: (error) => errors.push(error),
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    context = await browser.newContext({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
    page = await context.newPage();
  });

  after(async function () {
    this.timeout(60_000);
    if (handle) {
      const { status } = await handle.describe().catch(() => ({ status: { name: 'UNKNOWN' } }));
      if (status.name === 'RUNNING') await handle.terminate('test over').catch(() => undefined);
    }
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await app?.close();
    await harness?.close();
    await database?.drop();
  });

  afterEach(() => {
    assert.deepEqual(errors, [], 'no page failed with an unexpected error');
  });

  const bodyText = () => page.locator('body').innerText();

  /** Opens a downloaded report offline (every request is refused) and saves what it looks like. */
  async function saveReportScreenshot(html: string, name: string) {
    const offline = await browser.newContext({ viewport: { width: 1360, height: 900 }, offline: true });
    const reportPage = await offline.newPage();
    const requests: string[] = [];
    reportPage.on('request', (r) => requests.push(r.url()));
    await reportPage.setContent(html, { waitUntil: 'load' });
    assert.deepEqual(requests, [], 'the report loads nothing');
    assert.ok((await reportPage.locator('svg').count()) > 0);
    await reportPage.screenshot({ path: screenshotPath(name), fullPage: true });
    await offline.close();
  }

  it('sends a visitor to the login page, refuses a wrong token, and serves nothing but the dashboard', async () => {
    await page.goto(`${base}/ui/experiments`);
    assert.equal(new URL(page.url()).pathname, '/ui/login');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/ui/experiments');
    await page.screenshot({ path: screenshotPath('login'), fullPage: true });
    await page.fill('#token', 'not-the-token');
    await page.click('button[type=submit]');
    assert.match(await bodyText(), /That is not the admin token/);
    assert.deepEqual(await context.cookies(), [], 'no session for a wrong token');

    const other = await fetch(`${base}/v1/route`);
    assert.equal(other.status, 404, 'the engine API is the router’s, on another process');
    assert.match(await other.text(), /There is no such page/);
    const bearer = await fetch(`${base}/ui`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(bearer.status, 200);
    assert.match(await bearer.text(), new RegExp(MODEL));
    const wrong = await fetch(`${base}/ui`, { headers: { authorization: 'Bearer nope-nope-nope' } });
    assert.equal(wrong.status, 401);
    const anonymousPost = await fetch(`${base}/ui/experiments/${experimentId}/stop`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'reason=x',
    });
    assert.equal(anonymousPost.status, 401);
  });

  it('logs in with the admin token into an HttpOnly, SameSite=Strict session and shows the models', async () => {
    await page.goto(`${base}/ui/login?next=/ui`);
    await page.fill('#token', ADMIN_TOKEN);
    await page.fill('#name', OPERATOR);
    await page.click('button[type=submit]');
    assert.equal(new URL(page.url()).pathname, '/ui');
    const [session] = await context.cookies();
    assert.ok(session, 'a session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(session.path, '/ui');

    const row = page.locator('[data-testid=models-table] tbody tr', { hasText: MODEL });
    const text = await row.innerText();
    assert.match(text, /v1/, 'the champion');
    assert.match(text, /v2/, 'the challenger');
    assert.match(text, /v1 vs v2/, 'the live experiment');
    assert.match(text, /drifted|stable/, 'the last drift verdict');
    assert.match(await page.locator('header').innerText(), new RegExp(OPERATOR));
    await page.screenshot({ path: screenshotPath('overview'), fullPage: true });
  });

  it('model page: alias timeline, versions with metrics, drift per feature with histogram and history, performance', async () => {
    await page.click(`a[href="/ui/models/${MODEL}"]`);
    assert.equal(new URL(page.url()).pathname, `/ui/models/${MODEL}`);
    assert.equal(await page.locator('[data-testid=alias-timeline] svg').count(), 1);
    assert.match(
      await page.locator('[data-testid=alias-timeline]').innerText(),
      /challenger from a drift retraining/,
    );
    const versions = await page.locator('[data-testid=versions-table]').innerText();
    assert.match(versions, /v1[\s\S]*production[\s\S]*champion/);
    assert.match(versions, /v2[\s\S]*staging[\s\S]*challenger/);
    assert.match(versions, /auc/i);
    const drift = await page.locator('#drift').innerText();
    for (const feature of ['ret_1', 'ret_5', 'model output']) assert.match(drift, new RegExp(feature));
    assert.match(drift, /Latest recorded check/);
    // The check's dataset-level rows are summaries (the tile and the share figure), not features.
    assert.doesNotMatch(drift, /dataset_recent|^dataset\b/m);

    await page.click('#drift .pills a:text-is("ret_5")');
    assert.equal(new URL(page.url()).searchParams.get('feature'), 'ret_5');
    assert.equal(await page.locator('svg[aria-label^="Histogram of ret_5"]').count(), 1);
    assert.equal(await page.locator('svg[aria-label="ret_5: drift statistic over time"]').count(), 1);
    assert.match(
      await page.locator('#drift').innerText(),
      /reference \(\d[\d,]* rows\)[\s\S]*current \(\d[\d,]* rows\)/,
    );
    assert.match(await bodyText(), /Performance history/);
    assert.equal(await page.locator('svg[aria-label="Daily live accuracy per version"]').count(), 1);
    await page.screenshot({ path: screenshotPath('model'), fullPage: true });

    const report = await page.request.get(`${base}/ui/models/${MODEL}/drift-report?window=24h`);
    assert.equal(report.status(), 200);
    assert.match(
      report.headers()['content-disposition'] ?? '',
      /attachment; filename="drift-dash-btc\.html"/,
    );
    const reportHtml = await report.text();
    assert.match(reportHtml, /Data drift report — dash-btc v1/);
    await saveReportScreenshot(reportHtml, 'drift-report');
  });

  it('answers unknown models, experiments and pages with a 404 page, never a stack trace', async () => {
    for (const path of [
      '/ui/models/no-such-model',
      '/ui/models/NOT%20valid',
      `/ui/experiments/00000000-0000-4000-8000-000000000000`,
      '/ui/experiments/------------------------------------',
      '/ui/nothing/here',
      '/ui/alerts/999999/ack',
    ]) {
      const response = await page.goto(`${base}${path}`);
      assert.equal(response?.status(), path.endsWith('/ack') ? 405 : 404, path);
      const text = await bodyText();
      assert.doesNotMatch(text, /\bat .+\.(ts|js):\d+/, `no stack trace on ${path}`);
      assert.doesNotMatch(text, /Error:/, `no error dump on ${path}`);
    }
    assert.match(await (await page.goto(`${base}/ui/models/no-such-model`))!.text(), /No such model/);
  });

  it('experiments: the list, and the experiment page with arms, intervals, p-value over time, SRM and guardrails', async () => {
    await page.goto(`${base}/ui/experiments`);
    const list = await page.locator('[data-testid=experiments-table]').innerText();
    assert.match(list, /dash-btc: v1 vs v2/);
    assert.match(list, /running/);
    await page.click(`a[href="/ui/experiments/${experimentId}"] >> nth=0`);
    const text = await bodyText();
    assert.match(text, /Arms/i);
    assert.match(text, /control[\s\S]*v1[\s\S]*challenger[\s\S]*v2/);
    assert.match(text, /95% interval \(fixed n\)/i);
    assert.match(text, /Always-valid 95% interval/i);
    assert.match(text, /Sample ratio/i);
    assert.match(text, /Guardrails/i);
    assert.match(text, /State\s+running · 0 look\(s\)/i);
    assert.equal(await page.locator('[data-testid=experiment-status]').innerText(), 'running');
    assert.equal(await page.locator('[data-testid=pvalue-chart] svg').count(), 1);
    assert.ok(
      (await page.locator('[data-testid=pvalue-chart] svg circle').count()) >= 3,
      'one point per reconstructed look',
    );
    await page.screenshot({ path: screenshotPath('experiment-running'), fullPage: true });
  });

  it('refuses a POST without the CSRF token or from another origin', async () => {
    const url = `${base}/ui/experiments/${experimentId}/pause`;
    const noToken = await page.request.post(url, { form: { reason: 'forged' } });
    assert.equal(noToken.status(), 403);
    const csrf = await page.locator('form[action$="/pause"] input[name=csrf]').getAttribute('value');
    assert.ok(csrf);
    const foreign = await page.request.post(url, {
      form: { csrf, reason: 'forged' },
      headers: { origin: 'http://evil.example' },
    });
    assert.equal(foreign.status(), 403);
    assert.equal((await experimentRow(database, experimentId)).status, 'running', 'nothing was paused');
  });

  it('Pause and Resume go through the workflow updates and come back with the result', async () => {
    await page.fill('#pause-reason', 'checking the feed');
    await page.click('button[value=pause]');
    assert.equal(new URL(page.url()).pathname, `/ui/experiments/${experimentId}`);
    assert.match(
      await page.locator('[data-testid=flash]').innerText(),
      /Pause accepted: the workflow is paused/,
    );
    assert.equal((await experimentRow(database, experimentId)).status, 'paused');
    assert.equal(((await handle.query('status')) as { state: string }).state, 'paused');

    await page.click('button[value=resume]');
    assert.match(
      await page.locator('[data-testid=flash]').innerText(),
      /Resume accepted: the workflow is running/,
    );
    assert.equal((await experimentRow(database, experimentId)).status, 'running');
    // Resuming wakes the workflow for a look; wait until it is done (see the note in `before`).
    await waitFor(
      'the look after resuming',
      async () => ((await handle.query('status')) as { looks: number }).looks >= 1,
      20_000,
    );
    await page.reload();
    assert.match(await bodyText(), /Its last look\s+challenger: p /i);
    assert.equal(await page.locator('[data-testid=flash]').count(), 0, 'the message is shown once');
  });

  it('Stop ends the workflow (the stale tab then gets the refusal), and the page shows the stopped experiment', async () => {
    const stale = await context.newPage();
    await stale.goto(`${base}/ui/experiments/${experimentId}`);

    await page.click('details.danger-zone summary');
    await page.fill('#stop-reason', 'feed outage');
    await page.click('button[value=stop]');
    assert.match(
      await page.locator('[data-testid=flash]').innerText(),
      /Stopped: feed outage \(Ada Lovelace, dashboard\)\. The workflow has finished\./,
    );
    const result = await handle.result();
    assert.equal(result.status, 'stopped');
    assert.match(result.reason, /feed outage/);
    const row = await experimentRow(database, experimentId);
    assert.equal(row.status, 'stopped');
    assert.ok(row.ended_at);
    assert.equal(await page.locator('[data-testid=experiment-status]').innerText(), 'stopped');
    assert.equal(
      await page.locator('[data-testid=controls]').count(),
      0,
      'no controls on an ended experiment',
    );
    await page.screenshot({ path: screenshotPath('experiment-stopped'), fullPage: true });
    const report = await page.request.get(`${base}/ui/experiments/${experimentId}/report`);
    assert.equal(report.status(), 200);
    assert.match(report.headers()['content-disposition'] ?? '', /attachment; filename="experiment-/);
    await saveReportScreenshot(await report.text(), 'experiment-report');

    await stale.click('details.danger-zone summary');
    await stale.click('button[value=stop]');
    const refusal = stale.locator('[data-testid=flash]');
    assert.equal(await refusal.getAttribute('class'), 'flash flash-bad');
    assert.match(await refusal.innerText(), /Refused: the experiment has already ended/);
    await stale.close();
  });

  it('alerts: lists the open alert and acknowledges it in the name of the operator', async () => {
    await page.click('header nav a[href="/ui/alerts"]');
    const open = await page.locator('[data-testid=open-alerts]').innerText();
    assert.match(open, /5 of 8 features drifted/);
    await page.screenshot({ path: screenshotPath('alerts'), fullPage: true });
    await page.click(`form[action="/ui/alerts/${alertId}/ack"] button`);
    assert.match(
      await page.locator('[data-testid=flash]').innerText(),
      new RegExp(`Alert #${alertId} acknowledged`),
    );
    const row = await database.db
      .selectFrom('alerts')
      .selectAll()
      .where('alert_id', '=', alertId)
      .executeTakeFirstOrThrow();
    assert.equal(row.acknowledged_by, `dashboard:${OPERATOR}`);
    assert.ok(row.acknowledged_at);
    assert.match(await bodyText(), /No open alerts/);
  });

  it('logs out', async () => {
    await page.click('header button:text-is("Log out")');
    assert.equal(new URL(page.url()).pathname, '/ui/login');
    await page.goto(`${base}/ui`);
    assert.equal(new URL(page.url()).pathname, '/ui/login');
  });
});
