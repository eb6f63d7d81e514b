-- References of the router's logs checked once per statement instead of once per row.
--
-- The router writes predictions and experiment assignments at tens of thousands of rows per
-- second. A declarative foreign key checks every inserted row on its own (an index probe and a row
-- lock on the parent): measured at about 4 µs of PostgreSQL CPU per reference per row, a third of
-- the cost of storing an assignment. A batch of these rows references a handful of parents, so the
-- same guarantee is kept by one check per statement over the distinct references of the rows it
-- wrote (a transition table), plus triggers on the parents that refuse to delete or re-key a row
-- that is still referenced. Violations raise SQLSTATE 23503 (foreign_key_violation) as the
-- constraints did, which the router treats as a data error: it isolates and drops the bad row.
--
-- Parents are locked FOR KEY SHARE by the check, as the constraint would have, so a concurrent
-- delete of a parent waits for the insert and then sees its rows. The parent side sees rows
-- committed by others only under READ COMMITTED (a built-in constraint checks with a fresher
-- snapshot than its transaction's), so deleting or re-keying a parent is refused in REPEATABLE READ
-- and SERIALIZABLE transactions, and TRUNCATE of a parent is refused while logged rows exist. The
-- application never deletes parents; this guards manual operations.

ALTER TABLE predictions
  DROP CONSTRAINT predictions_model_id_fkey,
  DROP CONSTRAINT predictions_version_id_fkey,
  DROP CONSTRAINT predictions_experiment_id_variant_fkey;
ALTER TABLE experiment_assignments
  DROP CONSTRAINT experiment_assignments_experiment_id_fkey;

CREATE FUNCTION predictions_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing text;
BEGIN
  PERFORM 1 FROM models WHERE model_id IN (SELECT model_id FROM written) FOR KEY SHARE;
  PERFORM 1 FROM model_versions WHERE version_id IN (SELECT version_id FROM written) FOR KEY SHARE;
  PERFORM 1 FROM experiment_variants
   WHERE (experiment_id, variant) IN (SELECT experiment_id, variant FROM written WHERE experiment_id IS NOT NULL)
     FOR KEY SHARE;
  SELECT 'model_id ' || w.model_id INTO missing
    FROM (SELECT DISTINCT model_id FROM written) w
   WHERE NOT EXISTS (SELECT 1 FROM models m WHERE m.model_id = w.model_id)
   LIMIT 1;
  IF missing IS NULL THEN
    SELECT 'version_id ' || w.version_id INTO missing
      FROM (SELECT DISTINCT version_id FROM written) w
     WHERE NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.version_id = w.version_id)
     LIMIT 1;
  END IF;
  -- (experiment_id, variant) matched simply, as the constraint did: a row outside any experiment
  -- (experiment_id NULL) references nothing.
  IF missing IS NULL THEN
    SELECT 'experiment_id ' || w.experiment_id || ' variant ' || w.variant INTO missing
      FROM (SELECT DISTINCT experiment_id, variant FROM written WHERE experiment_id IS NOT NULL AND variant IS NOT NULL) w
     WHERE NOT EXISTS (SELECT 1 FROM experiment_variants v
                        WHERE v.experiment_id = w.experiment_id AND v.variant = w.variant)
     LIMIT 1;
  END IF;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'insert or update on table "predictions" references % which does not exist', missing
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;

-- A trigger with a transition table takes one event, hence one trigger per event.
CREATE TRIGGER predictions_references_inserted AFTER INSERT ON predictions
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION predictions_check_references();
CREATE TRIGGER predictions_references_updated AFTER UPDATE ON predictions
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION predictions_check_references();

CREATE FUNCTION experiment_assignments_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing uuid;
BEGIN
  PERFORM 1 FROM experiments WHERE experiment_id IN (SELECT experiment_id FROM written) FOR KEY SHARE;
  SELECT w.experiment_id INTO missing
    FROM (SELECT DISTINCT experiment_id FROM written) w
   WHERE NOT EXISTS (SELECT 1 FROM experiments e WHERE e.experiment_id = w.experiment_id)
   LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'insert or update on table "experiment_assignments" references experiment_id % which does not exist', missing
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER experiment_assignments_references_inserted AFTER INSERT ON experiment_assignments
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION experiment_assignments_check_references();
CREATE TRIGGER experiment_assignments_references_updated AFTER UPDATE ON experiment_assignments
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION experiment_assignments_check_references();

