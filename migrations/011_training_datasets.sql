-- The data a retraining job trains, validates and registers on, prepared once when the job starts.
-- Training, validation against the champion, and the registered version's reference profiles must
-- all see the same rows; re-reading bars in each activity gave different data whenever bars in the
-- window were corrected or backfilled while the job ran. The first preparation of a job is kept
-- (a retried activity finds it), and so is the row after the job ends: it is the exact training
-- set behind the version the job registered.
CREATE TABLE training_datasets (
  job_id        uuid PRIMARY KEY REFERENCES retraining_jobs (job_id),
  target        text NOT NULL CHECK (target IN ('prob_up', 'price_change_pct')),
  bars          integer NOT NULL CHECK (bars > 0),
  window_start  timestamptz NOT NULL,
  window_end    timestamptz NOT NULL CHECK (window_end >= window_start),
  train_rows    integer NOT NULL CHECK (train_rows >= 0),
  holdout_rows  integer NOT NULL CHECK (holdout_rows >= 0),
  -- encodePreparedData (src/ml/training/prepared-data-codec.ts): header and float64 columns.
  payload       bytea NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
