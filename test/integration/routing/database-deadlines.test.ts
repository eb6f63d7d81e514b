import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { connectDatabase, withDeadline, type DatabaseHandle } from '../../../src/db/connection';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('database deadlines (connectDatabase, withDeadline)', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  let handle: DatabaseHandle | undefined;

  beforeEach(async () => {
    database = await createTestDatabase();
    await sql`CREATE TABLE deadline_probe (n int)`.execute(database.db);
  });
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
    await database.drop();
  });

  it('lets a live server cancel a slow statement itself (statement_timeout) and keeps the connection', async () => {
    handle = connectDatabase(database.url, { maxConnections: 1, statementTimeoutMs: 200 });
    const started = Date.now();
    await assert.rejects(sql`SELECT pg_sleep(3)`.execute(handle.db), (error: { code?: string }) => {
      assert.equal(error.code, '57014'); // query_canceled, by PostgreSQL: rolled back
      return true;
    });
    assert.ok(Date.now() - started < 1_500);
    assert.equal(handle.pool.totalCount, 1);
    assert.equal((await sql<{ one: number }>`SELECT 1 AS one`.execute(handle.db)).rows[0]!.one, 1);
  });

  it('never sends a statement whose deadline passed before it was sent', async () => {
    handle = connectDatabase(database.url);
    await assert.rejects(
      withDeadline(100, async () => {
        await sleep(250);
        await sql`INSERT INTO deadline_probe VALUES (1)`.execute(handle!.db);
      }),
      (error: { name: string; statementSent: boolean }) => {
        assert.deepEqual([error.name, error.statementSent], ['DatabaseDeadlineError', false]);
        return true;
      },
    );
    await sleep(300); // the operation goes on after the deadline: its insert must be refused
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM deadline_probe`.execute(database.db);
    assert.equal(Number(rows[0]!.n), 0);
  });

  it('discards a connection left inside a transaction by a deadline, instead of handing it on', async () => {
    handle = connectDatabase(database.url, { maxConnections: 1 });
    await assert.rejects(
      // A transaction opened by hand on a reserved connection: nobody rolls it back when the
      // deadline refuses its next statement, so only discarding the connection ends it.
      withDeadline(150, () =>
        handle!.db.connection().execute(async (connection) => {
          await sql`BEGIN`.execute(connection);
          await sql`INSERT INTO deadline_probe VALUES (2)`.execute(connection);
          await sleep(300);
          await sql`INSERT INTO deadline_probe VALUES (3)`.execute(connection);
          await sql`COMMIT`.execute(connection);
        }),
      ),
      { name: 'DatabaseDeadlineError' },
    );
    await sleep(400);
    assert.equal(handle.pool.totalCount, 0, 'the connection inside the open transaction is discarded');
    // The next user gets a connection outside any transaction, and nothing of the abandoned one stuck.
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM deadline_probe`.execute(handle.db);
    assert.equal(Number(rows[0]!.n), 0);
  });
});
