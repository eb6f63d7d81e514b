-- Model registry: models, immutable versions, aliases with full history.
-- Fixes from the original: versions are numbered per model by the database (no races, no invented ids),
-- lineage is a real foreign key, aliases replace the free-text "stage" column as the thing routing reads,
-- and every alias move is kept so "which version was champion at time T" is one indexed query.

CREATE TABLE models (
  model_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name              text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
  prediction_target text NOT NULL CHECK (prediction_target IN ('prob_up', 'prob_down', 'price_change_pct')),
  -- { version, names: [...] }: the order is the order of the model's input tensor.
  feature_schema    jsonb NOT NULL CHECK (jsonb_typeof(feature_schema) = 'object'),
  symbol            text,
  timeframe         text,
  description       text NOT NULL DEFAULT '',
  -- Validation gate and supervision policy declared per model (zod-validated by the application).
  gate_policy       jsonb NOT NULL DEFAULT '{}'::jsonb,
  supervisor_policy jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Next version number to hand out. Taking it with UPDATE ... RETURNING row-locks the model, so two
  -- concurrent registrations get distinct numbers without a retry loop.
  next_version      integer NOT NULL DEFAULT 1 CHECK (next_version >= 1),
  created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE model_versions (
  version_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  model_id              bigint NOT NULL REFERENCES models (model_id),
  version               integer NOT NULL CHECK (version >= 1),
  parent_version_id     bigint REFERENCES model_versions (version_id),
  stage                 text NOT NULL DEFAULT 'development'
                        CHECK (stage IN ('development', 'staging', 'production', 'archived')),
  trainer               text NOT NULL,
  hyperparameters       jsonb NOT NULL DEFAULT '{}'::jsonb,
  metrics               jsonb NOT NULL DEFAULT '{}'::jsonb,
  feature_schema        jsonb NOT NULL,
  training_window_start timestamptz,
  training_window_end   timestamptz,
  onnx                  bytea NOT NULL,
  onnx_sha256           text NOT NULL CHECK (onnx_sha256 ~ '^[0-9a-f]{64}$'),
  created_by            text NOT NULL,
  workflow_id           text,
  -- Lets a retried registration activity find the version it already created instead of adding another.
  idempotency_key       text UNIQUE,
  created_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (model_id, version),
  UNIQUE (model_id, version_id),
  CHECK (training_window_end IS NULL OR training_window_start IS NULL
         OR training_window_start < training_window_end)
);
CREATE INDEX model_versions_parent_idx ON model_versions (parent_version_id) WHERE parent_version_id IS NOT NULL;

-- A version is immutable once written; only its stage moves (kept consistent with aliases by the registry).
CREATE FUNCTION model_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'model_versions rows are immutable: archive version % instead of deleting it', OLD.version_id;
  END IF;
  IF (NEW.model_id, NEW.version, NEW.parent_version_id, NEW.trainer, NEW.hyperparameters, NEW.metrics,
      NEW.feature_schema, NEW.training_window_start, NEW.training_window_end, NEW.onnx, NEW.onnx_sha256,
      NEW.created_by, NEW.workflow_id, NEW.idempotency_key, NEW.created_at)
     IS DISTINCT FROM
     (OLD.model_id, OLD.version, OLD.parent_version_id, OLD.trainer, OLD.hyperparameters, OLD.metrics,
      OLD.feature_schema, OLD.training_window_start, OLD.training_window_end, OLD.onnx, OLD.onnx_sha256,
      OLD.created_by, OLD.workflow_id, OLD.idempotency_key, OLD.created_at) THEN
    RAISE EXCEPTION 'model_versions rows are immutable: only stage may change (version %)', OLD.version_id;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER model_versions_immutable BEFORE UPDATE OR DELETE ON model_versions
  FOR EACH ROW EXECUTE FUNCTION model_versions_immutable();

CREATE TABLE model_aliases (
  model_id   bigint NOT NULL REFERENCES models (model_id),
  alias      text NOT NULL CHECK (alias IN ('champion', 'challenger', 'shadow')),
  version_id bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL,
  PRIMARY KEY (model_id, alias),
  -- The composite key makes it impossible to point an alias at another model's version.
  FOREIGN KEY (model_id, version_id) REFERENCES model_versions (model_id, version_id)
);

-- One row per period during which an alias pointed at a version; valid_to NULL = current.
-- version_id NULL records a period in which the alias was removed.
CREATE TABLE model_alias_history (
  history_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  model_id   bigint NOT NULL REFERENCES models (model_id),
  alias      text NOT NULL CHECK (alias IN ('champion', 'challenger', 'shadow')),
  version_id bigint REFERENCES model_versions (version_id),
  valid_from timestamptz NOT NULL,
  valid_to   timestamptz,
  changed_by text NOT NULL,
  reason     text NOT NULL DEFAULT '',
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE UNIQUE INDEX model_alias_history_current_idx ON model_alias_history (model_id, alias) WHERE valid_to IS NULL;
CREATE INDEX model_alias_history_lookup_idx ON model_alias_history (model_id, alias, valid_from DESC);

-- Reference profiles per version and feature, fitted from the training data at registration, so drift
-- checks run against stored profiles instead of re-reading the training set.
CREATE TABLE feature_distribution_snapshots (
  snapshot_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  version_id   bigint NOT NULL REFERENCES model_versions (version_id),
  feature_name text NOT NULL,
  kind         text NOT NULL DEFAULT 'reference' CHECK (kind IN ('reference', 'live')),
  window_start timestamptz,
  window_end   timestamptz,
  n            bigint NOT NULL CHECK (n >= 0),
  mean         double precision,
  std_dev      double precision CHECK (std_dev IS NULL OR std_dev >= 0),
  min_value    double precision,
  max_value    double precision,
  bin_edges    double precision[],
  bin_counts   bigint[],
  -- The full profile as the statistics core serialises it (quantile edges, counts, bounded sample).
  profile      jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX feature_distribution_reference_idx
  ON feature_distribution_snapshots (version_id, feature_name) WHERE kind = 'reference';
CREATE INDEX feature_distribution_live_idx
  ON feature_distribution_snapshots (version_id, feature_name, window_end) WHERE kind = 'live';
