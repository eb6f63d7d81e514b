import type { ActivityDeps } from './activity-deps';
import { createHealthActivities } from './health.activities';

export type { ActivityDeps } from './activity-deps';

/** Every activity of the system, bound to its dependencies. Workflows import this file as a type only. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createHealthActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
