-- A/B experiments between N model versions of one model.
-- Fixes from the original (seed 004): N arms instead of control/treatment columns, each arm a real
-- model version with a weight; one outcome per prediction enforced by the primary key (a repeated report
-- counts once); accuracy = correct / labelled outcomes, not / all outcomes of the other arms too.

CREATE TABLE experiments (
  experiment_id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  model_id             bigint NOT NULL REFERENCES models (model_id),
  name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description          text NOT NULL DEFAULT '',
  status               text NOT NULL DEFAULT 'created'
                       CHECK (status IN ('created', 'running', 'paused', 'completed', 'stopped', 'failed')),
  allocation_strategy  text NOT NULL DEFAULT 'hash'
                       CHECK (allocation_strategy IN ('hash', 'random', 'epsilon_greedy', 'thompson')),
  -- Hash salt: changing it reshuffles every unit, so it is fixed at creation.
  salt                 text NOT NULL,
  coverage             double precision NOT NULL DEFAULT 1 CHECK (coverage > 0 AND coverage <= 1),
  layer                text,
  primary_metric       text NOT NULL DEFAULT 'accuracy' CHECK (primary_metric IN ('accuracy', 'return')),
  alpha                double precision NOT NULL DEFAULT 0.05 CHECK (alpha > 0 AND alpha < 0.5),
  minimum_detectable_effect double precision CHECK (minimum_detectable_effect > 0),
  min_samples_per_variant integer NOT NULL DEFAULT 100 CHECK (min_samples_per_variant >= 1),
  max_samples_per_variant integer CHECK (max_samples_per_variant >= 1),
  max_duration_seconds integer CHECK (max_duration_seconds > 0),
  -- Guardrails (max loss, max drawdown per arm), auto-promotion and analysis cadence.
  policy               jsonb NOT NULL DEFAULT '{}'::jsonb,
  winner_variant       text,
  completion_reason    text,
  results              jsonb,
  workflow_id          text UNIQUE,
  created_by           text NOT NULL DEFAULT 'unknown',
  created_at           timestamptz NOT NULL DEFAULT now(),
  started_at           timestamptz,
  ended_at             timestamptz,
  CHECK (max_samples_per_variant IS NULL OR max_samples_per_variant >= min_samples_per_variant),
  CHECK ((status IN ('completed', 'stopped', 'failed')) = (ended_at IS NOT NULL))
);
-- A model is in at most one live experiment at a time.
CREATE UNIQUE INDEX experiments_one_live_per_model_idx ON experiments (model_id)
  WHERE status IN ('created', 'running', 'paused');
CREATE INDEX experiments_status_idx ON experiments (status, created_at DESC);

