-- Settings that reach every tenant: a first onboarding makes no lookup only a
-- rerun needs; settings changed, the drift shows each difference, reconcile
-- makes exactly the differing calls and the drift is empty again; CSP
-- origins; a JWT key rotation during which both keys log in, then only the
-- new one; the tenant admin follows the customer's row.
\set VERBOSITY sqlstate
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/workflows.json)" >/dev/null
SET qlikcloud.max_attempts = 1;
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants, qlikcloud.rate_buckets RESTART IDENTITY CASCADE;
DELETE FROM qlikcloud.workflow_settings;
-- Two key pairs of the embedding application.
\! for k in old new; do openssl genrsa -out "$QLIKCLOUD_WORK/jwt-$k.key" 2048 2>/dev/null; openssl rsa -in "$QLIKCLOUD_WORK/jwt-$k.key" -pubout -out "$QLIKCLOUD_WORK/jwt-$k.pem" 2>/dev/null; done
\set pem_old `cat $QLIKCLOUD_WORK/jwt-old.pem`
\set pem_new `cat $QLIKCLOUD_WORK/jwt-new.pem`
INSERT INTO qlikcloud.workflow_settings (license_source, web_integration_origins, csp_origins,
                                         jwt_issuer, jwt_key_id, jwt_public_key)
VALUES ('source.us.qlikcloud.com', '{https://app.example.com}', '{https://app.example.com}',
        'https://app.example.com', 'key-1', :'pem_old');
