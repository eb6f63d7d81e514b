import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';

/** The migrations/ folder shipped with the package. */
export const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'migrations');

/** Thrown when a migration that was already applied has been edited since. */
export class MigrationChecksumError extends Error {
  override readonly name = 'MigrationChecksumError';
  constructor(
    readonly file: string,
    readonly applied: string,
    readonly current: string,
  ) {
    super(
      `migration ${file} was edited after it was applied (applied checksum ${applied.slice(0, 12)}…, ` +
        `file now ${current.slice(0, 12)}…); add a new numbered migration instead of editing an applied one`,
    );
  }
}

/** Thrown when a migration's SQL fails; the transaction is rolled back, so nothing of it remains. */
export class MigrationFailedError extends Error {
  override readonly name = 'MigrationFailedError';
  constructor(
    readonly file: string,
    cause: Error,
  ) {
    super(`migration ${file} failed and was rolled back: ${cause.message}`, { cause });
  }
}

export interface MigrationFile {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/** Reads `NNN_name.sql` files in version order; refuses malformed names and two files with one number. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const files: MigrationFile[] = [];
  for (const file of entries) {
    const match = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new Error(`migration file name ${file} does not match NNN_name.sql`);
    const sql = await readFile(path.join(dir, file), 'utf8');
    const version = Number(match[1]);
    if (files.some((m) => m.version === version)) throw new Error(`two migrations have number ${match[1]}`);
    files.push({
      version,
      name: match[2] as string,
      file,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return files;
}

// Any constant works; it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK_KEY = 7_415_926_535;

/**
 * Applies pending migrations, each in its own transaction, recording version and checksum.
 * Re-running is a no-op; an applied file that changed stops everything with {@link MigrationChecksumError}.
 * An advisory lock keeps two processes (a worker and a router starting together) from racing.
 */
export async function migrate(
  pool: pg.Pool,
  options: { dir?: string; log?: (line: string) => void } = {},
): Promise<MigrationResult> {
  const migrations = await readMigrations(options.dir);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations',
    );
    const applied = new Map(rows.map((r) => [r.version, r.checksum]));
    // Check every applied file first: an edited old migration must stop us before anything new runs.
    for (const m of migrations) {
      const checksum = applied.get(m.version);
      if (checksum !== undefined && checksum !== m.checksum)
        throw new MigrationChecksumError(m.file, checksum, m.checksum);
    }
    const result: MigrationResult = { applied: [], alreadyApplied: 0 };
    for (const m of migrations) {
      if (applied.has(m.version)) {
        result.alreadyApplied++;
        continue;
      }
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          m.checksum,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new MigrationFailedError(m.file, error as Error);
      }
      options.log?.(`migrated ${m.file}`);
      result.applied.push(m.file);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}
