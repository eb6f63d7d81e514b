import path from 'node:path';
import { serveDashboard } from '../../dashboard';
import { TOKENS_FILE } from '../../routing/service/tokens/ensure-tokens';
import { command } from '../command';
import { CliError, ExitCode } from '../exit-codes';
import { listenOptions } from './options';

export const dashboardCommand = command({
  path: ['dashboard'],
  summary: 'Run the operator dashboard in the foreground until Ctrl-C (its own process, beside the router)',
  usage: '[--host ADDRESS] [--port N]',
  options: { host: { type: 'string' }, port: { type: 'string' } },
  details: [
    'Uses DATABASE_URL and TEMPORAL_ADDRESS (for the experiment controls), or the running `npm start`',
    'stack. Operators log in with the admin token (GALFRIDAY_ADMIN_TOKEN, or the data directory’s',
    'tokens.json); sessions work on every dashboard process of the same database.',
    '',
    'Example: galfriday dashboard --port 8082',
  ].join('\n'),
  async run(ctx, { values }) {
    const stack = await ctx.stack();
    const databaseUrl = ctx.config.databaseUrl ?? stack?.databaseUrl;
    if (!databaseUrl) {
      throw new CliError(
        'no PostgreSQL for the dashboard: start the stack with `npm start`, or set DATABASE_URL',
        ExitCode.UNAVAILABLE,
      );
    }
    const listen = listenOptions(values);
    const { host, port } = listen;
    const temporalAddress = ctx.config.temporalAddress ?? stack?.temporalAddress;
    const temporalUiUrl = ctx.config.temporalUiUrl ?? stack?.temporalUiUrl;
    try {
      await serveDashboard({
        config: ctx.config,
        databaseUrl,
        ...listen,
        ...(temporalAddress !== undefined ? { temporalAddress } : {}),
        ...(temporalUiUrl !== undefined ? { temporalUiUrl } : {}),
        onListening: (dashboard) =>
          ctx.print(
            [
              `Dashboard listening on ${dashboard.url}/ui (Ctrl-C to stop)`,
              `  Log in with  GALFRIDAY_ADMIN_TOKEN, or the admin token in ${path.join(ctx.config.dataDir, TOKENS_FILE)}`,
            ].join('\n'),
            { url: `${dashboard.url}/ui` },
          ),
      });
    } catch (error) {
      const { code, syscall } = error as { code?: unknown; syscall?: unknown };
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL' || syscall === 'listen') {
        const where = `${host ?? ctx.config.dashboardHost}:${port ?? ctx.config.dashboardPort}`;
        throw new CliError(
          `cannot listen on ${where} (${String(code)}${code === 'EADDRINUSE' ? ': another process, perhaps the stack’s dashboard, uses it' : ''}); choose another with --port or --host`,
          ExitCode.USAGE,
        );
      }
      throw error;
    }
  },
});
