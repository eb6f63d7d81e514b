import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, readdir, readlink, rmdir, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { PostgresUser } from './postgres-user';
import { ensureSharedRootDir, firstClosedAncestor } from './shared-root-dir';

/**
 * Where a cluster goes when the `postgres` user cannot reach the data directory (a clone under
 * /root, or any 0700 directory): a root-owned directory that is kept, not cleaned like /var/tmp.
 * Clusters that earlier versions put under /var/tmp/galfriday-pg-… are still found through their link.
 */
export const RELOCATED_CLUSTERS_DIR = '/var/lib/galfriday';

/**
 * The directory PostgreSQL (run as `user`, because we are root) should use for the cluster wanted at
 * `wanted`: `wanted` itself when the user can reach it, or else the target of a link at `wanted`
 * into RELOCATED_CLUSTERS_DIR, created on first start and followed on every later one. Throws one
 * line saying what to change when no such directory can work.
 */
export async function reachableClusterDir(wanted: string, user: PostgresUser): Promise<string> {
  const absolute = path.resolve(wanted);
  const existing = await lstat(absolute).catch(() => undefined);
  if (existing?.isSymbolicLink()) {
    const target = path.resolve(path.dirname(absolute), await readlink(absolute));
    if (!existsSync(target)) {
      throw new Error(
        `${absolute} links to ${target}, which no longer exists (that database is gone); ` +
          `remove the link to start with an empty database`,
      );
    }
    const closed = await firstClosedAncestor(path.dirname(target));
    if (closed) throw unreachable(target, closed, user);
    return ownedBy(target, user);
  }
  if (await reachableAfterOpeningDataDir(path.dirname(absolute))) return ownedBy(absolute, user);
  if (existing) {
    if (!existing.isDirectory() || (await readdir(absolute)).length > 0) {
      const closed = (await firstClosedAncestor(path.dirname(absolute)))!;
      throw unreachable(absolute, closed, user);
    }
    // An empty directory (say, from a start that failed before initdb ran) is replaced by the link.
    await rmdir(absolute);
  }
  const base = await ensureSharedRootDir(RELOCATED_CLUSTERS_DIR).catch((error: Error) => {
    throw new Error(
      `${absolute} is out of the ${user.name} user's reach and no place could take the cluster instead (${error.message}); ` +
        `set GALFRIDAY_DATA_DIR to a directory others can traverse`,
    );
  });
  const elsewhere = path.join(
    base,
    `postgres-${createHash('sha256').update(absolute).digest('hex').slice(0, 12)}`,
  );
  await mkdir(elsewhere, { recursive: true, mode: 0o700 });
  await symlink(elsewhere, absolute);
  return ownedBy(elsewhere, user);
}

/**
 * True when every ancestor of the data directory lets others through. The data directory itself is
 * ours to open (its files keep their own modes: tokens.json stays 0600); anything above belongs to
 * the user and is never changed.
 */
async function reachableAfterOpeningDataDir(dataDir: string): Promise<boolean> {
  await mkdir(dataDir, { recursive: true });
  const info = await stat(dataDir);
  if ((info.mode & 0o001) === 0) {
    if (await firstClosedAncestor(path.dirname(dataDir))) return false;
    await chmod(dataDir, info.mode | 0o005);
  }
  return (await firstClosedAncestor(dataDir)) === undefined;
}

/** PostgreSQL insists that the cluster belongs to the user running it, with no access for others. */
async function ownedBy(dir: string, user: PostgresUser): Promise<string> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) return dir;
  if (info.uid !== user.uid) {
    if (existsSync(path.join(dir, 'PG_VERSION'))) {
      throw new Error(
        `the PostgreSQL cluster ${dir} belongs to uid ${info.uid}, not to ${user.name} (uid ${user.uid}) who runs it as root; ` +
          `run \`chown -R ${user.name}: ${dir}\`, or start as uid ${info.uid}`,
      );
    }
    await chown(dir, user.uid, user.gid);
  }
  if ((info.mode & 0o077) !== 0 && !existsSync(path.join(dir, 'PG_VERSION'))) await chmod(dir, 0o700);
  return dir;
}

function unreachable(dir: string, closed: string, user: PostgresUser): Error {
  return new Error(
    `the PostgreSQL cluster ${dir} lies under ${closed}, which the ${user.name} user that runs PostgreSQL as root cannot enter; ` +
      `move the cluster to a directory others can traverse and leave a symlink at its old place, ` +
      `or start as the user who created it`,
  );
}
