-- The weights an adaptive experiment (epsilon_greedy, thompson) served in each allocation epoch, so
-- the experiment analysis can check sample ratio per epoch against what was actually served
-- (loadPeriodAggregates fills `servedWeight` from it). Every router computes the same weights for an
-- epoch (seeded by experiment and epoch, from outcomes before the epoch start), so the first router
-- to apply them writes the row and the others' inserts are no-ops; `applied_at` is when that first
-- router swapped them in (until then the previous epoch's weights were served).
CREATE TABLE experiment_served_weights (
  experiment_id uuid NOT NULL,
  epoch_start   timestamptz NOT NULL,
  epoch_end     timestamptz NOT NULL CHECK (epoch_end > epoch_start),
  variant       text NOT NULL,
  weight        double precision NOT NULL CHECK (weight >= 0 AND weight <= 1),
  applied_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (experiment_id, epoch_start, variant),
  FOREIGN KEY (experiment_id, variant) REFERENCES experiment_variants (experiment_id, variant) ON DELETE CASCADE
);
