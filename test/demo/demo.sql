-- qlikcloud: your customers table drives Qlik Cloud.
-- Against the fake Qlik Cloud bundled under test/fake (started by
-- test/run-demo): a source tenant holding the license and a template app.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS qlikcloud;

\echo
\echo '== 1. Credentials: the region''s OAuth client. It serves the register host, where'
\echo '==    tenants are created, and every tenant it creates. Only the extension''s owner'
\echo '==    can read its secret.'
SELECT qlikcloud.qlik_set_credential('us-region', '*.us.qlikcloud.com',
                                     'us-region-client', 'us-region-secret-9c2d55');

\echo
\echo '== 2. The workflows'' inputs, in a table (no code to edit, no secret): the tenant whose'
\echo '==    license creates tenants, the template app, the group and spaces, the JWT issuer and'
\echo '==    public key of your application, the origins allowed to embed, how long a'
\echo '==    deactivated tenant is kept before Qlik purges it, and that the published app is'
\echo '==    reloaded with the customer''s variables after each deploy. (The PEM key is not echoed.)'
\set pem `cat $QLIKCLOUD_TOP/test/seeds/jwt-public.pem`
\set ECHO none
INSERT INTO qlikcloud.workflow_settings
    (license_source, template_app_name, group_name, managed_space_name, dev_space_name,
     jwt_issuer, jwt_key_id, jwt_public_key, web_integration_origins, purge_after_days,
     reload_after_deploy)
VALUES ('source.us.qlikcloud.com', 'Sales Analytics', 'Analysts', 'Customer Analytics', 'Development',
        'https://app.example.com', 'app-key-1', :'pem', '{https://app.example.com}', 30, true);
\set ECHO queries
SELECT profile, region, license_source, template_app_name, group_name, managed_space_name,
       dev_space_name, jwt_issuer, web_integration_origins, purge_after_days, reload_after_deploy
FROM qlikcloud.workflow_settings;

\echo
\echo '== 3. Your customers table, with the trigger attached: an insert onboards, a delete'
\echo '==    (or churned = true) offboards, churned back to false reactivates. The customer''s'
\echo '==    name is the app''s load-script variable vCustomer.'
CREATE TABLE customers (
    slug        text PRIMARY KEY,
    name        text NOT NULL,
    admin_email text NOT NULL,
    churned     boolean NOT NULL DEFAULT false
);
CREATE TRIGGER qlik AFTER INSERT OR DELETE OR UPDATE OF churned, name ON customers
    FOR EACH ROW EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('slug', 'churned', 'admin_email=admin_email',
                                                                  'variable:vCustomer=name');

\echo
\echo '== 4. Three customers sign up. The trigger only queues a job, in the same transaction'
\echo '==    (a rollback would queue nothing): Qlik is called after commit, by a runner.'
INSERT INTO customers VALUES
    ('acme',    'Acme Corp',   'ann@acme.example.com'),
    ('globex',  'Globex',      'gus@globex.example.com'),
    ('initech', 'Initech',     'ida@initech.example.com');
SELECT id, workflow, customer_key, args, state FROM qlikcloud.jobs ORDER BY id;
SELECT customer_key, state FROM qlikcloud.customers_without_tenant ORDER BY 1;

\echo
\echo '== 5. Run the queue. (From pg_cron: SELECT cron.schedule(''qlik-runner'', ''* * * * *'','
\echo '==    ''CALL qlikcloud.qlik_run_jobs()''); several runners may work at once.)'
CALL qlikcloud.qlik_run_jobs();
SELECT id, workflow, customer_key, state, attempts, finished_at - started_at AS took
FROM qlikcloud.jobs ORDER BY id;
SELECT unnest(a.steps) AS "acme's onboarding, step by step"
FROM qlikcloud.job_attempts a JOIN qlikcloud.jobs j ON j.id = a.job_id
WHERE j.customer_key = 'acme';

\echo
\echo '== 6. The registry: one tenant per customer, under a key you can join on. Qlik names'
\echo '==    tenants at random: each got an alias hostname made from its key.'
SELECT c.name, m.state, m.alias_hostname, m.hostname, m.tenant_id
FROM customers c JOIN qlikcloud.managed_tenants m ON m.customer_key = c.slug
ORDER BY c.slug;

\echo
\echo '== In Qlik Cloud itself, read back from SQL: each tenant''s admin, group, spaces and'
\echo '== published app.'
SELECT m.customer_key, u.email AS admin, u.role_names AS admin_roles,
       (SELECT string_agg(g.name, ', ') FROM qlikcloud.qlik_list_groups(m.hostname) g) AS groups,
       (SELECT string_agg(s.name || ' (' || s.type || ')', ', ' ORDER BY s.name)
        FROM qlikcloud.qlik_list_spaces(m.hostname) s) AS spaces
FROM qlikcloud.managed_tenants m, qlikcloud.qlik_get_user(m.hostname, m.admin_user_id) AS u
ORDER BY 1;
SELECT m.customer_key, a.name AS published_app, a.published, s.name AS in_space,
       a.origin_app_id = m.staged_app_id AS from_staged_copy
