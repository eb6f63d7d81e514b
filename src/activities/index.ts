import type { ActivityDeps } from './activity-deps';
import { createAlertActivities } from './alert.activities';
import { createBacktestActivities } from './backtest.activities';
import { createExperimentActivities } from './experiment.activities';
import { createHealthActivities } from './health.activities';
import { createRegistryActivities } from './registry.activities';
import { createRetentionActivities } from './retention.activities';
import { createRetrainingActivities } from './retraining.activities';
import { createSupervisorActivities } from './supervisor.activities';

export type { ActivityDeps } from './activity-deps';

/** Every activity of the system, bound to its dependencies. Workflows import this file as a type only. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createHealthActivities(deps),
    ...createSupervisorActivities(deps),
    ...createRetrainingActivities(deps),
    ...createRegistryActivities(deps),
    ...createExperimentActivities(deps),
    ...createAlertActivities(deps),
    ...createRetentionActivities(deps),
    ...createBacktestActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
