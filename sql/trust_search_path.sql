-- A caller's search_path cannot run code with the runner's rights. A role
-- with nothing but CREATE on a schema on the caller's path (public, say)
-- plants traps there: an operator for every binary and prefix operator name
-- of pg_catalog crossed with every pair of the types the extension computes
-- with, a function for every signature of every pg_catalog function the
-- extension's code calls, and a domain named like each of those types. Each
-- trap records that it ran (a row, and a sequence that no rollback undoes)
-- and, run by a superuser, makes its owner superuser. Onboarding,
-- offboarding, reactivation, sync, failures and retries then run through
-- the procedures and runners, with the trap schema first on search_path
-- (before pg_catalog, named explicitly), as a superuser and as a plain
-- runner role: no trap fires. A control shows that the traps do fire where
-- they should. And qlikcloud_user can neither see nor call the internal
-- helpers.
\set VERBOSITY sqlstate
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/workflows.json)" >/dev/null
SET qlikcloud.max_attempts = 1;
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants, qlikcloud.template_versions, qlikcloud.rate_buckets RESTART IDENTITY CASCADE;
DELETE FROM qlikcloud.workflow_settings;
\set pem `cat $QLIKCLOUD_TOP/test/seeds/jwt-public.pem`
INSERT INTO qlikcloud.workflow_settings (license_source, web_integration_origins, jwt_issuer, jwt_key_id,
                                         jwt_public_key, template_app_name, reload_after_deploy)
VALUES ('source.us.qlikcloud.com', '{https://app.example.com}', 'https://app.example.com', 'key-2026',
        :'pem', 'Sales Template', true);

------------------------------------------------------------------------------
-- 1. The attacker and its traps.
------------------------------------------------------------------------------
CREATE ROLE qt_evil;
CREATE SCHEMA evil AUTHORIZATION qt_evil;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
CREATE ROLE qt_runner;
GRANT qlikcloud_user TO qt_runner;
SET ROLE qt_evil;
CREATE TABLE evil.fired (trap text, ran_as name, as_superuser boolean);
CREATE SEQUENCE evil.fired_count;
GRANT INSERT ON evil.fired TO PUBLIC;
GRANT USAGE ON SEQUENCE evil.fired_count TO PUBLIC;
-- What every trap runs: it records itself, and escalates when it can.
CREATE FUNCTION evil.fire(trap text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE su boolean := (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user);
BEGIN
  PERFORM pg_catalog.nextval('evil.fired_count');        -- survives a rollback
  INSERT INTO evil.fired VALUES (trap, current_user, su);
  RAISE WARNING 'trap % ran as %', trap, current_user;
  IF su THEN
    EXECUTE 'ALTER ROLE qt_evil SUPERUSER';
  END IF;
  RETURN NULL;
END $$;

-- The types the extension's SQL compares or computes with.
CREATE TABLE evil.types (t text);
INSERT INTO evil.types VALUES ('int2'), ('int4'), ('int8'), ('float4'), ('float8'), ('numeric'),
  ('text'), ('varchar'), ('name'), ('bool'), ('interval'), ('timestamptz'), ('timestamp'), ('date'),
  ('jsonb'), ('text[]'), ('oid'), ('regclass');

-- Operators: every binary operator name of pg_catalog defined on one of
-- those types, for every pair of them; every prefix operator name, for
-- each of them. Comparisons return boolean, the rest their left type.
DO $$
DECLARE
  o record;
  n integer := 0;
BEGIN
  FOR o IN
    SELECT names.oprname, names.prefix, names.cmp, l.t AS l, r.t AS r
    FROM (SELECT p.oprname, p.oprkind = 'l' AS prefix, bool_or(p.oprresult = 'bool'::regtype) AS cmp
          FROM pg_operator p
          WHERE p.oprnamespace = 'pg_catalog'::regnamespace
            AND (p.oprleft IN (SELECT t::regtype FROM evil.types) OR p.oprright IN (SELECT t::regtype FROM evil.types))
          GROUP BY 1, 2) AS names
    CROSS JOIN evil.types r
    LEFT JOIN evil.types l ON NOT names.prefix
  LOOP
    n := n + 1;
    IF n % 1000 = 0 THEN COMMIT; END IF;
    EXECUTE format('CREATE FUNCTION evil.op%s(%s) RETURNS %s LANGUAGE plpgsql SET search_path = pg_catalog
                    AS $f$BEGIN PERFORM evil.fire(%L); RETURN NULL; END$f$',
                   n, concat_ws(', ', 'pg_catalog.' || o.l, 'pg_catalog.' || o.r),
                   CASE WHEN o.cmp THEN 'pg_catalog.bool' ELSE 'pg_catalog.' || coalesce(o.l, o.r) END,
                   format('operator %s(%s, %s)', o.oprname, coalesce(o.l, 'none'), o.r));
    EXECUTE format('CREATE OPERATOR evil.%s (%s RIGHTARG = pg_catalog.%s, FUNCTION = evil.op%s)',
                   o.oprname, CASE WHEN o.l IS NULL THEN '' ELSE format('LEFTARG = pg_catalog.%s,', o.l) END,
                   o.r, n);
  END LOOP;
END $$;

-- Functions: every signature of every pg_catalog function whose name the
-- extension's code calls (the words before "(" in its functions'
-- bodies), returning what the original returns; the variadic "any" ones
-- (format, concat, jsonb_build_object...) with 1 to 12 text arguments, and
-- text then each type.
DO $$
DECLARE
  f record;
  n integer := 0;
