-- Live predictions: what drift monitoring reads and what outcomes are reported against.
--
-- Scale (hundreds of millions of rows): BRIN + narrow B-tree indexes, not declarative partitioning.
--  * Rows arrive in time order and are never updated, so a BRIN index on created_at is a few hundred KB
--    at 10^8 rows and lets window scans ("the last N hours of model X") skip everything else.
--  * prediction_id is a UUIDv7 made by the router: time-ordered, so its B-tree grows at the right edge
--    like a sequence instead of splitting random pages, and the outcome lookup stays one index probe.
--  * Partitioning would force created_at into every unique key, so an outcome (which only knows the
--    prediction id) could no longer be checked by one primary-key probe; retention is done instead by
--    deleting old created_at ranges in batches, which BRIN makes cheap to find.
CREATE TABLE predictions (
  prediction_id uuid PRIMARY KEY,
  model_id      bigint NOT NULL REFERENCES models (model_id),
  version_id    bigint NOT NULL REFERENCES model_versions (version_id),
  experiment_id uuid,
  variant       text,
  unit_id       text NOT NULL CHECK (length(unit_id) BETWEEN 1 AND 256),
  -- Feature values in the order of the version's feature schema (float8[] is ~4x smaller than jsonb).
  features      double precision[] NOT NULL,
  output        double precision NOT NULL,
  -- Shadow scores are recorded beside the served prediction for paired comparison, never returned.
  is_shadow     boolean NOT NULL DEFAULT false,
  served_prediction_id uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((experiment_id IS NULL) = (variant IS NULL)),
  CHECK (is_shadow = (served_prediction_id IS NOT NULL))
);
CREATE INDEX predictions_created_brin ON predictions USING brin (created_at) WITH (pages_per_range = 32);
CREATE INDEX predictions_model_time_idx ON predictions (model_id, created_at);
CREATE INDEX predictions_shadow_idx ON predictions (served_prediction_id) WHERE is_shadow;
