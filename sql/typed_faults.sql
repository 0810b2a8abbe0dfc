-- The typed functions stand on the same transport: 429 retried for any
-- method, 5xx retried only where safe, an expired token renewed, a
-- deactivated tenant refused; each checked in the fake's counters.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/apps.json)" >/dev/null
SET qlikcloud.retry_base_delay = '10ms';
\set tgt 'target.us.qlikcloud.com'
SELECT count(*) > 0 AS warm FROM qlikcloud.qlik_list_spaces(:'tgt');

-- 429 on a create (POST): Qlik did not act on it, so it is sent again.
\! $FAKECTL POST /counters/reset >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/groups","method":"POST","kind":"status","status":429,"retry_after":1,"count":1}' >/dev/null
SELECT name FROM qlikcloud.qlik_create_group(:'tgt', 'Retried Group');
\set n `$FAKECTL count target.us.qlikcloud.com /api/v1/groups POST`
SELECT :n AS group_posts;
SELECT count(*) AS groups_named_so FROM qlikcloud.qlik_list_groups(:'tgt', filter => 'name eq "Retried Group"');

-- 503 on a create: not sent again (Qlik may have acted), reported as QK5XX.
\! $FAKECTL POST /counters/reset >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/spaces","method":"POST","kind":"status","status":503,"count":1}' >/dev/null
SELECT qt.err(format('SELECT qlikcloud.qlik_create_space(%L, %L, %L)', :'tgt', 'Not Twice', 'shared'), false);
\set n `$FAKECTL count target.us.qlikcloud.com /api/v1/spaces POST`
SELECT :n AS space_posts;

-- 503 on a list: retried, every row arrives.
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"GET","kind":"status","status":503,"count":2}' >/dev/null
SELECT count(*) AS users_listed FROM qlikcloud.qlik_list_users(:'tgt');

-- 500 on a read: not among the statuses worth repeating.
\! $FAKECTL POST /faults '{"path":"/api/v1/roles","kind":"status","status":500,"count":1}' >/dev/null
SELECT qt.err(format('SELECT qlikcloud.qlik_role_id(%L, %L)', :'tgt', 'TenantAdmin'), false);

-- A dropped connection during a create (the outcome is unknown): not repeated.
\! $FAKECTL POST /counters/reset >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/web-integrations","method":"POST","kind":"drop","count":1}' >/dev/null
SELECT qt.err(format('SELECT qlikcloud.qlik_create_web_integration(%L, %L)', :'tgt', 'Dropped'));
\set n `$FAKECTL count target.us.qlikcloud.com /api/v1/web-integrations POST`
SELECT :n AS web_integration_posts;

-- An expired token: refused once, renewed, the call goes through.
\! $FAKECTL POST /tokens/expire >/dev/null
\! $FAKECTL POST /counters/reset >/dev/null
SELECT name FROM qlikcloud.qlik_create_group(:'tgt', 'After Expiry');
\set n `$FAKECTL count target.us.qlikcloud.com - - 401`
SELECT :n AS refused_once;

-- A deactivated tenant: every typed call answers QK401 TENANT_DEACTIVATED.
\! $FAKECTL POST /tenants/status '{"hostname":"target.us.qlikcloud.com","status":"disabled"}' >/dev/null
SELECT qt.err(format('SELECT count(*) FROM qlikcloud.qlik_list_spaces(%L)', :'tgt'));
SELECT qt.err(format('SELECT qlikcloud.qlik_create_group(%L, %L)', :'tgt', 'Nope'), false);
\! $FAKECTL POST /tenants/status '{"hostname":"target.us.qlikcloud.com","status":"active"}' >/dev/null