CREATE FUNCTION qt.noid(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT regexp_replace(s, '[A-Za-z0-9_-]{20,36}', '<id>', 'g')
$$;
CREATE TABLE public.accounts (id integer PRIMARY KEY, name text, owner_email text);
-- The admin follows owner_email: the trigger watches it.
CREATE TRIGGER qlik AFTER INSERT OR DELETE OR UPDATE OF owner_email ON public.accounts
    FOR EACH ROW EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', '', 'admin_email=owner_email');
-- The calls of a request log that change something (no GET, no token).
CREATE FUNCTION qt.writes(log jsonb) RETURNS TABLE (method text, path text, calls bigint) LANGUAGE sql AS $$
  SELECT r->>'method', regexp_replace(r->>'path', '/[A-Za-z0-9_-]{20,}', '/<id>', 'g'), count(*)
  FROM jsonb_array_elements(log->'requests') AS r
  WHERE r->>'method' <> 'GET' AND r->>'path' <> '/oauth/token'
  GROUP BY 1, 2 ORDER BY 2, 1
$$;

------------------------------------------------------------------------------
-- 1. A first onboarding attempt: the tenant is new, made by this very
-- attempt, so no step looks for what an earlier attempt made.
------------------------------------------------------------------------------
\! $FAKECTL DELETE /requests >/dev/null
INSERT INTO public.accounts VALUES (1, 'Acme', 'ann@acme.example.com');
CALL qlikcloud.qlik_run_jobs();
SELECT state, created_by_attempt = (SELECT id || '/1' FROM qlikcloud.jobs WHERE customer_key = '1') AS made_by_attempt_1,
       array(SELECT jsonb_object_keys(converged_at) ORDER BY 1) AS converged
FROM qlikcloud.managed_tenants WHERE customer_key = '1';
SELECT hostname AS host FROM qlikcloud.managed_tenants WHERE customer_key = '1' \gset
\setenv HOST :host
-- Lookups of users, web integrations, CSP origins, identity providers,
-- groups, spaces and assignments on the new tenant: none.
\set log `$FAKECTL GET "/requests?method=GET&host=$HOST"`
-- (What remains: the group settings read back after their PATCH, and the
-- space assignment reading its space's type to check the roles.)
SELECT regexp_replace(r->>'path', '/[A-Za-z0-9_-]{20,}', '/<id>', 'g') AS path, count(*) AS calls
FROM jsonb_array_elements(:'log'::jsonb->'requests') AS r
WHERE r->>'path' ~ '^/api/v1/(users|web-integrations|csp-origins|identity-providers|groups|spaces)'
GROUP BY 1 ORDER BY 1;
-- What it holds: one of each, and the CSP origin allows framing.
\set st `$FAKECTL GET /state`
SELECT jsonb_array_length(t->'web_integrations') AS web_integrations,
       (SELECT array_agg(c->>'origin' || ' ' || (c->>'frameAncestors')) FROM jsonb_array_elements(t->'csp_origins') c) AS csp,
       jsonb_array_length(t->'identity_providers') AS idps,
       (SELECT count(*) FROM jsonb_array_elements(t->'spaces')) AS spaces
FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t WHERE t->'hostnames' ? :'host';
-- In line with the settings: no drift.
SELECT count(*) AS drift FROM qlikcloud.qlik_drift('1');

------------------------------------------------------------------------------
-- 2. Settings changed: drift shows each difference, nothing changed; a
-- reconcile makes exactly the differing calls; the drift is empty again.
------------------------------------------------------------------------------
UPDATE qlikcloud.workflow_settings
SET web_integration_origins = '{https://app.example.com,https://new.example.com}';
\! $FAKECTL DELETE /requests >/dev/null
SELECT aspect, item, desired, actual, action FROM qlikcloud.tenant_drift ORDER BY aspect, item;
\set log `$FAKECTL GET "/requests?host=$HOST"`
SELECT * FROM qt.writes(:'log');
CALL qlikcloud.qlik_reconcile('1');
-- Only a PATCH of the web integration was written.
\set log `$FAKECTL GET "/requests?host=$HOST"`
SELECT * FROM qt.writes(:'log');
SELECT count(*) AS drift FROM qlikcloud.qlik_drift('1');

-- Several aspects at once, for every tenant of the profile through the queue.
UPDATE qlikcloud.workflow_settings
SET csp_origins = '{https://new.example.com}', group_space_roles = '{consumer,contributor}',
    managed_space_name = 'Analytics', auto_assign_professional = true;
SELECT aspect, item, desired, actual, action FROM qlikcloud.qlik_drift() ORDER BY aspect, item;
\! $FAKECTL DELETE /requests >/dev/null
SELECT qlikcloud.qlik_reconcile_profile('default') AS queued;
CALL qlikcloud.qlik_run_jobs();
\set log `$FAKECTL GET "/requests?host=$HOST"`
SELECT * FROM qt.writes(:'log');
SELECT count(*) AS drift FROM qlikcloud.qlik_drift();
SELECT qt.noid(s) AS step FROM qlikcloud.job_attempts a, unnest(a.steps) AS s
WHERE a.job_id = (SELECT max(id) FROM qlikcloud.jobs);
-- A CSP entry whose frameAncestors is not a boolean (an answer Qlik should
-- not send) reads as not framing: a drift to update, not a cast error.
\! $FAKECTL POST /faults '{"kind":"status","status":200,"method":"GET","path":"/api/v1/csp-origins*","body":{"data":[{"id":"0123456789abcdef01234567","origin":"https://new.example.com","frameAncestors":"x"}],"links":{}}}' >/dev/null
SELECT aspect, item, desired, actual, action FROM qlikcloud.qlik_drift('1') WHERE aspect = 'csp_origins';
\! $FAKECTL DELETE /faults >/dev/null
\set st `$FAKECTL GET /state`
SELECT (SELECT array_agg(c->>'origin') FROM jsonb_array_elements(t->'csp_origins') c) AS csp,
       (SELECT array_agg(s->>'name' ORDER BY s->>'name') FROM jsonb_array_elements(t->'spaces') s) AS spaces
FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t WHERE t->'hostnames' ? :'host';

------------------------------------------------------------------------------
-- 3. A JWT key rotation: the new key's provider is added beside the old
-- one (Qlik keeps one key per provider), both log in; once the old key's
-- time is over, its provider goes and only the new key logs in.
------------------------------------------------------------------------------
\set alias 'customer-1.us.qlikcloud.com'
\setenv ALIAS :alias
\! echo "old key before: $($QLIKCLOUD_TOP/test/jwt-login $QLIKCLOUD_WORK/jwt-old.key key-1 $ALIAS)"
UPDATE qlikcloud.workflow_settings SET jwt_key_id = 'key-2', jwt_public_key = :'pem_new';
SELECT jwt_previous_key_id, jwt_previous_public_key = :'pem_old' AS old_key_kept,
       jwt_previous_key_until > now() + interval '23 hours' AS kept_a_day
FROM qlikcloud.workflow_settings;
SELECT aspect, item, action FROM qlikcloud.qlik_drift('1') ORDER BY aspect, item;
\! $FAKECTL DELETE /requests >/dev/null
CALL qlikcloud.qlik_reconcile('1');
\set log `$FAKECTL GET "/requests?host=$HOST"`
SELECT * FROM qt.writes(:'log');
\! echo "during: old key $($QLIKCLOUD_TOP/test/jwt-login $QLIKCLOUD_WORK/jwt-old.key key-1 $ALIAS), new key $($QLIKCLOUD_TOP/test/jwt-login $QLIKCLOUD_WORK/jwt-new.key key-2 $ALIAS)"
-- The old key's time is over.
UPDATE qlikcloud.workflow_settings SET jwt_previous_key_until = now() - interval '1 second';
SELECT aspect, item, action FROM qlikcloud.qlik_drift('1') ORDER BY aspect, item;
\! $FAKECTL DELETE /requests >/dev/null
CALL qlikcloud.qlik_reconcile('1');
\set log `$FAKECTL GET "/requests?host=$HOST"`
SELECT * FROM qt.writes(:'log');
\! echo "after: old key $($QLIKCLOUD_TOP/test/jwt-login $QLIKCLOUD_WORK/jwt-old.key key-1 $ALIAS), new key $($QLIKCLOUD_TOP/test/jwt-login $QLIKCLOUD_WORK/jwt-new.key key-2 $ALIAS)"
\set st `$FAKECTL GET /state`
SELECT identity_provider_id = (SELECT i->>'id' FROM jsonb_array_elements(t->'identity_providers') i) AS recorded_the_new
FROM qlikcloud.managed_tenants m, jsonb_array_elements(:'st'::jsonb->'tenants') AS t
WHERE m.customer_key = '1' AND t->'hostnames' ? m.hostname;
-- A new key under the old key id would leave no moment for both: refused.
SELECT qt.err($$UPDATE qlikcloud.workflow_settings SET jwt_public_key = (SELECT jwt_previous_public_key FROM qlikcloud.workflow_settings)$$);

------------------------------------------------------------------------------
-- 4. The tenant admin follows the customer: a new owner email queues a
-- reconcile of the admin, which creates the new admin user.
------------------------------------------------------------------------------
UPDATE public.accounts SET owner_email = 'bob@acme.example.com' WHERE id = 1;
SELECT workflow, args FROM qlikcloud.jobs WHERE state = 'queued';
SELECT admin_subject, admin_email FROM qlikcloud.managed_tenants WHERE customer_key = '1';
\! $FAKECTL DELETE /requests >/dev/null
CALL qlikcloud.qlik_run_jobs();
\set log `$FAKECTL GET "/requests?host=$HOST"`
SELECT * FROM qt.writes(:'log');
SELECT u.subject, u.email, u.role_names
FROM qlikcloud.managed_tenants m, qlikcloud.qlik_get_user(m.hostname, m.admin_user_id) AS u
WHERE m.customer_key = '1';
-- An UPDATE that leaves the admin alone queues nothing.
UPDATE public.accounts SET name = 'Acme Corp', owner_email = owner_email WHERE id = 1;
SELECT count(*) AS queued FROM qlikcloud.jobs WHERE state = 'queued';
DROP TABLE public.accounts;
