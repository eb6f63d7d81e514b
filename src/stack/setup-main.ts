import { loadConfig } from '../config/config';
import { resolveTemporalCli } from '../temporal/cli-resolver';
import { ensureTimeSkippingServer } from '../temporal/time-skipping-server';

/**
 * `npm run setup`: builds or finds the slow prerequisites once, into the cache outside the clone:
 * the Temporal CLI (dev server) and, with --test-server, the Java time-skipping test server.
 */
async function run(): Promise<void> {
  const config = loadConfig();
  const log = (line: string) => console.log(line);
  const cli = await resolveTemporalCli({
    configuredPath: config.temporalCliPath,
    cacheDir: config.cacheDir,
    searchPath: process.env.PATH,
    onProgress: log,
  });
  log(
    cli
      ? `Temporal CLI: ${cli.path} (${cli.source})`
      : 'Temporal CLI: none found and Go is missing; the SDK will download one on first start.',
  );
  if (process.argv.includes('--test-server')) {
    log(`Time-skipping test server: ${await ensureTimeSkippingServer(config.cacheDir, log)}`);
  }
}

run().catch((error: unknown) => {
  console.error(`galfriday setup: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
