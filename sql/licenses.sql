-- Licenses: the overview (whose key creates tenants) and the auto-assign settings.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
-- A tenant whose client is no TenantAdmin, and one without a license.
\! $FAKECTL POST /seed '{"tenants":[{"hostname":"viewer.us.qlikcloud.com","clients":[{"client_id":"viewer-client","client_secret":"S3cr3t-viewer-0b1c","roles":[]}]},{"hostname":"nolicense.us.qlikcloud.com","license":null}]}' >/dev/null
SELECT qlikcloud.qlik_set_credential('viewer', 'viewer.us.qlikcloud.com', 'viewer-client', 'S3cr3t-viewer-0b1c');

-- The overview: typed columns, and the whole object.
\set st `$FAKECTL GET /state`
SELECT o.license_key = t->'license'->'license'->>'licenseKey' AS key_is_the_tenants,
       o.license_key ~ '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' AS jwt_shaped,
       o.license_number = t->'license'->'license'->>'licenseNumber' AS number_matches,
       o.product, o.status, o.trial, o.valid ~ '^\d{4}-\d\d-\d\d/\d{4}-\d\d-\d\d$' AS valid_interval,
       jsonb_array_length(o.allotments) AS allotments,
       o.allotments->0->>'name' AS first_allotment,
       o.overview->>'origin' AS origin
FROM qlikcloud.qlik_license_overview('acme') AS o,
     jsonb_array_elements(:'st'::jsonb->'tenants') AS t
WHERE t->>'name' = 'acme';
-- Through the regional credential, by host name.
SELECT product FROM qlikcloud.qlik_license_overview('beta.eu.qlikcloud.com');
-- No license: Qlik's 404, in the licenses API's own error shape.
SELECT qt.err($$SELECT qlikcloud.qlik_license_overview('nolicense.us.qlikcloud.com')$$);

-- Settings: read.
SELECT * FROM qlikcloud.qlik_license_settings('acme');

-- Both given: one PUT, no read first.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT auto_assign_professional, auto_assign_analyzer
FROM qlikcloud.qlik_update_license_settings('acme', true, true);
\set c `$FAKECTL GET '/counters?host=acme.us.qlikcloud.com&path=/api/v1/licenses/settings'`
SELECT coalesce(jsonb_object_agg(b->>'method' || ' ' || (b->>'status'), (b->>'count')::int), '{}') AS requests
FROM jsonb_array_elements(:'c'::jsonb->'by') AS b;

-- One given: PUT replaces, so the other is read first and sent as it is.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT auto_assign_professional, auto_assign_analyzer
FROM qlikcloud.qlik_update_license_settings('acme', auto_assign_analyzer => false);
\set c `$FAKECTL GET '/counters?host=acme.us.qlikcloud.com&path=/api/v1/licenses/settings'`
SELECT coalesce(jsonb_object_agg(b->>'method' || ' ' || (b->>'status'), (b->>'count')::int), '{}') AS requests
FROM jsonb_array_elements(:'c'::jsonb->'by') AS b;
\set req `$FAKECTL GET '/requests?path=/api/v1/licenses/settings&method=PUT&last=1'`
SELECT (r->>'body')::jsonb AS body_sent, qt.header(r, 'Content-Type') AS content_type
FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r;
\set st `$FAKECTL GET /state`
SELECT t->'license'->'settings' AS fake_state
FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t WHERE t->>'name' = 'acme';
SELECT auto_assign_professional, auto_assign_analyzer
FROM qlikcloud.qlik_update_license_settings('acme', auto_assign_professional => false);

-- Nothing to update: refused, nothing sent.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_update_license_settings('acme')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_update_license_settings('acme', NULL, NULL)$$);
SELECT qt.err($$SELECT qlikcloud.qlik_license_settings(NULL)$$);
SELECT qt.err($$SELECT qlikcloud.qlik_license_overview('')$$);
\set n `$FAKECTL count - /api/v1/licenses*`
SELECT :n AS requests_sent;

-- A client without TenantAdmin: 403 "Insufficient access", and no PUT after a failed read.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_license_settings('viewer')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_update_license_settings('viewer', auto_assign_analyzer => true)$$);
\set c `$FAKECTL GET '/counters?host=viewer.us.qlikcloud.com&path=/api/v1/licenses/settings'`
SELECT coalesce(jsonb_object_agg(b->>'method' || ' ' || (b->>'status'), (b->>'count')::int), '{}') AS requests_no_put_after_failed_read
FROM jsonb_array_elements(:'c'::jsonb->'by') AS b;
SELECT qt.err($$SELECT qlikcloud.qlik_update_license_settings('viewer', true, true)$$);
-- The overview needs no role.
SELECT status FROM qlikcloud.qlik_license_overview('viewer');

SELECT qlikcloud.qlik_drop_credential('viewer');
