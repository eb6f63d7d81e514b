import { raiseAlert } from '../db/repositories/alert.repository';
import { getModel } from '../db/repositories/model.repository';
import type { AlertSeverity } from '../db/tables/alerts.table';
import type { ActivityDeps } from './activity-deps';

export interface RaiseAlertInput {
  severity: AlertSeverity;
  kind: string;
  model?: string;
  experimentId?: string;
  message: string;
  details?: unknown;
  /** Names one event: a retried activity raises it once, even after it was acknowledged. */
  dedupeKey: string;
}

export function createAlertActivities({ db }: ActivityDeps) {
  return {
    async raiseAlert(input: RaiseAlertInput): Promise<void> {
      const modelId = input.model ? (await getModel(db, input.model)).model_id : null;
      await raiseAlert(
        db,
        {
          severity: input.severity,
          kind: input.kind,
          modelId,
          experimentId: input.experimentId ?? null,
          message: input.message,
          details: input.details ?? {},
          dedupeKey: input.dedupeKey,
        },
        'event',
      );
    },
  };
}
