-- Comments on objects created by users (object ids from 16384 on: initdb's own objects have
-- lower ones, except the schema public), outside system schemas and extensions, named by
-- pg_identify_object.
SELECT o.type, COALESCE(o.schema, sn.nspname::text) AS schema, o.identity, d.description,
       rn.nspname AS rel_schema, r.relname AS rel_name,
       CASE WHEN d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid > 0
            THEN (SELECT a.attname::text FROM pg_catalog.pg_attribute a WHERE a.attrelid = d.objoid AND a.attnum = d.objsubid) END AS column
  FROM pg_catalog.pg_description d
  CROSS JOIN LATERAL pg_catalog.pg_identify_object(d.classoid, d.objoid, d.objsubid) o
  LEFT JOIN pg_catalog.pg_class r ON r.oid = CASE d.classoid
         WHEN 'pg_catalog.pg_class'::pg_catalog.regclass THEN
              COALESCE((SELECT i.indrelid FROM pg_catalog.pg_index i WHERE i.indexrelid = d.objoid), d.objoid)
         WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass THEN (SELECT c.conrelid FROM pg_catalog.pg_constraint c WHERE c.oid = d.objoid)
         WHEN 'pg_catalog.pg_trigger'::pg_catalog.regclass THEN (SELECT t.tgrelid FROM pg_catalog.pg_trigger t WHERE t.oid = d.objoid)
         WHEN 'pg_catalog.pg_policy'::pg_catalog.regclass THEN (SELECT p.polrelid FROM pg_catalog.pg_policy p WHERE p.oid = d.objoid)
         WHEN 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN (SELECT w.ev_class FROM pg_catalog.pg_rewrite w WHERE w.oid = d.objoid)
       END
  LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
  LEFT JOIN pg_catalog.pg_namespace sn ON d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND sn.oid = d.objoid
 WHERE (d.objoid >= 16384 OR sn.nspname = 'public')
   AND (sn.nspname IS NULL OR (sn.nspname NOT IN ('pg_catalog', 'information_schema') AND sn.nspname NOT LIKE 'pg\_toast%' AND sn.nspname NOT LIKE 'pg\_temp\_%'))
   AND (o.schema IS NULL OR (o.schema NOT IN ('pg_catalog', 'information_schema') AND o.schema NOT LIKE 'pg\_toast%' AND o.schema NOT LIKE 'pg\_temp\_%'))
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                    WHERE e.classid = d.classoid AND e.objid = d.objoid AND e.deptype = 'e')
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND e.objid = r.oid AND e.deptype = 'e')
 ORDER BY 1, 3