-- The parents' side of the old constraints (NO ACTION): a row still referenced is neither deleted
-- nor given another key. One row-trigger function for the four parents (parents change rarely);
-- TG_ARGV names the child table, then the key columns it shares with the parent. The checks for
-- models and experiments are index probes; those for model_versions and experiment_variants scan
-- predictions, as the constraints' checks did (no index leads with version_id, and the arm index
-- is partial).
CREATE FUNCTION refuse_change_of_referenced_parent() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  child text := TG_ARGV[0];
  keys text[] := TG_ARGV[1:];
  matches text;
  referenced boolean;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF (SELECT bool_and(to_jsonb(OLD) -> k IS NOT DISTINCT FROM to_jsonb(NEW) -> k) FROM unnest(keys) AS k) THEN
      RETURN NEW;
    END IF;
  END IF;
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION '% on table "%" must run under READ COMMITTED: the reference check cannot see rows other transactions commit meanwhile', TG_OP, TG_TABLE_NAME
      USING ERRCODE = 'feature_not_supported';
  END IF;
  SELECT string_agg(format('%I = ($1).%I', k, k), ' AND ') INTO matches FROM unnest(keys) AS k;
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %s)', child, matches) INTO referenced USING OLD;
  IF referenced THEN
    RAISE EXCEPTION '% on table "%": rows of "%" still reference it (%)', TG_OP, TG_TABLE_NAME, child,
      (SELECT string_agg(k || ' ' || (to_jsonb(OLD) ->> k), ', ') FROM unnest(keys) AS k)
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER models_referenced_by_predictions BEFORE DELETE OR UPDATE OF model_id ON models
  FOR EACH ROW EXECUTE FUNCTION refuse_change_of_referenced_parent('predictions', 'model_id');
CREATE TRIGGER model_versions_referenced_by_predictions BEFORE DELETE OR UPDATE OF version_id ON model_versions
  FOR EACH ROW EXECUTE FUNCTION refuse_change_of_referenced_parent('predictions', 'version_id');
CREATE TRIGGER experiment_variants_referenced_by_predictions BEFORE DELETE OR UPDATE OF experiment_id, variant ON experiment_variants
  FOR EACH ROW EXECUTE FUNCTION refuse_change_of_referenced_parent('predictions', 'experiment_id', 'variant');
CREATE TRIGGER experiments_referenced_by_assignments BEFORE DELETE OR UPDATE OF experiment_id ON experiments
  FOR EACH ROW EXECUTE FUNCTION refuse_change_of_referenced_parent('experiment_assignments', 'experiment_id');

-- TRUNCATE fires no row trigger: refuse it on a parent while logged rows exist (truncate the logs first).
CREATE FUNCTION log_parents_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (TG_TABLE_NAME = 'experiments' AND EXISTS (SELECT 1 FROM experiment_assignments))
     OR (TG_TABLE_NAME <> 'experiments' AND EXISTS (SELECT 1 FROM predictions)) THEN
    RAISE EXCEPTION 'cannot truncate table "%": logged rows reference it; truncate predictions and experiment_assignments first', TG_TABLE_NAME
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER models_truncate_referenced BEFORE TRUNCATE ON models
  FOR EACH STATEMENT EXECUTE FUNCTION log_parents_refuse_truncate();
CREATE TRIGGER model_versions_truncate_referenced BEFORE TRUNCATE ON model_versions
  FOR EACH STATEMENT EXECUTE FUNCTION log_parents_refuse_truncate();
CREATE TRIGGER experiment_variants_truncate_referenced BEFORE TRUNCATE ON experiment_variants
  FOR EACH STATEMENT EXECUTE FUNCTION log_parents_refuse_truncate();
CREATE TRIGGER experiments_truncate_referenced BEFORE TRUNCATE ON experiments
  FOR EACH STATEMENT EXECUTE FUNCTION log_parents_refuse_truncate();
