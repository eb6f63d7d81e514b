import path from 'node:path';
import { RouterDatabaseError, serveRouter } from '../../routing/standalone-router';
import { StrategyConfigError } from '../../routing/service/signal/strategy-config';
import { TOKENS_FILE } from '../../routing/service/tokens/ensure-tokens';
import { command } from '../command';
import { CliError, ExitCode } from '../exit-codes';
import { listenOptions } from './options';

export const routerCommand = command({
  path: ['router'],
  summary: 'Run a routing service in the foreground until Ctrl-C (another instance, or a production one)',
  usage: '[--host ADDRESS] [--port N]',
  options: { host: { type: 'string' }, port: { type: 'string' } },
  details: [
    'Uses DATABASE_URL, or the running `npm start` stack. The operator dashboard is its own process:',
    '`galfriday dashboard`.',
    'Instances agree on every routing decision (deterministic hashing) and pick up configuration',
    'changes within a second, so several can run behind a load balancer. Ctrl-C drains the router,',
    'writes its batched logs and exits.',
    '',
    'Example: galfriday router --port 8081',
  ].join('\n'),
  async run(ctx, { values }) {
    const stack = await ctx.stack();
    const databaseUrl = ctx.config.databaseUrl ?? stack?.databaseUrl;
    if (!databaseUrl) {
      throw new CliError(
        'no PostgreSQL for the router: start the stack with `npm start`, or set DATABASE_URL',
        ExitCode.UNAVAILABLE,
      );
    }
    const listen = listenOptions(values);
    const { host, port } = listen;
    try {
      await serveRouter({
        config: ctx.config,
        databaseUrl,
        ...listen,
        // Under --json stdout carries only the command's answer; the router's log goes to stderr.
        ...(ctx.json ? { log: (line: string) => void process.stderr.write(`${line}\n`) } : {}),
        onListening: (router) =>
          ctx.print(
            [
              `Router listening on ${router.url} (Ctrl-C to stop)`,
              `  API docs     ${router.url}/openapi.json`,
              `  Tokens       GALFRIDAY_ENGINE_TOKEN / GALFRIDAY_ADMIN_TOKEN, or ${path.join(ctx.config.dataDir, TOKENS_FILE)}`,
            ].join('\n'),
            { url: router.url },
          ),
      });
    } catch (error) {
      const { code, syscall } = error as { code?: unknown; syscall?: unknown };
      if (syscall === 'listen' && (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')) {
        const where = `${host ?? ctx.config.routerHost}:${port ?? ctx.config.routerPort}`;
        throw new CliError(
          `cannot listen on ${where} (${String(code)}${code === 'EADDRINUSE' ? ': another process, perhaps the stack’s router, uses it' : ''}); choose another with --port or --host`,
          ExitCode.USAGE,
        );
      }
      if (syscall === 'getaddrinfo') {
        throw new CliError(
          `cannot resolve the address ${host ?? ctx.config.routerHost} (${String(code)})`,
          ExitCode.USAGE,
        );
      }
      if (error instanceof StrategyConfigError) throw new CliError(error.message, ExitCode.USAGE);
      if (error instanceof RouterDatabaseError) {
        const source =
          ctx.config.databaseUrl !== undefined
            ? 'DATABASE_URL'
            : `the stack on ${ctx.config.dataDir} (is it still running? \`galfriday stack\`)`;
        throw new CliError(`cannot use PostgreSQL from ${source}: ${error.message}`, ExitCode.UNAVAILABLE);
      }
      throw error;
    }
  },
});