BEGIN
  FOR f IN
    WITH called AS (
      SELECT DISTINCT lower(m[1]) AS name
      FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
                     JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'qlikcloud',
           regexp_matches(p.prosrc, '([A-Za-z_][A-Za-z0-9_]*)\s*\(', 'g') AS m
      WHERE p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c'))
    SELECT p.proname, pg_get_function_arguments(p.oid) AS args,
           CASE WHEN p.proretset THEN 'SETOF ' ELSE '' END || format_type(p.prorettype, NULL) AS ret
    FROM pg_proc p JOIN called c ON c.name = p.proname
    WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'f'
      AND NOT EXISTS (SELECT FROM unnest(p.proargtypes::oid[] || p.prorettype) AS a(t)
                      WHERE a.t IN ('"any"'::regtype, 'internal'::regtype, 'cstring'::regtype, 'record'::regtype,
                                    'trigger'::regtype, 'event_trigger'::regtype))
      AND p.proargmodes IS NULL
    UNION ALL
    SELECT v.proname, array_to_string(array_fill('pg_catalog.text'::text, ARRAY[k]), ', '), 'pg_catalog.text'
    FROM (SELECT DISTINCT p.proname FROM pg_proc p JOIN called c ON c.name = p.proname
          WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.provariadic = '"any"'::regtype) AS v,
         generate_series(1, 12) AS k
    UNION ALL
    SELECT v.proname, 'pg_catalog.text, pg_catalog.' || t.t, 'pg_catalog.text'
    FROM (SELECT DISTINCT p.proname FROM pg_proc p JOIN called c ON c.name = p.proname
          WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.provariadic = '"any"'::regtype) AS v,
         evil.types t WHERE t.t <> 'text'
  LOOP
    n := n + 1;
    IF n % 1000 = 0 THEN COMMIT; END IF;
    BEGIN
      EXECUTE format('CREATE FUNCTION evil.%I(%s) RETURNS %s LANGUAGE plpgsql SET search_path = pg_catalog
                      AS $f$BEGIN PERFORM evil.fire(%L); RETURN%s; END$f$',
                     f.proname, f.args, f.ret, format('function %s(%s)', f.proname, f.args),
                     CASE WHEN f.ret LIKE 'SETOF %' OR f.ret = 'void' THEN '' ELSE ' NULL' END);
    EXCEPTION WHEN duplicate_function THEN
      NULL;          -- the same signature from another source
    END;
  END LOOP;
END $$;

-- Types: a domain named like each, whose check runs the trap.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'text', 'varchar', 'name',
                           'bool', 'interval', 'timestamptz', 'timestamp', 'date', 'jsonb', 'json', 'oid',
                           'uuid', 'bytea', 'regclass', 'regprocedure'] LOOP
    EXECUTE format('CREATE DOMAIN evil.%I AS pg_catalog.%I CHECK (evil.fire(%L) IS NULL)', t, t, 'type ' || t);
  END LOOP;
