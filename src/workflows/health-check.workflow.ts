import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { checkDatabase } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5, initialInterval: '1 second' },
});

export interface HealthCheckResult {
  workflowId: string;
  serverVersion: string;
  schemaVersion: number;
  migrations: number;
}

/** Proves the whole path: client → Temporal → worker → activity → Postgres. */
export async function healthCheckWorkflow(): Promise<HealthCheckResult> {
  const database = await checkDatabase();
  return { workflowId: workflowInfo().workflowId, ...database };
}
