-- Owners and privileges of schemas, relations, columns, functions and types, and default
-- privileges. A NULL ACL means the defaults (acldefault), so that an explicit grant of exactly the
-- defaults (as pg_dump may write) compares equal to none. Grants are grouped per grantee, sorted.
WITH objects AS (
  SELECT 'schema' AS type, n.nspname AS schema, NULL::name AS rel_schema, NULL::name AS rel_name, NULL::name AS column,
         pg_catalog.quote_ident(n.nspname) AS identity, n.nspowner AS owner,
         COALESCE(n.nspacl, pg_catalog.acldefault('n', n.nspowner)) AS acl
    FROM pg_catalog.pg_namespace n
   WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.objid = n.oid AND d.deptype = 'e')
  UNION ALL
  SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                        WHEN 'f' THEN 'foreign table' ELSE 'table' END,
         n.nspname, COALESCE(own.schema, n.nspname), COALESCE(own.table, c.relname), NULL,
         c.oid::pg_catalog.regclass::text, c.relowner,
         COALESCE(c.relacl, pg_catalog.acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN LATERAL (
          SELECT tn.nspname AS schema, t.relname AS table
            FROM pg_catalog.pg_depend d
            JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
            JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
           WHERE c.relkind = 'S' AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
             AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
           LIMIT 1) own ON true
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
  UNION ALL
  SELECT 'column', n.nspname, n.nspname, c.relname, a.attname,
         c.oid::pg_catalog.regclass::text || '.' || pg_catalog.quote_ident(a.attname), NULL, a.attacl
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
  UNION ALL
  SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
         n.nspname, NULL, NULL, NULL,
         p.oid::pg_catalog.regprocedure::text,
         p.proowner, COALESCE(p.proacl, pg_catalog.acldefault('f', p.proowner))
    FROM pg_catalog.pg_proc p
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
   WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype IN ('e', 'i'))
  UNION ALL
  SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, n.nspname, NULL, NULL, NULL,
         t.oid::pg_catalog.regtype::text, t.typowner, COALESCE(t.typacl, pg_catalog.acldefault('T', t.typowner))
    FROM pg_catalog.pg_type t
    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_catalog.pg_class rel ON rel.oid = t.typrelid
   WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND rel.relkind = 'c') OR (t.typtype = 'b' AND t.typcategory <> 'A'))
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid = t.oid AND d.deptype = 'e')
  UNION ALL
  SELECT 'default privileges on ' || CASE da.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions'
                                                           WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas' END,
         n.nspname, NULL, NULL, NULL,
         'for role ' || pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(da.defaclrole)) || COALESCE(' in schema ' || pg_catalog.quote_ident(n.nspname), ''),
         NULL, da.defaclacl
    FROM pg_catalog.pg_default_acl da
    LEFT JOIN pg_catalog.pg_namespace n ON n.oid = da.defaclnamespace
)
SELECT o.type, o.schema, o.rel_schema, o.rel_name, o.column::text AS column, o.identity,
       pg_catalog.pg_get_userbyid(o.owner)::text AS owner,
       ARRAY(SELECT CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END
                    || ': ' || pg_catalog.string_agg(g.privilege_type || CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END, ', ' ORDER BY g.privilege_type)
               FROM pg_catalog.aclexplode(o.acl) g GROUP BY g.grantee ORDER BY 1) AS grants
  FROM objects o
 WHERE o.schema IS NULL
    OR (o.schema NOT IN ('pg_catalog', 'information_schema') AND o.schema NOT LIKE 'pg\_toast%' AND o.schema NOT LIKE 'pg\_temp\_%')
 ORDER BY 1, 6
