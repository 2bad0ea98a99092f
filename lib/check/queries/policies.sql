-- Row-level security: each table that enables or forces it (name NULL), then each policy.
SELECT n.nspname AS schema, c.relname AS table, NULL::text AS name,
       c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
       NULL::text AS command, NULL::boolean AS permissive, NULL::text[] AS roles, NULL::text AS using, NULL::text AS with_check
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE (c.relrowsecurity OR c.relforcerowsecurity)
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
UNION ALL
SELECT n.nspname, c.relname, p.polname::text, NULL, NULL,
       p.polcmd::text, p.polpermissive,
       CASE WHEN p.polroles = '{0}' THEN ARRAY['PUBLIC']
            ELSE ARRAY(SELECT r.rolname::text FROM pg_catalog.pg_roles r WHERE r.oid = ANY (p.polroles) ORDER BY 1) END,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid, true), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid, true)
  FROM pg_catalog.pg_policy p
  JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
 ORDER BY 1, 2, 3 NULLS FIRST
