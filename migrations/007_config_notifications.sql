-- Routers cache aliases and experiments in memory; every change to them is announced on the
-- 'galfriday_config' channel so that all router instances reload within a second (they also do a
-- periodic full refresh in case a notification is missed while disconnected).
CREATE FUNCTION notify_config_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_model bigint;
BEGIN
  row_model := CASE WHEN TG_OP = 'DELETE' THEN OLD.model_id ELSE NEW.model_id END;
  PERFORM pg_notify('galfriday_config', json_build_object('table', TG_TABLE_NAME, 'modelId', row_model)::text);
  RETURN NULL;
END $$;

CREATE TRIGGER model_aliases_notify AFTER INSERT OR UPDATE OR DELETE ON model_aliases
  FOR EACH ROW EXECUTE FUNCTION notify_config_change();
CREATE TRIGGER experiments_notify AFTER INSERT OR UPDATE OR DELETE ON experiments
  FOR EACH ROW EXECUTE FUNCTION notify_config_change();
CREATE TRIGGER experiment_variants_notify AFTER INSERT OR UPDATE OR DELETE ON experiment_variants
  FOR EACH ROW EXECUTE FUNCTION notify_config_change();
CREATE TRIGGER models_notify AFTER INSERT OR UPDATE ON models
  FOR EACH ROW EXECUTE FUNCTION notify_config_change();
