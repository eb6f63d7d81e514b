-- Alerts deduplicate against OPEN alerts only, and dashboard sessions can be ended server-side.
--
-- 006 made alerts.dedupe_key unique for ever, so a condition that was acknowledged and came back
-- (a version that broke again, a second misconfiguration of the same experiment) never alerted
-- again. The key now only has to be unique among alerts nobody has acknowledged yet: raising an
-- alert that is already open is a no-op (the retried activity, the second router), raising it
-- after the operator acknowledged the first one stores a new alert.
ALTER TABLE alerts DROP CONSTRAINT alerts_dedupe_key_key;
CREATE UNIQUE INDEX alerts_open_dedupe_key_idx ON alerts (dedupe_key) WHERE acknowledged_at IS NULL;
-- "Was this ever raised?" (workflow keys name one event each) stays an index probe.
CREATE INDEX alerts_dedupe_key_idx ON alerts (dedupe_key) WHERE dedupe_key IS NOT NULL;

-- Dashboard session cookies are signed and stateless (any router accepts them); each carries the
-- epoch of its operator name at login. Logging out bumps that epoch, which every dashboard process
-- reads from here, so the cookies issued before it (in this browser or a copied one) stop working
-- everywhere at once. A missing row is epoch 0.
CREATE TABLE dashboard_session_epochs (
  operator   text PRIMARY KEY CHECK (length(operator) BETWEEN 1 AND 40),
  epoch      bigint NOT NULL CHECK (epoch >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