CREATE TABLE experiment_variants (
  experiment_id uuid NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
  variant       text NOT NULL CHECK (variant ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
  model_id      bigint NOT NULL,
  version_id    bigint NOT NULL,
  weight        double precision NOT NULL CHECK (weight >= 0 AND weight <= 1),
  is_control    boolean NOT NULL DEFAULT false,
  PRIMARY KEY (experiment_id, variant),
  FOREIGN KEY (model_id, version_id) REFERENCES model_versions (model_id, version_id)
);
CREATE UNIQUE INDEX experiment_variants_one_control_idx ON experiment_variants (experiment_id) WHERE is_control;

-- Keep predictions' experiment/variant honest without a join on the hot path.
ALTER TABLE predictions ADD FOREIGN KEY (experiment_id, variant)
  REFERENCES experiment_variants (experiment_id, variant);

-- Routing decisions (one per /v1/predict or /v1/route call inside an experiment).
-- Same scale strategy as predictions: UUIDv7 key, BRIN on time, one narrow B-tree for per-arm counts (SRM).
CREATE TABLE experiment_assignments (
  assignment_id uuid PRIMARY KEY,
  experiment_id uuid NOT NULL REFERENCES experiments (experiment_id),
  variant       text NOT NULL,
  unit_id       text NOT NULL,
  assigned_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX experiment_assignments_arm_idx ON experiment_assignments (experiment_id, variant);
CREATE INDEX experiment_assignments_time_brin ON experiment_assignments USING brin (assigned_at)
  WITH (pages_per_range = 32);

-- Outcomes of predictions: one per prediction (primary key), so a repeated report is a no-op.
-- Outcomes of champion-only predictions are stored here too (experiment_id NULL): performance
-- monitoring reads the same table.
CREATE TABLE experiment_outcomes (
  prediction_id    uuid PRIMARY KEY,
  model_id         bigint NOT NULL,
  version_id       bigint NOT NULL,
  experiment_id    uuid REFERENCES experiments (experiment_id),
  variant          text,
  correct          boolean,
  trade_return     double precision CHECK (trade_return IS NULL OR trade_return > -1e6 AND trade_return < 1e6),
  signal_generated boolean,
  prediction_at    timestamptz NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((experiment_id IS NULL) = (variant IS NULL))
);
CREATE INDEX experiment_outcomes_arm_idx ON experiment_outcomes (experiment_id, variant) WHERE experiment_id IS NOT NULL;
CREATE INDEX experiment_outcomes_version_time_idx ON experiment_outcomes (version_id, prediction_at);
CREATE INDEX experiment_outcomes_recorded_brin ON experiment_outcomes USING brin (recorded_at)
  WITH (pages_per_range = 32);

-- Per-arm summary. Assignments and outcomes are aggregated separately and then joined, so that the
-- join never multiplies rows (the original joined them raw and divided by the wrong count).
CREATE MATERIALIZED VIEW experiment_metrics_summary AS
WITH arms AS (
  SELECT experiment_id, variant FROM experiment_variants
), assigned AS (
  SELECT experiment_id, variant, count(*) AS assignments
  FROM experiment_assignments GROUP BY experiment_id, variant
), outcomes AS (
  SELECT experiment_id, variant,
         count(*) AS outcomes,
         count(correct) AS labelled,
         count(*) FILTER (WHERE correct) AS correct,
         count(trade_return) AS returns_n,
         coalesce(sum(trade_return), 0) AS return_sum,
         coalesce(sum(trade_return * trade_return), 0) AS return_sum_sq,
         count(*) FILTER (WHERE signal_generated) AS signals
  FROM experiment_outcomes WHERE experiment_id IS NOT NULL GROUP BY experiment_id, variant
)
SELECT a.experiment_id, a.variant,
       coalesce(s.assignments, 0) AS assignments,
       coalesce(o.outcomes, 0) AS outcomes,
       coalesce(o.labelled, 0) AS labelled,
       coalesce(o.correct, 0) AS correct,
       CASE WHEN coalesce(o.labelled, 0) > 0 THEN o.correct::double precision / o.labelled END AS accuracy,
       coalesce(o.returns_n, 0) AS returns_n,
       coalesce(o.return_sum, 0) AS total_return,
       CASE WHEN coalesce(o.returns_n, 0) > 0 THEN o.return_sum / o.returns_n END AS mean_return,
       CASE WHEN coalesce(o.returns_n, 0) > 1
            THEN greatest((o.return_sum_sq - o.return_sum * o.return_sum / o.returns_n) / (o.returns_n - 1), 0)
       END AS return_variance,
       coalesce(o.signals, 0) AS signals,
       now() AS refreshed_at
FROM arms a
LEFT JOIN assigned s USING (experiment_id, variant)
LEFT JOIN outcomes o USING (experiment_id, variant);
-- REFRESH ... CONCURRENTLY needs a unique index; it lets readers keep reading during the refresh.
CREATE UNIQUE INDEX experiment_metrics_summary_pk ON experiment_metrics_summary (experiment_id, variant);

CREATE FUNCTION refresh_experiment_metrics_summary() RETURNS void LANGUAGE sql AS $$
  REFRESH MATERIALIZED VIEW CONCURRENTLY experiment_metrics_summary;
$$;
