-- Operator alerts raised by workflows and the router (SRM, guardrail breaches, rejected challengers,
-- broken model versions). dedupe_key lets a retried activity raise the same alert only once.
CREATE TABLE alerts (
  alert_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  severity        text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  kind            text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,63}$'),
  model_id        bigint REFERENCES models (model_id),
  experiment_id   uuid REFERENCES experiments (experiment_id),
  message         text NOT NULL,
  details         jsonb NOT NULL DEFAULT '{}'::jsonb,
  dedupe_key      text UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  acknowledged_at timestamptz,
  acknowledged_by text,
  CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL))
);
CREATE INDEX alerts_open_idx ON alerts (created_at DESC) WHERE acknowledged_at IS NULL;
CREATE INDEX alerts_model_idx ON alerts (model_id, created_at DESC) WHERE model_id IS NOT NULL;
