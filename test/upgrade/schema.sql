\set QUIET on
-- The schema of the installed qlikcloud extension, as text: one record per
-- object and aspect, "identity | aspect | value", in a stable order, with
-- nothing that depends on OIDs, on the order objects were created in, or on
-- data. test/upgrade-test prints it for a fresh install and for 0.1.0
-- updated to the current version; any difference is a missing (or wrong)
-- upgrade step.
--
-- What counts: every object the extension owns (pg_depend 'e') and what hangs
-- off it: function definitions (body, arguments and defaults, volatility,
-- SET search_path, SECURITY DEFINER, ...), table columns in their order with
-- types, defaults, NOT NULL, ACLs and comments, constraints (NOT VALID shows),
-- indexes, triggers, event triggers, policies, views' definitions and
-- options, sequences' parameters, composite types' attributes in order,
-- enums, domains, owners,
-- ACLs, comments, initial privileges (pg_init_privs: what pg_dump treats as
-- the extension's own), the configuration tables and their filters, and the
-- extension's version. Column order is compared: it is meaning (SELECT *,
-- INSERT without a column list, a composite built from a row), so a column
-- that an upgrade can only add at the end must be at the end in src/sql too.
-- What is left out cannot differ in meaning: OIDs, attribute numbers of
-- dropped columns, whether an added column's default is stored as a
-- "missing value", physical storage, and table contents; and the entry
-- pg_attver=N that this machine's PostgreSQL puts in every column's
-- attoptions (a number that differs between any two relations, whoever
-- made them: not a setting anyone makes, so not part of the schema).
-- An object of a kind this file does not describe is reported as
-- "UNDESCRIBED", which the test counts as a failure: extend this file.
\pset format unaligned
\pset pager off
\pset tuples_only on
\pset fieldsep ' | '
SET search_path = pg_catalog;

