-- Work area of a retraining job between its activities: the trained artifact waits here for
-- validation and registration, so that neither the model nor its data ever pass through workflow
-- history. One row per job; a retried activity overwrites its own row.
CREATE TABLE training_runs (
  job_id          uuid PRIMARY KEY REFERENCES retraining_jobs (job_id),
  kind            text NOT NULL CHECK (kind IN ('logistic-regression', 'gbdt-classifier', 'gbdt-regressor')),
  params          jsonb NOT NULL,
  onnx            bytea NOT NULL,
  feature_schema  jsonb NOT NULL,
  -- How far training got and from where it resumed (observability of crash recovery).
  iterations      integer NOT NULL CHECK (iterations >= 0),
  resumed_from    integer,
  evaluation      jsonb,
  gate            jsonb,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
