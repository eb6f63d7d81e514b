import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * As root, PostgreSQL runs as the `postgres` user, and root runs what it finds in the binary cache.
 * So those places must be reachable by every user (o+x on every ancestor) and changeable by root
 * alone: owned by root and not writable by others, except a sticky ancestor such as /var/tmp, where
 * nobody else can rename or delete root's entries.
 */
export async function ensureSharedRootDir(dir: string): Promise<string> {
  const resolved = path.resolve(dir);
  await mkdir(resolved, { recursive: true, mode: 0o755 });
  const own = await stat(resolved);
  if (own.uid !== 0) {
    throw new Error(`${resolved} belongs to uid ${own.uid}, not to root; remove it or make root its owner`);
  }
  if ((own.mode & 0o777) !== 0o755) await chmod(resolved, 0o755);
  for (let current = path.dirname(resolved); ; current = path.dirname(current)) {
    const info = await stat(current);
    const sticky = (info.mode & 0o1000) !== 0;
    if ((info.mode & 0o001) === 0) {
      throw new Error(
        `${current} (mode ${octal(info.mode)}) cannot be entered by other users, so the postgres user cannot reach ${resolved}`,
      );
    }
    if (info.uid !== 0 || ((info.mode & 0o022) !== 0 && !sticky)) {
      throw new Error(
        `${current} (uid ${info.uid}, mode ${octal(info.mode)}) can be changed by users other than root, so ${resolved} cannot be trusted`,
      );
    }
    if (current === path.dirname(current)) return resolved;
  }
}

/** First ancestor of `dir` (itself included) that other users cannot enter, or undefined when none. */
export async function firstClosedAncestor(dir: string): Promise<string | undefined> {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const info = await stat(current).catch(() => undefined);
    if (info && (info.mode & 0o001) === 0) return current;
    if (current === path.dirname(current)) return undefined;
  }
}

export function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}
