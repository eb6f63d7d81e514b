import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';
import type { AlertSeverity } from '../tables/alerts.table';

/**
 * An operator alert to store.
 *
 * ### Examples
 * ```ts
 * const alert: NewAlert = {
 *   severity: 'warning', kind: 'guardrail_breach', modelId: '1', experimentId: 'e1',
 *   message: 'max drawdown breached', details: { metric: 'drawdown' }, dedupeKey: 'guardrail:e1',
 * };
 * ```
 */
export interface NewAlert {
  severity: AlertSeverity;
  kind: string;
  modelId: string | null;
  experimentId: string | null;
  message: string;
  details: unknown;
  dedupeKey: string;
}

/**
 * What a dedupe key stands for:
 * - `'condition'`: a state that can come back (a broken version, a misconfiguration): a second
 *   alert is stored once the first one was acknowledged;
 * - `'event'`: one thing that happened (a workflow's rejected challenger): stored once ever, so a
 *   retried activity does not raise it again after an operator acknowledged it.
 */
export type DedupeScope = 'condition' | 'event';

/**
 * Stores an alert unless an open alert (`'condition'`) or any alert (`'event'`) has its dedupe key;
 * resolves true when this call stored it. Concurrent calls with one key store one row (the partial
 * unique index on open alerts, migration 013).
 *
 * ### Examples
 * ```ts
 * declare const id: string;
 * declare const alert: NewAlert;
 * declare const db: Kysely<Database>;
 * await raiseAlert(db, alert, 'condition'); // true
 * await raiseAlert(db, alert, 'condition'); // false: still open
 * await acknowledgeAlert(db, id, 'cli:ada');
 * await raiseAlert(db, alert, 'condition'); // true: the condition is back
 * ```
 */
export async function raiseAlert(
  db: Kysely<Database>,
  alert: NewAlert,
  scope: DedupeScope,
): Promise<boolean> {
  // An event already raised stays raised, even acknowledged (a retried activity). Two concurrent
  // first raises both get here; the unique index keeps one.
  if (scope === 'event') {
    const seen = await db
      .selectFrom('alerts')
      .select('alert_id')
      .where('dedupe_key', '=', alert.dedupeKey)
      .limit(1)
      .executeTakeFirst();
    if (seen !== undefined) return false;
  }
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
    .onConflict((oc) => oc.column('dedupe_key').where('acknowledged_at', 'is', null).doNothing())
    .returning('alert_id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * One alert as the CLI and the dashboard show it.
 *
 * ### Examples
 * ```ts
 * declare const db: Kysely<Database>;
 * const [first]: ListedAlert[] = await listAlerts(db, { state: 'open' });
 * ```
 */
export interface ListedAlert {
  alert_id: string;
  severity: AlertSeverity;
  kind: string;
  model: string | null;
  experiment_id: string | null;
  message: string;
  created_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
}

/**
 * Alerts newest first: open ones (by raise time), acknowledged ones (by acknowledgement time) or all
 * (by raise time).
 *
 * ### Examples
 * ```ts
 * declare const db: Kysely<Database>;
 * await listAlerts(db, { state: 'open', limit: 200 });
 * await listAlerts(db, { state: 'acknowledged', limit: 20 });
 * ```
 */
export async function listAlerts(
  db: Kysely<Database>,
  options: { state: 'open' | 'acknowledged' | 'all'; limit?: number },
): Promise<ListedAlert[]> {
  let query = db
    .selectFrom('alerts as a')
    .leftJoin('models as m', 'm.model_id', 'a.model_id')
    .select([
      'a.alert_id',
      'a.severity',
      'a.kind',
      'm.name as model',
      'a.experiment_id',
      'a.message',
      'a.created_at',
      'a.acknowledged_at',
      'a.acknowledged_by',
    ])
    .limit(options.limit ?? 200);
  if (options.state === 'open') query = query.where('a.acknowledged_at', 'is', null);
  if (options.state === 'acknowledged') query = query.where('a.acknowledged_at', 'is not', null);
  query =
    options.state === 'acknowledged'
      ? query.orderBy('a.acknowledged_at', 'desc')
      : query.orderBy('a.created_at', 'desc').orderBy('a.alert_id', 'desc');
  return query.execute();
}

/**
 * Result of {@link acknowledgeAlert}.
 *
 * ### Examples
 * ```ts
 * const r: AlertAcknowledgement = { outcome: 'already', by: 'cli:ada' };
 * ```
 */
export type AlertAcknowledgement =
  { outcome: 'acknowledged' } | { outcome: 'already'; by: string | null } | { outcome: 'missing' };

/**
 * Acknowledges (closes) an open alert. Once acknowledged, the same condition can alert again.
 *
 * ### Examples
 * ```ts
 * declare const db: Kysely<Database>;
 * await acknowledgeAlert(db, '12', 'dashboard:Ada'); // { outcome: 'acknowledged' }
 * await acknowledgeAlert(db, '12', 'cli:bob');       // { outcome: 'already', by: 'dashboard:Ada' }
 * ```
 */
export async function acknowledgeAlert(
  db: Kysely<Database>,
  alertId: string,
  by: string,
  at?: Date,
): Promise<AlertAcknowledgement> {
  const updated = await db
    .updateTable('alerts')
    .set({ acknowledged_at: at ?? sql<Date>`now()`, acknowledged_by: by })
    .where('alert_id', '=', alertId)
    .where('acknowledged_at', 'is', null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 1) return { outcome: 'acknowledged' };
  const row = await db
    .selectFrom('alerts')
    .select('acknowledged_by')
    .where('alert_id', '=', alertId)
    .executeTakeFirst();
  return row === undefined ? { outcome: 'missing' } : { outcome: 'already', by: row.acknowledged_by };
}

/** How many alerts no operator has acknowledged yet (across every model). */
export async function countOpenAlerts(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('alerts')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('acknowledged_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Unacknowledged alerts per model (model_id null: alerts about no model); n is a bigint string. */
export async function countOpenAlertsByModel(
  db: Kysely<Database>,
): Promise<Array<{ model_id: string | null; n: string }>> {
  return db
    .selectFrom('alerts')
    .select(['model_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('acknowledged_at', 'is', null)
    .groupBy('model_id')
    .execute();
}