END $$;
RESET ROLE;
SELECT count(*) FILTER (WHERE o.oprkind = 'b') > 10000 AS binary_operator_traps,
       count(*) FILTER (WHERE o.oprkind = 'l') > 100 AS prefix_operator_traps,
       (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'evil'::regnamespace
          AND p.proname !~ '^(op[0-9]+|fire)$') > 150 AS function_traps,
       (SELECT count(DISTINCT p.proname) FROM pg_proc p WHERE p.pronamespace = 'evil'::regnamespace
          AND p.proname IN ('format', 'now', 'clock_timestamp', 'jsonb_build_object', 'left', 'split_part',
                            'lower', 'length', 'concat', 'cardinality', 'pg_backend_pid', 'make_interval',
                            'pg_sleep', 'jsonb_strip_nulls', 'replace', 'md5', 'btrim')) AS named_traps,
       (SELECT count(*) FROM pg_type t WHERE t.typnamespace = 'evil'::regnamespace AND t.typtype = 'd') AS type_traps
FROM pg_operator o WHERE o.oprnamespace = 'evil'::regnamespace;

------------------------------------------------------------------------------
-- 2. Control: the traps fire where they should. The expression of the
-- reported attack (a double precision compared with an integer, as the
-- runner did), with pg_catalog searched first (not named) and named after
-- the traps; an unqualified function call; an unqualified type.
------------------------------------------------------------------------------
BEGIN;
SET LOCAL search_path = evil;
DO $$ DECLARE wait double precision := 1; BEGIN IF wait > 0 THEN NULL; END IF; END $$;
SET LOCAL search_path = evil, pg_catalog;
SELECT 'a'::pg_catalog.text = 'a'::pg_catalog.text AS eq, format('%s', 'x'::pg_catalog.text) AS format;
SELECT 'x'::text AS typed;
SET LOCAL search_path = DEFAULT;
SELECT t.trap, t.ran_as = current_user AS ran_as_me, t.as_superuser FROM evil.fired t ORDER BY 1;
SELECT rolsuper AS evil_became_superuser FROM pg_roles WHERE rolname = 'qt_evil';
ROLLBACK;
SELECT rolsuper AS evil_superuser_after_rollback FROM pg_roles WHERE rolname = 'qt_evil';
SELECT last_value AS fired_in_control FROM evil.fired_count;
ALTER SEQUENCE evil.fired_count RESTART;

------------------------------------------------------------------------------
-- 3. Everything runs through the traps, as a superuser: the customer
-- trigger, the runners (pacing on), a failure and its retry, a workflow that
-- cannot run now, onboarding, offboarding, reactivation and sync.
------------------------------------------------------------------------------
-- Every call of a procedure from here on is counted (section 5 checks that
-- each procedure of the extension ran under the traps).
SET track_functions = 'pl';
SELECT count(pg_stat_reset_single_function_counters(p.oid)) >= 0 AS counters_reset
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'qlikcloud') AND p.prokind = 'p';
CREATE TABLE public.customers (id integer PRIMARY KEY, email text, churned boolean NOT NULL DEFAULT false);
CREATE TRIGGER qlik AFTER INSERT OR DELETE OR UPDATE OF churned, email ON public.customers
    FOR EACH ROW EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', 'churned', 'admin_email=email',
                                                                  'variable:vEmail=email');
