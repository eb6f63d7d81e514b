import type { ColumnType, Selectable } from 'kysely';
import type { Timestamp } from './timestamp';

/**
 * `dashboard_session_epochs` (migration 013): per operator name, the epoch a dashboard session
 * cookie must carry to be accepted; logging out bumps it. No row means epoch 0.
 */
export interface DashboardSessionEpochTable {
  operator: string;
  epoch: ColumnType<string, string | number, string | number>;
  updated_at: Timestamp;
}

export type DashboardSessionEpochRow = Selectable<DashboardSessionEpochTable>;
