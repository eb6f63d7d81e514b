import { Client, Connection } from '@temporalio/client';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from '../config/config';
import { ensureTokensNoting, TOKENS_FILE, type RouterTokens } from '../routing/service/tokens/ensure-tokens';
import { workflowIds } from '../temporal/shared';
import { workflowUrl } from '../temporal/ui-links';
import { installTemporalRuntime } from '../workers/runtime';
import { healthCheckWorkflow } from '../workflows';
import { startDemo, type RunningDemo } from '../demo/run-demo';
import { startLocalStack } from './local-stack';
import { acquireStackLock, StackAlreadyRunningError, writeStackState } from './stack-state';

const log = (line: string) => console.log(line);

const USAGE = 'usage: npm start [-- --no-demo | --demo]';

/** `npm start`: the whole local stack in one process, until Ctrl-C; on first start, the demo loop. */
async function run(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--no-demo' && a !== '--demo');
  if (unknown.length) throw new ConfigError('arguments', USAGE, unknown.join(' '));
  const config = loadConfig();
  // Never seed demo models into a real database unless asked to.
  const wantDemo = args.includes('--demo') || (!args.includes('--no-demo') && !config.databaseUrl);
  const release = await acquireStackLock(config.dataDir);
  installTemporalRuntime();
  let stack: Awaited<ReturnType<typeof startLocalStack>>;
  let generatedTokens: ReadonlyArray<keyof RouterTokens>;
  try {
    // Taken here, before the router reads them back, to know whether this start created them.
    generatedTokens = (await ensureTokensNoting(config)).generated;
    stack = await startLocalStack(config, { log });
  } catch (error) {
    await release();
    throw error;
  }

  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: config.temporalNamespace });
  let demo: RunningDemo | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    if (stopping) {
      log('Still stopping; press Ctrl-C again to force (this may leave processes behind).');
      process.once(signal, () => process.exit(130));
      return;
    }
    log(`\n${signal}: stopping the dashboard, the router, the worker, Temporal and PostgreSQL…`);
    stopping = (demo?.stop() ?? Promise.resolve())
      .then(() => connection.close())
      .then(() => stack.stop())
      .then(release)
      .then(() => {
        log('Stopped.');
        process.exit(0);
      });
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));

  await writeStackState(config.dataDir, {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    databaseUrl: stack.databaseUrl,
    temporalAddress: stack.temporalAddress,
    temporalNamespace: config.temporalNamespace,
    temporalUiUrl: stack.temporalUiUrl,
    routerUrl: stack.router?.url,
    dashboardUrl: stack.dashboard?.url,
  });

  const workflowId = workflowIds.healthCheck(new Date().toISOString().replace(/[:.]/g, '-'));
  const health = await client.workflow.execute(healthCheckWorkflow, {
    taskQueue: config.taskQueue,
    workflowId,
  });

  const link = stack.temporalUiUrl
    ? ` — ${workflowUrl(stack.temporalUiUrl, config.temporalNamespace, workflowId)}`
    : '';
  log(`Health check passed: PostgreSQL ${health.serverVersion}, schema v${health.schemaVersion}${link}`);
  log('');
  log('galfriday is ready.');
  if (stack.temporalUiUrl) log(`  Temporal UI   ${stack.temporalUiUrl}`);
  log(
    `  Temporal      ${stack.temporalAddress} (namespace ${config.temporalNamespace}, task queue ${config.taskQueue})`,
  );
  if (stack.router) {
    log(
      `  Router        ${stack.router.url}  (POST /v1/predict, /v1/route, /v1/outcomes, /v1/signal; /openapi.json)`,
    );
    for (const line of tokenLines(stack.router, generatedTokens, config)) log(line);
  }
  if (stack.dashboard) log(`  Dashboard     ${stack.dashboard.url}/ui  (log in with the admin token)`);
  log(`  PostgreSQL    ${stack.startedPostgres ? 'embedded, ' : ''}${redact(stack.databaseUrl)}`);
  log(`  Data          ${config.dataDir}`);
  if (wantDemo && stack.router && !stopping) {
    log('');
    demo = await startDemo({
      db: stack.database.db,
      client,
      taskQueue: config.taskQueue,
      namespace: config.temporalNamespace,
      routerUrl: stack.router.url,
      engineToken: stack.router.engineToken,
      dataDir: config.dataDir,
      uiUrl: stack.temporalUiUrl,
      log,
    });
  } else if (!wantDemo) {
    log('Demo off (--no-demo, or DATABASE_URL points at a server: pass --demo to seed demo models there).');
  }
  log('Press Ctrl-C to stop.');
}

/**
 * A token is printed once, on the start that generated it; later starts say where it is kept, so that
 * it does not land in every terminal's scrollback and every captured log.
 */
function tokenLines(
  tokens: RouterTokens,
  generated: ReadonlyArray<keyof RouterTokens>,
  config: Config,
): string[] {
  const file = path.join(config.dataDir, TOKENS_FILE);
  const lines: string[] = [];
  if (generated.includes('engineToken')) lines.push(`  Engine token  ${tokens.engineToken}`);
  if (generated.includes('adminToken')) lines.push(`  Admin token   ${tokens.adminToken}`);
  if (generated.includes('metricsToken') && tokens.metricsToken !== undefined) {
    lines.push(`  Metrics token ${tokens.metricsToken}  (GET /metrics only, for Prometheus)`);
  }
  if (generated.length) {
    lines.push(`                (generated now and shown this once; kept in ${file}, mode 0600)`);
  }
  const fromEnv = (['engineToken', 'adminToken'] as const).filter((scope) => config[scope] !== undefined);
  if (fromEnv.length) {
    const names = fromEnv.map((scope) =>
      scope === 'engineToken' ? 'GALFRIDAY_ENGINE_TOKEN' : 'GALFRIDAY_ADMIN_TOKEN',
    );
    lines.push(`  Tokens        from ${names.join(' and ')}`);
  }
  if (!generated.length && fromEnv.length < 2) {
    lines.push(`  Tokens        kept in ${file} (mode 0600; read them with \`cat ${file}\`)`);
  }
  return lines;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]+@/, '//$1:***@');
}

run().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StackAlreadyRunningError) {
    console.error(`galfriday: ${error.message}`);
    process.exit(2);
  }
  console.error(`galfriday: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
