import type { Generated, Selectable } from 'kysely';

/**
 * Why an acknowledged outcome has no prediction: none has its id (yet), or this router dropped the
 * prediction's log row (buffer full, refused by PostgreSQL).
 */
export type UnmatchedOutcomeReason = 'no_prediction' | 'prediction_dropped';

/** Table `unmatched_outcomes` (migration 012). */
export interface UnmatchedOutcomeTable {
  prediction_id: string;
  correct: boolean | null;
  trade_return: number | null;
  signal_generated: boolean | null;
  reason: UnmatchedOutcomeReason;
  received_at: Generated<Date>;
  matched_at: Date | null;
  matched_as_duplicate: boolean | null;
}

export type UnmatchedOutcomeRow = Selectable<UnmatchedOutcomeTable>;
