import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface AlertTable {
  alert_id: Generated<string>;
  severity: AlertSeverity;
  kind: string;
  model_id: string | null;
  experiment_id: string | null;
  message: string;
  details: ColumnType<unknown, string | undefined, never>;
  dedupe_key: string | null;
  created_at: Generated<Date>;
  acknowledged_at: ColumnType<Date | null, never, Date | string | null>;
  acknowledged_by: ColumnType<string | null, never, string | null>;
}

export type AlertRow = Selectable<AlertTable>;
export type NewAlertRow = Insertable<AlertTable>;
