import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, writeFile, appendFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { connectDatabase } from '../../../src/db/connection';
import {
  migrate,
  MigrationChecksumError,
  MigrationFailedError,
  MIGRATIONS_DIR,
} from '../../../src/db/migrator';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

describe('migrations', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  let dir: string;

  beforeEach(async () => {
    database = await createTestDatabase({ migrated: false });
    dir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-migrations-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
  });
  afterEach(async () => {
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies every migration to an empty database and records version and checksum', async () => {
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
    const result = await migrate(database.pool, { dir });
    assert.deepEqual(result.applied, files);
    const { rows } = await database.pool.query(
      'SELECT version, checksum FROM schema_migrations ORDER BY version',
    );
    assert.equal(rows.length, files.length);
    assert.match(rows[0].checksum, /^[0-9a-f]{64}$/);
    const tables = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`.execute(database.db);
    const names = tables.rows.map((r) => r.table_name);
    for (const table of [
      'models',
      'model_versions',
      'model_aliases',
      'model_alias_history',
      'market_bars',
      'predictions',
      'experiments',
      'experiment_variants',
      'experiment_assignments',
      'experiment_outcomes',
      'retraining_jobs',
      'drift_detection_events',
      'model_performance_history',
      'feature_distribution_snapshots',
      'alerts',
    ]) {
      assert.ok(names.includes(table), `missing table ${table}`);
    }
  });

  it('is a no-op when re-run', async () => {
    await migrate(database.pool, { dir });
    const again = await migrate(database.pool, { dir });
    assert.deepEqual(again.applied, []);
    assert.equal(again.alreadyApplied, (await readdir(dir)).filter((f) => f.endsWith('.sql')).length);
  });

  it('refuses to run when an applied migration file was edited', async () => {
    await migrate(database.pool, { dir });
    await appendFile(path.join(dir, '002_market_bars.sql'), '\n-- an innocent-looking edit\n');
    await assert.rejects(migrate(database.pool, { dir }), (error: unknown) => {
      assert.ok(error instanceof MigrationChecksumError);
      assert.equal(error.file, '002_market_bars.sql');
      assert.match(error.message, /was edited after it was applied/);
      return true;
    });
  });

  it('rolls a failing migration back completely and applies nothing after it', async () => {
    await writeFile(
      path.join(dir, '900_broken.sql'),
      'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n',
    );
    await writeFile(path.join(dir, '901_after.sql'), 'CREATE TABLE after_broken (id int);\n');
    await assert.rejects(migrate(database.pool, { dir }), MigrationFailedError);
    const { rows } = await database.pool.query(
      "SELECT to_regclass('half_done') AS half, to_regclass('after_broken') AS after, (SELECT max(version) FROM schema_migrations) AS max",
    );
    assert.equal(rows[0].half, null);
    assert.equal(rows[0].after, null);
    assert.ok(rows[0].max < 900);
  });

  it('lets two processes migrate the same database at once without conflict', async () => {
    const second = connectDatabase(database.url);
    try {
      const [a, b] = await Promise.all([migrate(database.pool, { dir }), migrate(second.pool, { dir })]);
      const total = (await readdir(dir)).filter((f) => f.endsWith('.sql')).length;
      // The advisory lock serialises them: one applies everything, the other finds it all applied.
      assert.deepEqual(
        [a.applied.length + b.applied.length, a.alreadyApplied + b.alreadyApplied],
        [total, total],
      );
    } finally {
      await second.close();
    }
  });
});
