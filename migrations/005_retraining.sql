-- Retraining jobs, drift events, daily performance history (seed 005, with the original's gaps fixed:
-- real foreign keys, states as CHECKs, terminal states carry an end time, one row per day per version).

CREATE TABLE retraining_jobs (
  job_id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  model_id        bigint NOT NULL REFERENCES models (model_id),
  -- Per-model sequence number: gives readable workflow ids (retrain:<model>:<n>).
  job_number      integer NOT NULL CHECK (job_number >= 1),
  trigger         text NOT NULL CHECK (trigger IN ('scheduled', 'drift', 'performance', 'manual')),
  reason          text NOT NULL DEFAULT '',
  requested_by    text NOT NULL DEFAULT 'system',
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'running', 'completed', 'rejected', 'failed', 'cancelled')),
  workflow_id     text UNIQUE,
  base_version_id bigint REFERENCES model_versions (version_id),
  new_version_id  bigint REFERENCES model_versions (version_id),
  experiment_id   uuid REFERENCES experiments (experiment_id),
  data_window_start timestamptz,
  data_window_end   timestamptz,
  drift_metrics   jsonb,
  performance_comparison jsonb,
  error_message   text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  ended_at        timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (model_id, job_number),
  CHECK ((status IN ('completed', 'rejected', 'failed', 'cancelled')) = (ended_at IS NOT NULL))
);
CREATE INDEX retraining_jobs_model_idx ON retraining_jobs (model_id, created_at DESC);
CREATE INDEX retraining_jobs_active_idx ON retraining_jobs (status) WHERE status IN ('pending', 'running');

CREATE TABLE drift_detection_events (
  event_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  model_id       bigint NOT NULL REFERENCES models (model_id),
  version_id     bigint REFERENCES model_versions (version_id),
  drift_type     text NOT NULL CHECK (drift_type IN ('data_drift', 'prediction_drift', 'performance_drift', 'concept_drift')),
  -- 'dataset' for the dataset-level decision, else the feature (or 'prediction') it is about.
  metric_name    text NOT NULL,
  method         text NOT NULL,
  statistic      double precision NOT NULL,
  p_value        double precision CHECK (p_value IS NULL OR (p_value >= 0 AND p_value <= 1)),
  threshold      double precision NOT NULL,
  is_significant boolean NOT NULL,
  sample_size    integer NOT NULL CHECK (sample_size >= 0),
  window_start   timestamptz,
  window_end     timestamptz,
  check_id       uuid NOT NULL,
  details        jsonb NOT NULL DEFAULT '{}'::jsonb,
  detected_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drift_events_model_time_idx ON drift_detection_events (model_id, detected_at DESC);
CREATE INDEX drift_events_check_idx ON drift_detection_events (check_id);

CREATE TABLE model_performance_history (
  version_id          bigint NOT NULL REFERENCES model_versions (version_id),
  model_id            bigint NOT NULL REFERENCES models (model_id),
  evaluation_date     date NOT NULL,
  predictions_made    bigint NOT NULL DEFAULT 0 CHECK (predictions_made >= 0),
  outcomes_labelled   bigint NOT NULL DEFAULT 0 CHECK (outcomes_labelled >= 0),
  correct_predictions bigint NOT NULL DEFAULT 0 CHECK (correct_predictions >= 0),
  signals_generated   bigint NOT NULL DEFAULT 0 CHECK (signals_generated >= 0),
  profitable_signals  bigint NOT NULL DEFAULT 0 CHECK (profitable_signals >= 0),
  accuracy            double precision CHECK (accuracy BETWEEN 0 AND 1),
  precision           double precision CHECK (precision BETWEEN 0 AND 1),
  recall              double precision CHECK (recall BETWEEN 0 AND 1),
  f1_score            double precision CHECK (f1_score BETWEEN 0 AND 1),
  total_return        double precision,
  sharpe_ratio        double precision,
  max_drawdown        double precision CHECK (max_drawdown IS NULL OR max_drawdown >= 0),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (version_id, evaluation_date),
  CHECK (correct_predictions <= outcomes_labelled)
);
CREATE INDEX model_performance_model_idx ON model_performance_history (model_id, evaluation_date);
