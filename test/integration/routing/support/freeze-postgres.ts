import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The processes of a PostgreSQL server: the postmaster (first line of postmaster.pid) and every
 * process it forked (backends, WAL writer, checkpointer), found through /proc.
 */
export function postgresPids(clusterDir: string): number[] {
  const postmaster = Number(
    readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]!.trim(),
  );
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent's pid; the name (field 2) may hold spaces, so
      // fields are counted from the closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) children.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return [postmaster, ...children];
}

/**
 * Freezes a PostgreSQL server (SIGSTOP to the postmaster and each of its processes): connections
 * stay open and the kernel still accepts new ones, but nothing answers: a hung server, not a
 * failed one. Returns the function that thaws it (SIGCONT to the same processes).
 */
export function freezePostgres(clusterDir: string): () => void {
  const pids = postgresPids(clusterDir);
  // The postmaster first, so that it forks nothing new while its children are stopped.
  for (const pid of pids) signal(pid, 'SIGSTOP');
  let thawed = false;
  return () => {
    if (thawed) return;
    thawed = true;
    for (const pid of pids) signal(pid, 'SIGCONT');
  };
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
