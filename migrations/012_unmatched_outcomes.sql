-- Outcomes the router acknowledged without finding their prediction or assignment.
--
-- A prediction row can be missing when its outcome arrives: the router's log buffer was full and
-- dropped it, PostgreSQL refused it, or the router crashed before writing it; or the engine reports
-- for an id the router never issued. An engine told 202 does not resend, so such an outcome is kept
-- here, with the reason the router gave, instead of being lost. Routers match open rows against
-- predictions and assignments logged later (a delayed flush, another router's buffer) and move them
-- into experiment_outcomes, stamping matched_at; operators can query and match the rest.
CREATE TABLE unmatched_outcomes (
  prediction_id    uuid PRIMARY KEY,
  correct          boolean,
  trade_return     double precision CHECK (trade_return IS NULL OR trade_return > -1e6 AND trade_return < 1e6),
  signal_generated boolean,
  -- 'no_prediction': no served prediction or assignment has this id (yet);
  -- 'prediction_dropped': this router dropped the prediction's log row (buffer full or refused).
  reason           text NOT NULL CHECK (reason IN ('no_prediction', 'prediction_dropped')),
  received_at      timestamptz NOT NULL DEFAULT now(),
  -- When a later prediction or assignment with this id was found and the outcome was stored in
  -- experiment_outcomes (or found there already: matched_as_duplicate).
  matched_at       timestamptz,
  matched_as_duplicate boolean,
  CHECK ((matched_at IS NULL) = (matched_as_duplicate IS NULL))
);
CREATE INDEX unmatched_outcomes_open_idx ON unmatched_outcomes (received_at) WHERE matched_at IS NULL;
