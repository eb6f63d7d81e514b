import type { AlertSeverity } from '../db/tables/alerts.table';
import { getModel } from '../db/repositories/model.repository';
import type { ActivityDeps } from './activity-deps';

export interface RaiseAlertInput {
  severity: AlertSeverity;
  kind: string;
  model?: string;
  experimentId?: string;
  message: string;
  details?: unknown;
  /** A retried activity raises the same alert once. */
  dedupeKey: string;
}

export function createAlertActivities({ db }: ActivityDeps) {
  return {
    async raiseAlert(input: RaiseAlertInput): Promise<void> {
      const modelId = input.model ? (await getModel(db, input.model)).model_id : null;
      await db
        .insertInto('alerts')
        .values({
          severity: input.severity,
          kind: input.kind,
          model_id: modelId,
          experiment_id: input.experimentId ?? null,
          message: input.message,
          details: JSON.stringify(input.details ?? {}),
          dedupe_key: input.dedupeKey,
        })
        .onConflict((oc) => oc.column('dedupe_key').doNothing())
        .execute();
    },
  };
}
