-- Functions, procedures, window functions and aggregates, by identity arguments. Functions are
-- compared by pg_get_functiondef (signature, language, attributes, body); aggregates, which it
-- cannot print, by a CREATE AGGREGATE built from pg_aggregate. Functions that PostgreSQL made
-- itself (a range type's constructors: an internal dependency) come with their type.
SELECT n.nspname AS schema, p.proname AS name,
       p.oid::pg_catalog.regprocedure::text AS signature,
       p.prokind::text AS kind,
       CASE WHEN p.prokind <> 'a' THEN pg_catalog.pg_get_functiondef(p.oid)
       ELSE 'CREATE AGGREGATE ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname)
            || '(' || pg_catalog.pg_get_function_arguments(p.oid) || ') (' || pg_catalog.concat_ws(', ',
              'SFUNC = ' || ag.aggtransfn::text,
              'STYPE = ' || pg_catalog.format_type(ag.aggtranstype, NULL),
              CASE WHEN ag.aggtransspace <> 0 THEN 'SSPACE = ' || ag.aggtransspace END,
              CASE WHEN ag.aggfinalfn::oid <> 0 THEN 'FINALFUNC = ' || ag.aggfinalfn::text END,
              CASE WHEN ag.aggfinalextra THEN 'FINALFUNC_EXTRA' END,
              CASE WHEN ag.aggfinalfn::oid <> 0 THEN 'FINALFUNC_MODIFY = ' || CASE ag.aggfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,
              CASE WHEN ag.aggcombinefn::oid <> 0 THEN 'COMBINEFUNC = ' || ag.aggcombinefn::text END,
              CASE WHEN ag.aggserialfn::oid <> 0 THEN 'SERIALFUNC = ' || ag.aggserialfn::text END,
              CASE WHEN ag.aggdeserialfn::oid <> 0 THEN 'DESERIALFUNC = ' || ag.aggdeserialfn::text END,
              CASE WHEN ag.agginitval IS NOT NULL THEN 'INITCOND = ' || pg_catalog.quote_literal(ag.agginitval) END,
              CASE WHEN ag.aggmtransfn::oid <> 0 THEN 'MSFUNC = ' || ag.aggmtransfn::text END,
              CASE WHEN ag.aggminvtransfn::oid <> 0 THEN 'MINVFUNC = ' || ag.aggminvtransfn::text END,
              CASE WHEN ag.aggmtranstype <> 0 THEN 'MSTYPE = ' || pg_catalog.format_type(ag.aggmtranstype, NULL) END,
              CASE WHEN ag.aggmtransspace <> 0 THEN 'MSSPACE = ' || ag.aggmtransspace END,
              CASE WHEN ag.aggmfinalfn::oid <> 0 THEN 'MFINALFUNC = ' || ag.aggmfinalfn::text END,
              CASE WHEN ag.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END,
              CASE WHEN ag.aggminitval IS NOT NULL THEN 'MINITCOND = ' || pg_catalog.quote_literal(ag.aggminitval) END,
              CASE WHEN ag.aggsortop <> 0 THEN 'SORTOP = ' || ag.aggsortop::pg_catalog.regoperator::text END,
              CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' WHEN 'r' THEN 'PARALLEL = RESTRICTED' END,
              CASE WHEN ag.aggkind = 'h' THEN 'HYPOTHETICAL' END)
            || ')'
       END AS definition
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  LEFT JOIN pg_catalog.pg_aggregate ag ON ag.aggfnoid = p.oid
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype IN ('e', 'i'))
 ORDER BY 1, 2, 3