FROM qlikcloud.managed_tenants m,
     qlikcloud.qlik_get_app(m.hostname, m.published_app_id) AS a,
     qlikcloud.qlik_get_space(m.hostname, a.space_id) AS s
ORDER BY 1;

\echo
\echo '== 7. Initech leaves: its tenant is deactivated, and Qlik purges it after 30 days'
\echo '==    unless it comes back (churned = false, or a new insert) before.'
DELETE FROM customers WHERE slug = 'initech';
CALL qlikcloud.qlik_run_jobs();
SELECT customer_key, alias_hostname, state, deactivated_at, purge_date,
       purge_date::date - current_date AS days_left
FROM qlikcloud.deactivated_tenants;
DO $$
BEGIN
    PERFORM qlikcloud.qlik_current_tenant(hostname) FROM qlikcloud.managed_tenants
    WHERE customer_key = 'initech';
EXCEPTION WHEN SQLSTATE 'QK401' THEN
    RAISE WARNING 'initech''s tenant answers: %', SQLERRM;
END
$$;

\echo
\echo '== Day 2. The tenants live on: the template changes, customers'' data is reloaded, settings'
\echo '== change. The registry says what each tenant should be; the runners make Qlik match it.'
\echo
\echo '== 8. A new version of the template app, rolled out to every customer: a canary of one'
\echo '==    tenant first, then the rest, paused at the first failure. The version is exported'
\echo '==    from the source once and kept on the database server (SHA-256 checked); each tenant'
\echo '==    imports it next to its published app and republishes over it, so the published app'
\echo '==    keeps its id (embedding URLs and bookmarks keep working).'
CREATE TEMP TABLE published_before AS
SELECT customer_key, published_app_id FROM qlikcloud.managed_tenants WHERE state = 'ready';
SELECT id, label FROM qlikcloud.qlik_register_template_version('default', label => '2026.12') \gset version_
SELECT customer_key, published_label, current_label FROM qlikcloud.tenants_behind ORDER BY 1;
SELECT id AS rollout_id, state, canary, max_failures
FROM qlikcloud.qlik_start_rollout(:version_id, profile => 'default', canary => 1, max_failures => 1);
CALL qlikcloud.qlik_run_jobs();
SELECT wave, tenants, done, failed, pending, state FROM qlikcloud.rollout_progress ORDER BY wave;
SELECT m.customer_key, v.label AS published_version, m.published_app_id = b.published_app_id AS same_app_id
FROM qlikcloud.managed_tenants m
JOIN published_before b USING (customer_key)
JOIN qlikcloud.template_versions v ON v.id = m.template_version_id
ORDER BY 1;
SELECT label, exports AS exported_from_source FROM qlikcloud.template_versions ORDER BY id;
SELECT count(*) AS tenants_behind FROM qlikcloud.tenants_behind;

\echo
\echo '== 9. Reloads with the customer''s variables: each published app was reloaded after its'
\echo '==    deploys with vCustomer from the customers table. Acme renames itself: the trigger'
\echo '==    records the new value, and a reload of Acme''s app (waited for) uses it.'
SELECT customer_key, app_variables, reload_status FROM qlikcloud.managed_tenants
WHERE state = 'ready' ORDER BY 1;
UPDATE customers SET name = 'Acme Corporation' WHERE slug = 'acme';
CALL qlikcloud.qlik_run_jobs();
SELECT status, ended_at IS NOT NULL AS ended
FROM qlikcloud.qlik_reload_published_app('acme', since => now());
SELECT customer_key, app_variables, reload_status FROM qlikcloud.managed_tenants
WHERE customer_key = 'acme';
SELECT r.status, r.partial, r.created_at > m.version_deployed_at AS after_last_deploy
FROM qlikcloud.managed_tenants m, qlikcloud.qlik_list_reloads(m.hostname, m.published_app_id) AS r
WHERE m.customer_key = 'acme' ORDER BY r.created_at;

\echo
\echo '== 10. A setting changes: a second origin may embed the tenants, and they get a CSP origin'
\echo '==     for qlik-embed. The drift view reads every tenant from Qlik and changes nothing; a'
\echo '==     reconcile, queued for every tenant of the profile and run by the runners, changes'
\echo '==     only what differs.'
UPDATE qlikcloud.workflow_settings
SET web_integration_origins = '{https://app.example.com,https://beta.example.com}',
    csp_origins = '{https://app.example.com}';
SELECT customer_key, aspect, item, desired, actual, action FROM qlikcloud.tenant_drift ORDER BY 1, 2, 3;
SELECT qlikcloud.qlik_reconcile_profile('default') AS reconciles_queued;
CALL qlikcloud.qlik_run_jobs();
SELECT count(*) AS drift_left FROM qlikcloud.tenant_drift;
SELECT m.customer_key, w.valid_origins,
       (SELECT string_agg(c.origin, ', ') FROM qlikcloud.qlik_list_csp_origins(m.hostname) c) AS csp_origins
FROM qlikcloud.managed_tenants m, qlikcloud.qlik_get_web_integration(m.hostname, m.web_integration_id) AS w
WHERE m.state = 'ready' ORDER BY 1;
