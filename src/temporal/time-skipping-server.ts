import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Temporal's Java time-skipping test server, resolved from Maven Central (no download from elsewhere). */
export const TEST_SERVER_VERSION = '1.31.0';
const POM = path.resolve(__dirname, '..', '..', 'tools', 'temporal-test-server', 'pom.xml');

/**
 * Returns an executable wrapper that runs the Java test server, building its classpath with
 * `mvn dependency:build-classpath` into the cache the first time. The wrapper is what
 * `TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } })` wants.
 */
export async function ensureTimeSkippingServer(
  cacheDir: string,
  log: (line: string) => void = () => undefined,
): Promise<string> {
  const classpathFile = path.join(cacheDir, `temporal-test-server-${TEST_SERVER_VERSION}.classpath`);
  const wrapper = path.join(cacheDir, 'bin', `temporal-test-server-${TEST_SERVER_VERSION}`);
  if (existsSync(wrapper) && existsSync(classpathFile)) return wrapper;
  await mkdir(path.dirname(wrapper), { recursive: true });
  if (!existsSync(classpathFile)) {
    log(`Resolving io.temporal:temporal-test-server:${TEST_SERVER_VERSION} with Maven…`);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        'mvn',
        ['-q', '-B', '-f', POM, 'dependency:build-classpath', `-Dmdep.outputFile=${classpathFile}`],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (c) => (output += c));
      child.stderr.on('data', (c) => (output += c));
      child.on('error', (error) =>
        reject(new Error(`cannot run mvn (needed for the time-skipping test server): ${error.message}`)),
      );
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`mvn failed (exit ${code}):\n${output.slice(-2000)}`)),
      );
    });
  }
  const classpath = (await readFile(classpathFile, 'utf8')).trim();
  await writeFile(
    wrapper,
    `#!/bin/sh\nexec java -cp '${classpath}' io.temporal.testserver.TestServer "$@"\n`,
  );
  await chmod(wrapper, 0o755);
  return wrapper;
}
