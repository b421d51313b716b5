-- The PostgreSQL side of the Cassandra pipeline (database target, owner cdc): the schema the JDBC sink
-- (examples/connectors/cassandra-sink.json) writes into, and what the sink cannot do by primary key alone.
-- The row tables are created and evolved by the sink (schema.evolution=basic), but for orders. Safe to run again.
CREATE SCHEMA IF NOT EXISTS cdc_demo;

-- cdc_demo.orders is declared here, with every column of the Cassandra table: an update carries only the cells it
-- wrote, and the sink's schema evolution adds a column only when a record carries it, so a column no record has
-- set yet (note) would be missing and `cdcctl reconcile` would refuse the pair. (all_types is left to the sink: its
-- demo row sets every column.) Types as the sink creates them; ADD COLUMN for a table the sink created before.
CREATE TABLE IF NOT EXISTS cdc_demo.orders (
  customer_id integer NOT NULL,
  order_id integer NOT NULL,
  item text,
  qty integer,
  note text,
  PRIMARY KEY (customer_id, order_id)
);
ALTER TABLE cdc_demo.orders ADD COLUMN IF NOT EXISTS item text, ADD COLUMN IF NOT EXISTS qty integer,
  ADD COLUMN IF NOT EXISTS note text;

-- Partition deletes of tables with clustering columns and range deletes (DELETE ... WHERE ck >= a AND ck < b)
-- have no full primary key: the CassandraCellsToRow SMT reroutes them to <table>__range_deletes, one row per
-- delete, and this trigger applies each one to <table>. Bounds: {"method": "INCL_START_BOUND"|"EXCL_START_BOUND"|
-- "INCL_END_BOUND"|"EXCL_END_BOUND", "values": [{"name", "value", "type"}]}, compared as a row value in
-- ascending clustering order (tables with DESC clustering columns are not supported).
CREATE OR REPLACE FUNCTION cdc_demo.apply_range_delete() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  target regclass := format('%I.%I', TG_TABLE_SCHEMA, left(TG_TABLE_NAME, -length('__range_deletes')))::regclass;
  conds text[] := '{}';
  k text; v text; b jsonb; cols text[]; vals text[]; op text; typ text; e jsonb;
BEGIN
  FOR k, v IN SELECT * FROM jsonb_each_text(NEW.partition_key) LOOP
    SELECT format_type(atttypid, atttypmod) INTO typ FROM pg_attribute WHERE attrelid = target AND attname = k;
    IF typ IS NULL THEN RETURN NEW; END IF;          -- the table has not been created by the sink yet
    conds := conds || format('%I = %L::%s', k, v, typ);
  END LOOP;
  FOREACH b IN ARRAY ARRAY[NEW.range_start, NEW.range_end] LOOP
    CONTINUE WHEN b IS NULL OR jsonb_array_length(coalesce(b->'values', '[]')) = 0;
    cols := '{}'; vals := '{}';
    FOR e IN SELECT * FROM jsonb_array_elements(b->'values') LOOP
      SELECT format_type(atttypid, atttypmod) INTO typ FROM pg_attribute WHERE attrelid = target AND attname = e->>'name';
      cols := cols || format('%I', e->>'name');
      vals := vals || format('%L::%s', e->>'value', typ);
    END LOOP;
    op := CASE b->>'method' WHEN 'INCL_START_BOUND' THEN '>=' WHEN 'EXCL_START_BOUND' THEN '>'
                            WHEN 'INCL_END_BOUND' THEN '<=' WHEN 'EXCL_END_BOUND' THEN '<' END;
    CONTINUE WHEN op IS NULL;
    conds := conds || format('(%s) %s (%s)', array_to_string(cols, ','), op, array_to_string(vals, ','));
  END LOOP;
  IF cardinality(conds) > 0 THEN
    EXECUTE format('DELETE FROM %s WHERE %s', target, array_to_string(conds, ' AND '));
  END IF;
  RETURN NEW;
END
$fn$;

CREATE TABLE IF NOT EXISTS cdc_demo.orders__range_deletes (
  position text PRIMARY KEY, partition_key jsonb NOT NULL, range_start jsonb, range_end jsonb, deleted_at timestamp
);
DROP TRIGGER IF EXISTS apply_range_delete ON cdc_demo.orders__range_deletes;
CREATE TRIGGER apply_range_delete AFTER INSERT OR UPDATE ON cdc_demo.orders__range_deletes
  FOR EACH ROW EXECUTE FUNCTION cdc_demo.apply_range_delete();

-- TTL: Cassandra writes nothing to its commit log when a TTL expires, so no event ever says so. The SMT puts
-- the expiry of cells written with a TTL into _cdc_expires_at; this removes the rows whose TTL has passed
-- (run it from cron, pg_cron or `cdcctl`'s scheduler; the demo and tests call it). Returns the rows removed.
CREATE OR REPLACE FUNCTION cdc_demo.expire_ttl() RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE t record; n bigint := 0; c bigint;
BEGIN
  FOR t IN SELECT table_schema, table_name FROM information_schema.columns
           WHERE table_schema = 'cdc_demo' AND column_name = '_cdc_expires_at' LOOP
    EXECUTE format('DELETE FROM %I.%I WHERE _cdc_expires_at <= now() AT TIME ZONE ''UTC''', t.table_schema, t.table_name);
    GET DIAGNOSTICS c = ROW_COUNT; n := n + c;
  END LOOP;
  RETURN n;
END
$fn$;
