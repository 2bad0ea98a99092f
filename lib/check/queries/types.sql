-- User-defined types: enums (labels in order), domains (base type, default, NOT NULL, collation,
-- constraints), composite types (attributes in order), ranges, and base types. Array types and
-- the row types of tables are not types of their own here.
SELECT n.nspname AS schema, t.typname AS name, t.typtype::text AS type,
       CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                                             WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END AS labels,
       CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END AS base_type,
       CASE WHEN t.typtype = 'd' THEN t.typnotnull END AS not_null,
       CASE WHEN t.typtype = 'd' THEN pg_catalog.pg_get_expr(t.typdefaultbin, 0, true) END AS default,
       CASE WHEN t.typtype = 'd' THEN ARRAY(SELECT pg_catalog.quote_ident(con.conname) || ' ' || pg_catalog.pg_get_constraintdef(con.oid, true)
                                             FROM pg_catalog.pg_constraint con
                                            WHERE con.contypid = t.oid AND con.contype <> 'n' ORDER BY con.conname) END AS constraints,
       CASE WHEN t.typtype = 'd' AND t.typcollation <> bt.typcollation
            THEN (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
                    FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                   WHERE co.oid = t.typcollation) END AS collation,
       CASE WHEN t.typtype = 'c' THEN ARRAY(
              SELECT pg_catalog.quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
                     || CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation
                             THEN ' COLLATE ' || (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
                                                    FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                                                   WHERE co.oid = a.attcollation)
                             ELSE '' END
                FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
               WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) END AS attributes,
       CASE WHEN t.typtype = 'r' THEN pg_catalog.format_type(r.rngsubtype, NULL) END AS subtype,
       CASE WHEN t.typtype = 'r' THEN (SELECT pg_catalog.quote_ident(ocn.nspname) || '.' || pg_catalog.quote_ident(opc.opcname)
                                         FROM pg_catalog.pg_opclass opc JOIN pg_catalog.pg_namespace ocn ON ocn.oid = opc.opcnamespace
                                        WHERE opc.oid = r.rngsubopc) END AS subtype_opclass,
       CASE WHEN t.typtype = 'r' AND r.rngcollation <> 0
            THEN (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
                    FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                   WHERE co.oid = r.rngcollation) END AS range_collation,
       CASE WHEN t.typtype = 'r' AND r.rngcanonical::oid <> 0 THEN r.rngcanonical::text END AS canonical,
       CASE WHEN t.typtype = 'r' AND r.rngsubdiff::oid <> 0 THEN r.rngsubdiff::text END AS subtype_diff,
       CASE WHEN t.typtype = 'b' THEN pg_catalog.concat_ws(', ',
              'INPUT = ' || t.typinput::text, 'OUTPUT = ' || t.typoutput::text,
              CASE WHEN t.typreceive::oid <> 0 THEN 'RECEIVE = ' || t.typreceive::text END,
              CASE WHEN t.typsend::oid <> 0 THEN 'SEND = ' || t.typsend::text END,
              CASE WHEN t.typmodin::oid <> 0 THEN 'TYPMOD_IN = ' || t.typmodin::text END,
              CASE WHEN t.typmodout::oid <> 0 THEN 'TYPMOD_OUT = ' || t.typmodout::text END,
              CASE WHEN t.typanalyze::oid <> 0 THEN 'ANALYZE = ' || t.typanalyze::text END,
              'INTERNALLENGTH = ' || CASE WHEN t.typlen < 0 THEN 'VARIABLE' ELSE t.typlen::text END,
              CASE WHEN t.typbyval THEN 'PASSEDBYVALUE' END,
              'ALIGNMENT = ' || t.typalign::text, 'STORAGE = ' || t.typstorage::text,
              'CATEGORY = ' || pg_catalog.quote_literal(t.typcategory::text), CASE WHEN t.typispreferred THEN 'PREFERRED = true' END) END AS base_definition
  FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
  LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
  LEFT JOIN pg_catalog.pg_class rel ON rel.oid = t.typrelid
 WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND rel.relkind = 'c')
        OR (t.typtype = 'b' AND t.typcategory <> 'A'))
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid = t.oid AND d.deptype = 'e')
 ORDER BY 1, 2
