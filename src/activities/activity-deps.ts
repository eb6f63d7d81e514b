import type { Kysely } from 'kysely';
import type { Database } from '../db/database';

/** What activities need from the outside world; the worker builds it, tests pass their own. */
export interface ActivityDeps {
  db: Kysely<Database>;
}
