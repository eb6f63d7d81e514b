import type { Db } from '../db/database';

/** What activities need from the outside world; the worker builds it, tests pass their own. */
export interface ActivityDeps {
  db: Db;
}