GRANT INSERT, UPDATE, DELETE, SELECT ON public.customers TO qt_runner;
SET search_path = evil, pg_catalog, public;
INSERT INTO public.customers VALUES (1, 'ann@one.example.com'), (2, NULL);
CALL qlikcloud.qlik_run_jobs();
\! $FAKECTL POST /faults '{"path":"/api/v1/groups","method":"POST","kind":"status","status":503,"count":1}' >/dev/null
CALL qlikcloud.qlik_onboard('3', admin_email => 'cy@three.example.com');
UPDATE qlikcloud.jobs SET run_after = pg_catalog.now() WHERE customer_key OPERATOR(pg_catalog.=) '3';
CALL qlikcloud.qlik_run_jobs();
-- A job queued for later: the customer's next one cannot run now.
SELECT qlikcloud.qlik_enqueue('offboard', '3', run_after => '2100-01-01') IS NOT NULL AS queued_for_later;
CALL qlikcloud.qlik_sync_tenants('3');
DELETE FROM qlikcloud.jobs WHERE customer_key OPERATOR(pg_catalog.=) '3' AND state OPERATOR(pg_catalog.=) 'queued';
UPDATE public.customers SET churned = true WHERE id OPERATOR(pg_catalog.=) 1;
CALL qlikcloud.qlik_run_jobs();
CALL qlikcloud.qlik_reactivate('1');
CALL qlikcloud.qlik_offboard('2', purge_after_days => 10);
CALL qlikcloud.qlik_sync_tenants();
-- The seed steps, one procedure each.
CALL qlikcloud.qlik_create_customer_tenant('6');
CALL qlikcloud.qlik_add_tenant_admin('6');
CALL qlikcloud.qlik_configure_tenant('6');
CALL qlikcloud.qlik_deploy_app('6');
-- An onboarding from psql that succeeds (the one above stopped at its fault).
CALL qlikcloud.qlik_onboard('7');
-- A template version rolled out (canary, then the rest), and deployed by hand.
SELECT (qlikcloud.qlik_register_template_version('default', 'v2')).id AS tv \gset
SELECT (qlikcloud.qlik_start_rollout(:tv, canary => 1)).state AS rollout;
CALL qlikcloud.qlik_run_jobs();
CALL qlikcloud.qlik_deploy_app('6', :tv);
-- A variable changed in the customer's row (workflow set_variables).
UPDATE public.customers SET email = 'bo@two.example.com' WHERE id OPERATOR(pg_catalog.=) 2;
CALL qlikcloud.qlik_run_jobs();
-- Reconcile: one customer now, and every tenant of the profile through the queue.
CALL qlikcloud.qlik_reconcile('6');
RESET search_path;
SELECT last_value AS fired_as_superuser, is_called FROM evil.fired_count;

------------------------------------------------------------------------------
-- 4. The same as a plain runner role, a member of qlikcloud_user.
------------------------------------------------------------------------------
SET ROLE qt_runner;
SET search_path = evil, pg_catalog, public;
INSERT INTO public.customers VALUES (4, NULL);
CALL qlikcloud.qlik_run_jobs();
\! $FAKECTL POST /faults '{"path":"/api/v1/spaces","method":"POST","kind":"status","status":503,"count":1}' >/dev/null
DELETE FROM public.customers WHERE id OPERATOR(pg_catalog.=) 4;
INSERT INTO public.customers VALUES (5, NULL);
CALL qlikcloud.qlik_run_jobs(retry_delay => '0');
CALL qlikcloud.qlik_run_jobs(retry_delay => '0');
CALL qlikcloud.qlik_offboard('5');
CALL qlikcloud.qlik_sync_tenants();
SELECT (qlikcloud.qlik_register_template_version('default', 'v3')).id AS tv \gset
SELECT (qlikcloud.qlik_start_rollout(:tv, canary => 0)).state AS rollout;
SELECT (qlikcloud.qlik_pause_rollout(r.id)).state AS rollout FROM qlikcloud.rollouts r WHERE r.state OPERATOR(pg_catalog.=) 'running';
SELECT (qlikcloud.qlik_resume_rollout(r.id)).state AS rollout FROM qlikcloud.rollouts r WHERE r.state OPERATOR(pg_catalog.=) 'paused';
CALL qlikcloud.qlik_run_jobs();
CALL qlikcloud.qlik_deploy_app('1');
SELECT qlikcloud.qlik_reconcile_profile() OPERATOR(pg_catalog.>) 0 AS reconciles_queued;
CALL qlikcloud.qlik_run_jobs();
RESET search_path;
RESET ROLE;

