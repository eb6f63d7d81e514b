import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What a running `npm start` publishes in the data directory so that every CLI command can find it. */
export interface StackState {
  pid: number;
  startedAt: string;
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl: string | undefined;
  routerUrl: string | undefined;
  /** Base URL of the operator dashboard (its pages are under /ui); absent in files of older stacks. */
  dashboardUrl?: string | undefined;
}

const STATE_FILE = 'stack.json';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running stack of this data directory, or undefined when none runs (a stale file is ignored). */
export async function readStackState(dataDir: string): Promise<StackState | undefined> {
  const text = await readFile(path.join(dataDir, STATE_FILE), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    const state = JSON.parse(text) as StackState;
    return isAlive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Thrown when another `npm start` already runs on the same data directory. */
export class StackAlreadyRunningError extends Error {
  override readonly name = 'StackAlreadyRunningError';
  constructor(
    readonly pid: number,
    dataDir: string,
  ) {
    super(
      `a galfriday stack is already running on ${dataDir} (pid ${pid}); stop it with Ctrl-C in its terminal or \`kill ${pid}\``,
    );
  }
}

/**
 * Takes the data directory for this process. The lock file is created exclusively, so two starts
 * racing each other cannot both win; a lock left by a dead process is taken over.
 */
export async function acquireStackLock(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, 'stack.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await rm(lockFile, { force: true });
        await rm(path.join(dataDir, STATE_FILE), { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(await readFile(lockFile, 'utf8').catch(() => 'NaN'));
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner))
        throw new StackAlreadyRunningError(owner, dataDir);
      await rm(lockFile, { force: true });
    }
  }
  throw new Error(`could not take the lock ${lockFile}`);
}

export async function writeStackState(dataDir: string, state: StackState): Promise<void> {
  await writeFile(path.join(dataDir, STATE_FILE), JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}
