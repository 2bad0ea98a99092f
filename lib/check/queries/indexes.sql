-- Indexes by definition. Indexes that implement a primary key, unique or exclusion constraint are
-- compared as those constraints, not twice.
SELECT n.nspname AS schema, ic.relname AS name, tn.nspname AS table_schema, t.relname AS table,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       i.indisvalid AS valid
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
  JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                    WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid IN (i.indexrelid, i.indrelid) AND d.deptype = 'e')
 ORDER BY 1, 2