------------------------------------------------------------------------------
-- 5. No trap fired, nobody was made superuser, and the work was done.
------------------------------------------------------------------------------
SELECT last_value AS traps_fired, is_called FROM evil.fired_count;
SELECT trap, count(*) AS fired FROM evil.fired GROUP BY 1 ORDER BY 1;
SELECT rolsuper AS evil_is_superuser FROM pg_roles WHERE rolname = 'qt_evil';
SELECT customer_key, state, failed_step FROM qlikcloud.managed_tenants ORDER BY 1;
SELECT workflow, customer_key, state, attempts FROM qlikcloud.jobs ORDER BY id;
-- Every procedure of the extension and every workflow ran above, under the
-- traps: a new one must be added to sections 3 and 4.
SELECT pg_stat_force_next_flush();
SELECT p.oid::regprocedure AS procedure_not_run_under_traps
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'qlikcloud') AND p.prokind = 'p'
  AND coalesce(pg_stat_get_function_calls(p.oid), 0) = 0
ORDER BY 1;
SELECT w AS workflow_not_run_under_traps
FROM regexp_matches((SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
                     WHERE c.conname = 'jobs_workflow_check' AND c.conrelid = 'qlikcloud.jobs'::regclass),
                    '''([a-z_]+)''', 'g') AS m(w0), LATERAL (SELECT m.w0[1] AS w) AS x
WHERE NOT EXISTS (SELECT FROM qlikcloud.jobs j WHERE j.workflow = x.w AND j.attempts > 0)
ORDER BY 1;
RESET track_functions;
SELECT r.id, r.state, x.customer_key, x.state FROM qlikcloud.rollouts r JOIN qlikcloud.rollout_targets x ON x.rollout_id = r.id
ORDER BY 1, 3;

------------------------------------------------------------------------------
-- 6. The internal helpers: qlikcloud_user can neither use their schema nor
-- call them; no function of schema qlikcloud is an underscore helper.
------------------------------------------------------------------------------
SELECT has_schema_privilege('qlikcloud_user', 'qlikcloud_internal', 'USAGE') AS user_may_use_internal,
       has_schema_privilege('qlikcloud_admin', 'qlikcloud_internal', 'USAGE') AS admin_may_use_internal,
       (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'qlikcloud_internal'::regnamespace
          AND has_function_privilege('qlikcloud_user', p.oid, 'EXECUTE')) AS internal_executable_by_user,
       (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'qlikcloud'::regnamespace
          AND p.proname LIKE '\_%') AS underscore_functions_in_qlikcloud;
-- Every function pins its search_path; only the procedures (which commit,
-- and are all run above) cannot.
SELECT p.prokind, count(*) AS unpinned
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'qlikcloud')
  AND p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c')
  AND NOT coalesce(p.proconfig @> '{"search_path=pg_catalog, pg_temp"}', false)
GROUP BY 1;
SET ROLE qt_runner;
SELECT qt.err($$SELECT qlikcloud_internal.column_text('public.customers', 'id', NULL::public.customers)$$, false);
SELECT qt.err($$SELECT qlikcloud_internal.credentials_touch()$$, false);
-- A job is recorded only by the session holding it.
SELECT qt.err($$SELECT qlikcloud.qlik_job_done(j) FROM qlikcloud.jobs j ORDER BY id LIMIT 1$$, false);
RESET ROLE;

DROP TABLE public.customers;
-- The traps go in batches (dropping them at once would need a lock each).
DO $$
DECLARE f regprocedure; n integer := 0;
BEGIN
  FOR f IN SELECT p.oid FROM pg_proc p WHERE p.pronamespace = 'evil'::regnamespace AND p.proname <> 'fire' LOOP
    EXECUTE format('DROP FUNCTION %s CASCADE', f);
    n := n + 1;
    IF n % 500 = 0 THEN COMMIT; END IF;
  END LOOP;
END $$;
DROP SCHEMA evil CASCADE;
DROP ROLE qt_evil;
DROP ROLE qt_runner;
