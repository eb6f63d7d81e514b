import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

/** The CLI release whose module has no `replace` directives, so `go install` can build it. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go install';

export interface ResolvedTemporalCli {
  path: string;
  source: TemporalCliSource;
}

export interface ResolveOptions {
  configuredPath: string | undefined;
  cacheDir: string;
  /** The PATH to search. */
  searchPath: string | undefined;
  /** Build with Go when nothing else is found. @default true */
  allowBuild?: boolean;
  onProgress?: (line: string) => void;
}

/** Thrown when no Temporal CLI can be found or built; the message lists what was tried. */
export class TemporalCliNotFoundError extends Error {
  override readonly name = 'TemporalCliNotFoundError';
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where the `go install` build of the CLI is kept between runs and clones. */
export function cachedCliPath(cacheDir: string): string {
  return path.join(cacheDir, 'bin', 'temporal');
}

/**
 * Finds a Temporal CLI in the order TEMPORAL_CLI_PATH, `temporal` on PATH, the cached build, and
 * finally builds it with `go install` into the cache (about three minutes, with progress).
 * Returns undefined only when nothing is found and building is not possible, so that the caller can
 * fall back to the SDK's own download.
 */
export async function resolveTemporalCli(options: ResolveOptions): Promise<ResolvedTemporalCli | undefined> {
  if (options.configuredPath) {
    if (!isExecutable(options.configuredPath)) {
      throw new TemporalCliNotFoundError(
        `TEMPORAL_CLI_PATH: ${options.configuredPath} is not an executable file`,
      );
    }
    return { path: options.configuredPath, source: 'TEMPORAL_CLI_PATH' };
  }
  for (const dir of (options.searchPath ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'temporal');
    if (isExecutable(candidate)) return { path: candidate, source: 'PATH' };
  }
  const cached = cachedCliPath(options.cacheDir);
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  if (options.allowBuild === false) return undefined;
  const go = (options.searchPath ?? '')
    .split(path.delimiter)
    .map((dir) => path.join(dir, 'go'))
    .find((candidate) => existsSync(candidate) && isExecutable(candidate));
  if (!go) return undefined;
  await buildWithGo(go, options.cacheDir, options.onProgress ?? (() => undefined));
  if (!isExecutable(cached))
    throw new TemporalCliNotFoundError(`go install finished but ${cached} is missing`);
  return { path: cached, source: 'go install' };
}

async function buildWithGo(go: string, cacheDir: string, progress: (line: string) => void): Promise<void> {
  const gobin = path.dirname(cachedCliPath(cacheDir));
  await mkdir(gobin, { recursive: true });
  progress(
    `Building the Temporal CLI (${TEMPORAL_CLI_MODULE}) into ${gobin}; this takes about 3 minutes once.`,
  );
  const started = Date.now();
  const ticker = setInterval(
    () => progress(`  … still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s)`),
    15_000,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(go, ['install', '-v', TEMPORAL_CLI_MODULE], {
        env: { ...process.env, GOBIN: gobin, GOFLAGS: '-mod=mod' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let packages = 0;
      const tail: string[] = [];
      const onData = (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          tail.push(line);
          if (tail.length > 20) tail.shift();
          // -v prints one line per compiled package; show every 100th so progress is visible but short.
          if (!line.startsWith('go: ') && ++packages % 100 === 0)
            progress(`  compiled ${packages} packages…`);
          if (line.startsWith('go: downloading') && packages === 0 && tail.length === 1)
            progress('  downloading modules…');
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolve()
          : reject(new TemporalCliNotFoundError(`go install failed (exit ${code}):\n${tail.join('\n')}`)),
      );
    });
  } finally {
    clearInterval(ticker);
  }
  progress(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s.`);
}
