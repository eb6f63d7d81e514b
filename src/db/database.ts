import type { Kysely } from 'kysely';
import type { AlertTable } from './tables/alerts.table';
import type { DashboardSessionEpochTable } from './tables/dashboard-sessions.table';
import type {
  ExperimentAssignmentTable,
  ExperimentMetricsSummaryView,
  ExperimentOutcomeTable,
  ExperimentTable,
  ExperimentVariantTable,
} from './tables/experiments.table';
import type { MarketBarTable } from './tables/market-bars.table';
import type { PredictionTable } from './tables/predictions.table';
import type {
  FeatureDistributionSnapshotTable,
  ModelAliasHistoryTable,
  ModelAliasTable,
  ModelTable,
  ModelVersionTable,
} from './tables/registry.table';
import type {
  DriftDetectionEventTable,
  ModelPerformanceHistoryTable,
  RetrainingJobTable,
  TrainingDatasetTable,
  TrainingRunTable,
} from './tables/retraining.table';

import type { UnmatchedOutcomeTable } from './tables/unmatched-outcomes.table';

/** Every table and view of the schema in migrations/, as kysely sees it. */
export interface Database {
  models: ModelTable;
  model_versions: ModelVersionTable;
  model_aliases: ModelAliasTable;
  model_alias_history: ModelAliasHistoryTable;
  feature_distribution_snapshots: FeatureDistributionSnapshotTable;
  market_bars: MarketBarTable;
  predictions: PredictionTable;
  experiments: ExperimentTable;
  experiment_variants: ExperimentVariantTable;
  experiment_assignments: ExperimentAssignmentTable;
  experiment_outcomes: ExperimentOutcomeTable;
  experiment_metrics_summary: ExperimentMetricsSummaryView;
  retraining_jobs: RetrainingJobTable;
  drift_detection_events: DriftDetectionEventTable;
  model_performance_history: ModelPerformanceHistoryTable;
  training_runs: TrainingRunTable;
  training_datasets: TrainingDatasetTable;
  alerts: AlertTable;
  dashboard_session_epochs: DashboardSessionEpochTable;
  unmatched_outcomes: UnmatchedOutcomeTable;
}

/**
 * The query builder over this schema: the one database type that code outside src/db holds, so that
 * only src/db imports kysely.
 */
export type Db = Kysely<Database>;
