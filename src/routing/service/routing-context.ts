import type { Rng } from '../../stats/random';
import type { AssignmentLogRow, PredictionLogRow } from '../../db/repositories/routing-log.repository';
import type { AdaptiveReweighter } from './config/adaptive-reweighter';
import type { ConfigStore } from './config/config-store';
import type { ModelSessionCache } from './inference/model-session-cache';
import type { BatchLog } from './logs/batch-log';
import type { RouterLogger } from './observability/router-logger';
import type { RouterMetrics } from './observability/router-metrics';
import type { OutcomeCommitter } from './outcomes/outcome-committer';
import type { Strategy } from './signal/strategy-config';

/**
 * Everything the endpoint handlers share within one router: live configuration, ONNX sessions,
 * batched logs, the outcome committer, strategies, metrics and logger.
 *
 * ### Examples
 * ```ts
 * declare const context: RoutingContext;
 * declare const row: Parameters<RoutingContext['predictionLog']['append']>[2];
 * const snapshot = context.store.snapshot;
 * context.predictionLog.append(row.predictionId, row.createdAtMs, row);
 * ```
 */
export interface RoutingContext {
  readonly store: ConfigStore;
  readonly reweighter: AdaptiveReweighter;
  readonly sessions: ModelSessionCache;
  /** Predictions, encoded for COPY when appended. */
  readonly predictionLog: BatchLog<PredictionLogRow>;
  /** Assignments, encoded for COPY when appended. */
  readonly assignmentLog: BatchLog<AssignmentLogRow>;
  readonly committer: OutcomeCommitter;
  /** Current strategies by id (replaced on /admin/reload). */
  strategies(): ReadonlyMap<string, Strategy>;
  /** Re-reads the strategies file (when strategies come from one); throws StrategyConfigError. */
  reloadStrategies(): Promise<void>;
  readonly metrics: RouterMetrics;
  readonly logger: RouterLogger;
  /** Generator of the `random` allocation strategy. */
  readonly rng: Rng;
  /** Whether the last PostgreSQL operation succeeded. */
  databaseUp(): boolean;
  /** True once shutdown has begun (readiness turns false so the load balancer drains us). */
  draining(): boolean;
}
