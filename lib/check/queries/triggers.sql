-- Triggers written by users (including constraint triggers), by definition and enabled state.
-- Internal triggers (those implementing foreign keys) are compared as their constraints.
SELECT n.nspname AS schema, c.relname AS table, t.tgname AS name,
       pg_catalog.pg_get_triggerdef(t.oid, true) AS definition,
       t.tgenabled::text AS enabled
  FROM pg_catalog.pg_trigger t
  JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT t.tgisinternal
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
 ORDER BY 1, 2, 3
