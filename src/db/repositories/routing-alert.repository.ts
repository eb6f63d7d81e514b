import type { Kysely } from 'kysely';
import type { Database } from '../database';
import type { AlertSeverity } from '../tables/alerts.table';

/**
 * An alert raised by the router.
 *
 * ### Examples
 * ```ts
 * const alert: RouterAlertInput = {
 *   severity: 'critical', kind: 'model_version_broken', modelId: '1', experimentId: null,
 *   message: 'version 4 of btc-1h failed to load; serving the champion', details: { versionId: '9' },
 *   dedupeKey: 'router:model_version_broken:9',
 * };
 * ```
 */
export interface RouterAlertInput {
  severity: AlertSeverity;
  kind: string;
  modelId: string | null;
  experimentId: string | null;
  message: string;
  details: unknown;
  /** Alerts with the same key are stored once, however many routers raise them. */
  dedupeKey: string;
}

/**
 * Inserts an alert unless one with the same dedupe key exists; resolves true when this call
 * stored it.
 *
 * ### Examples
 * ```ts
 * await raiseRouterAlert(db, alert); // true
 * await raiseRouterAlert(db, alert); // false (deduplicated)
 * ```
 */
export async function raiseRouterAlert(db: Kysely<Database>, alert: RouterAlertInput): Promise<boolean> {
  const row = await db
    .insertInto('alerts')
    .values({
      severity: alert.severity,
      kind: alert.kind,
      model_id: alert.modelId,
      experiment_id: alert.experimentId,
      message: alert.message,
      details: JSON.stringify(alert.details ?? {}),
      dedupe_key: alert.dedupeKey,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('alert_id')
    .executeTakeFirst();
  return row !== undefined;
}