WITH ext AS (
    SELECT oid, extnamespace FROM pg_extension WHERE extname = 'qlikcloud'
), members AS (
    SELECT d.classid, d.objid, d.objsubid,
           (pg_identify_object(d.classid, d.objid, d.objsubid)).*
    FROM pg_depend d, ext
    WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), schemas AS (
    -- The extension's schema, and any schema it created.
    SELECT extnamespace AS oid FROM ext
    UNION SELECT objid FROM members WHERE classid = 'pg_namespace'::regclass
), rels AS (
    SELECT c.oid, c.relkind, m.identity FROM members m JOIN pg_class c ON c.oid = m.objid
    WHERE m.classid = 'pg_class'::regclass
), cols AS (
    SELECT r.identity AS rel, r.relkind, a.*,
           row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS pos
    FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid
    WHERE a.attnum > 0 AND NOT a.attisdropped
), lines(k, aspect, v) AS (
    SELECT 'extension qlikcloud', 'version', extversion || ' relocatable=' || extrelocatable
           || ' schema=' || extnamespace::regnamespace::text
    FROM pg_extension WHERE extname = 'qlikcloud'
    UNION ALL
    -- Which objects belong to the extension.
    SELECT type || ' ' || identity, 'member', '' FROM members
    UNION ALL
    -- Objects in its schemas that do not belong to it (none should).
    SELECT 'relation ' || c.oid::regclass::text, 'NOT A MEMBER', c.relkind::text
    FROM pg_class c JOIN schemas s ON s.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype IN ('e', 'i', 'a') AND d.refclassid <> 'pg_namespace'::regclass)
      AND NOT (c.relkind = 'c' AND EXISTS (SELECT FROM members m WHERE m.classid = 'pg_type'::regclass
                                                AND m.objid = c.reltype))
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure::text, 'NOT A MEMBER', ''
    FROM pg_proc p JOIN schemas s ON s.oid = p.pronamespace
    WHERE NOT EXISTS (SELECT FROM members m WHERE m.classid = 'pg_proc'::regclass AND m.objid = p.oid)
    UNION ALL
    -- Anything this file does not know how to describe.
    SELECT type || ' ' || identity, 'UNDESCRIBED', ''
    FROM members m
    WHERE classid NOT IN ('pg_proc'::regclass, 'pg_class'::regclass, 'pg_type'::regclass,
                          'pg_namespace'::regclass, 'pg_event_trigger'::regclass)
       OR (classid = 'pg_class'::regclass
           AND (SELECT relkind FROM pg_class WHERE oid = m.objid) NOT IN ('r', 'v', 'S'))
       OR (classid = 'pg_proc'::regclass AND (SELECT prokind FROM pg_proc WHERE oid = m.objid) = 'a')
       OR (classid = 'pg_type'::regclass
           AND (SELECT typtype FROM pg_type WHERE oid = m.objid) NOT IN ('c', 'e', 'd'))
    UNION ALL
    -- Owners, ACLs and comments of every member.
    SELECT type || ' ' || identity, 'owner',
           CASE classid
             WHEN 'pg_proc'::regclass THEN (SELECT proowner::regrole::text FROM pg_proc WHERE oid = objid)
             WHEN 'pg_class'::regclass THEN (SELECT relowner::regrole::text FROM pg_class WHERE oid = objid)
             WHEN 'pg_type'::regclass THEN (SELECT typowner::regrole::text FROM pg_type WHERE oid = objid)
             WHEN 'pg_namespace'::regclass THEN (SELECT nspowner::regrole::text FROM pg_namespace WHERE oid = objid)
             WHEN 'pg_event_trigger'::regclass THEN (SELECT evtowner::regrole::text FROM pg_event_trigger WHERE oid = objid)
           END
    FROM members
    UNION ALL
    SELECT type || ' ' || identity, 'acl',
           CASE classid
             WHEN 'pg_proc'::regclass THEN (SELECT proacl::text FROM pg_proc WHERE oid = objid)
             WHEN 'pg_class'::regclass THEN (SELECT relacl::text FROM pg_class WHERE oid = objid)
             WHEN 'pg_type'::regclass THEN (SELECT typacl::text FROM pg_type WHERE oid = objid)
             WHEN 'pg_namespace'::regclass THEN (SELECT nspacl::text FROM pg_namespace WHERE oid = objid)
           END
    FROM members
    UNION ALL
    SELECT type || ' ' || identity, 'comment', obj_description(objid, classid::regclass::name)
    FROM members
    UNION ALL
    SELECT type || ' ' || identity, 'initial privileges ' || i.objsubid || ' ' || i.privtype::text,
           i.initprivs::text
    FROM members m JOIN pg_init_privs i ON i.classoid = m.classid AND i.objoid = m.objid
    UNION ALL
    -- The extension's schemas (CREATE EXTENSION makes the one in the control file).
    SELECT 'schema ' || n.nspname, 'owner, acl, comment',
           n.nspowner::regrole::text || ' ' || coalesce(n.nspacl::text, '') || ' '
           || coalesce(obj_description(n.oid, 'pg_namespace'), '')
    FROM pg_namespace n JOIN schemas s ON s.oid = n.oid
    UNION ALL
    -- Functions and procedures: the whole definition.
    SELECT 'function ' || m.identity, 'definition', pg_get_functiondef(m.objid)
    FROM members m JOIN pg_proc p ON p.oid = m.objid
    WHERE m.classid = 'pg_proc'::regclass AND p.prokind <> 'a'
    UNION ALL
    -- Tables, views, sequences.
    SELECT 'relation ' || r.identity, 'kind',
           c.relkind::text || ' persistence=' || c.relpersistence::text || ' replident=' || c.relreplident::text
           || ' rls=' || c.relrowsecurity || '/' || c.relforcerowsecurity
           || ' options=' || coalesce(c.reloptions::text, '')
    FROM rels r JOIN pg_class c ON c.oid = r.oid
    UNION ALL
    SELECT 'relation ' || rel, 'column ' || lpad(pos::text, 3, '0') || ' ' || quote_ident(attname),
           format_type(atttypid, atttypmod)
           || CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END
           || coalesce(' DEFAULT ' || pg_get_expr(ad.adbin, ad.adrelid), '')
           || CASE attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY'
                               WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY' ELSE '' END
           || CASE WHEN attgenerated = 's' THEN ' (stored)' ELSE '' END
           || CASE WHEN attcollation <> 0 AND attcollation <> (SELECT typcollation FROM pg_type WHERE oid = atttypid)
                   THEN ' COLLATE ' || attcollation::regcollation::text ELSE '' END
           || coalesce(' options=' || nullif(array_remove(array(SELECT o FROM unnest(attoptions) AS o
                                                                WHERE o NOT LIKE 'pg\_attver=%'), NULL)::text, '{}'), '')
           || coalesce(' acl=' || attacl::text, '')
           || coalesce(' comment=' || col_description(attrelid, attnum), '')
    FROM cols LEFT JOIN pg_attrdef ad ON ad.adrelid = cols.attrelid AND ad.adnum = cols.attnum
    UNION ALL
    SELECT 'relation ' || r.identity, 'constraint ' || quote_ident(con.conname),
           pg_get_constraintdef(con.oid)
           || CASE WHEN con.convalidated THEN '' ELSE ' (not validated)' END
    FROM rels r JOIN pg_constraint con ON con.conrelid = r.oid
    UNION ALL
    SELECT 'relation ' || r.identity, 'index ' || quote_ident(ic.relname),
           pg_get_indexdef(i.indexrelid)
           || CASE WHEN i.indisclustered THEN ' (clustered)' ELSE '' END
           || CASE WHEN i.indisreplident THEN ' (replica identity)' ELSE '' END
           || CASE WHEN i.indisvalid THEN '' ELSE ' (INVALID)' END
           || coalesce(' comment=' || obj_description(i.indexrelid, 'pg_class'), '')
    FROM rels r JOIN pg_index i ON i.indrelid = r.oid JOIN pg_class ic ON ic.oid = i.indexrelid
    UNION ALL
    SELECT 'relation ' || r.identity, 'trigger ' || quote_ident(t.tgname),
           pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
           || coalesce(' comment=' || obj_description(t.oid, 'pg_trigger'), '')
    FROM rels r JOIN pg_trigger t ON t.tgrelid = r.oid
    WHERE NOT t.tgisinternal
    UNION ALL
    SELECT 'relation ' || r.identity, 'policy ' || quote_ident(pol.polname),
           pol.polcmd::text || ' permissive=' || pol.polpermissive || ' roles=' || pol.polroles::regrole[]::text
           || ' using=' || coalesce(pg_get_expr(pol.polqual, pol.polrelid), '')
           || ' check=' || coalesce(pg_get_expr(pol.polwithcheck, pol.polrelid), '')
    FROM rels r JOIN pg_policy pol ON pol.polrelid = r.oid
    UNION ALL
    SELECT 'relation ' || r.identity, 'rule ' || quote_ident(ru.rulename), pg_get_ruledef(ru.oid)
    FROM rels r JOIN pg_rewrite ru ON ru.ev_class = r.oid
    WHERE ru.rulename <> '_RETURN'
    UNION ALL
    SELECT 'relation ' || r.identity, 'view definition', pg_get_viewdef(r.oid)
    FROM rels r WHERE r.relkind = 'v'
    UNION ALL
    SELECT 'relation ' || r.identity, 'sequence',
           format_type(s.seqtypid, NULL) || ' start=' || s.seqstart || ' increment=' || s.seqincrement
           || ' min=' || s.seqmin || ' max=' || s.seqmax || ' cache=' || s.seqcache || ' cycle=' || s.seqcycle
           || coalesce(' owned by ' || (SELECT d.refobjid::regclass::text || '.' || quote_ident(a.attname)
                                         FROM pg_depend d JOIN pg_attribute a
                                           ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                         WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid
                                           AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')), '')
    FROM rels r JOIN pg_sequence s ON s.seqrelid = r.oid
    UNION ALL
    -- Configuration tables (pg_dump dumps their rows) and their filters.
    SELECT 'relation ' || c.oid::regclass::text, 'configuration table', coalesce(cond, '')
    FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(cfg, cond), pg_class c
    WHERE e.extname = 'qlikcloud' AND c.oid = u.cfg
    UNION ALL
    -- Event triggers.
    SELECT 'event trigger ' || m.identity, 'definition',
           'ON ' || e.evtevent || ' WHEN TAG IN (' || coalesce(array_to_string(e.evttags, ', '), '') || ')'
           || ' EXECUTE FUNCTION ' || e.evtfoid::regprocedure::text || ' enabled=' || e.evtenabled::text
    FROM members m JOIN pg_event_trigger e ON e.oid = m.objid
    WHERE m.classid = 'pg_event_trigger'::regclass
    UNION ALL
    -- Types: composite types' attributes in order, enum labels in order, domains.
    SELECT 'type ' || m.identity, 'attribute ' || lpad(a.pos::text, 3, '0') || ' ' || quote_ident(a.attname),
           format_type(a.atttypid, a.atttypmod)
           || CASE WHEN a.attcollation <> 0 AND a.attcollation <> (SELECT typcollation FROM pg_type WHERE oid = a.atttypid)
                   THEN ' COLLATE ' || a.attcollation::regcollation::text ELSE '' END
           || coalesce(' comment=' || col_description(a.attrelid, a.attnum), '')
    FROM members m JOIN pg_type t ON t.oid = m.objid
    JOIN LATERAL (SELECT pa.*, row_number() OVER (ORDER BY pa.attnum) AS pos FROM pg_attribute pa
                  WHERE pa.attrelid = t.typrelid AND pa.attnum > 0 AND NOT pa.attisdropped) a ON true
    WHERE m.classid = 'pg_type'::regclass AND t.typtype = 'c'
    UNION ALL
    SELECT 'type ' || m.identity, 'enum labels',
           (SELECT string_agg(quote_literal(enumlabel), ', ' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid)
    FROM members m JOIN pg_type t ON t.oid = m.objid
    WHERE m.classid = 'pg_type'::regclass AND t.typtype = 'e'
    UNION ALL
    SELECT 'type ' || m.identity, 'domain',
           format_type(t.typbasetype, t.typtypmod) || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
           || coalesce(' DEFAULT ' || t.typdefault, '')
           || coalesce(' ' || (SELECT string_agg(quote_ident(conname) || ' ' || pg_get_constraintdef(oid)
                                                 || CASE WHEN convalidated THEN '' ELSE ' (not validated)' END,
                                                 ', ' ORDER BY conname)
                               FROM pg_constraint WHERE contypid = t.oid), '')
    FROM members m JOIN pg_type t ON t.oid = m.objid
    WHERE m.classid = 'pg_type'::regclass AND t.typtype = 'd'
)
SELECT k, aspect, coalesce(v, '<null>') FROM lines ORDER BY k COLLATE "C", aspect COLLATE "C", v COLLATE "C";
