import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** A PostgreSQL server that still runs on a cluster directory. */
export interface RunningPostmaster {
  readonly pid: number;
  readonly port: number | undefined;
}

/**
 * The postmaster named by the cluster's postmaster.pid when it is still alive: what a stack killed
 * with SIGKILL leaves behind, holding the port and the cluster. A file whose process is gone is
 * stale, and PostgreSQL removes it itself on the next start.
 */
export async function runningPostmaster(clusterDir: string): Promise<RunningPostmaster | undefined> {
  const text = await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  // A recycled pid belongs to some other program: then the file is stale too.
  const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (command !== undefined && !/postgres/.test(command)) return undefined;
  const port = Number(lines[3]);
  return { pid, port: Number.isInteger(port) && port > 0 ? port : undefined };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
