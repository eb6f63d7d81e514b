import type { Kysely } from 'kysely';
import type { Database } from '../database';
import { raiseAlert, type NewAlert } from './alert.repository';

/**
 * An alert raised by the router. Its dedupe key names a condition (a broken version, a
 * misconfigured experiment), so it is stored again once the previous one was acknowledged.
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
export type RouterAlertInput = NewAlert;

/**
 * Inserts an alert unless an open one has the same dedupe key; resolves true when this call
 * stored it. However many routers raise it, an open condition is one row.
 *
 * ### Examples
 * ```ts
 * declare const alert: RouterAlertInput;
 * declare const db: Kysely<Database>;
 * await raiseRouterAlert(db, alert); // true
 * await raiseRouterAlert(db, alert); // false (still open)
 * ```
 */
export async function raiseRouterAlert(db: Kysely<Database>, alert: RouterAlertInput): Promise<boolean> {
  return raiseAlert(db, alert, 'condition');
}
