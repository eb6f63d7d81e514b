-- Per-arm counts of routed predictions (SRM, experiment analysis) read predictions by experiment;
-- without this partial index that scan read every prediction of every model. Partial, so the
-- champion-only traffic (experiment_id NULL), which is most rows, costs nothing.
CREATE INDEX predictions_experiment_arm_idx ON predictions (experiment_id, variant)
  WHERE experiment_id IS NOT NULL AND NOT is_shadow;
