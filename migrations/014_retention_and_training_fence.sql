-- The attempt of trainCandidate that wrote a job's training run, so that an abandoned attempt (its
-- worker lost contact, Temporal timed it out and started a newer one elsewhere) cannot overwrite
-- what the newer attempt trained and validateCandidate then evaluated. The write is a
-- compare-and-set on the time Temporal scheduled the attempt: that time grows with every retry
-- and with every new run of the workflow (a reset), where the attempt number starts again at 1.
-- Rows written before this migration have neither and are overwritten by any attempt, as before.
ALTER TABLE training_runs
  ADD COLUMN attempt integer CHECK (attempt IS NULL OR attempt >= 1),
  ADD COLUMN attempt_scheduled_at timestamptz;

-- Retention (src/db/repositories/retention.repository.ts) removes acknowledged alerts by age.
CREATE INDEX alerts_acknowledged_idx ON alerts (acknowledged_at) WHERE acknowledged_at IS NOT NULL;
