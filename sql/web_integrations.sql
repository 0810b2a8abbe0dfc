-- Web integrations: create (origins checked), list across pages (startingAfter cursors).
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
\! $FAKECTL POST /seed '{"tenants":[{"hostname":"viewer.us.qlikcloud.com","clients":[{"client_id":"viewer-client","client_secret":"S3cr3t-viewer-0b1c","roles":[]}]}]}' >/dev/null
SELECT qlikcloud.qlik_set_credential('viewer', 'viewer.us.qlikcloud.com', 'viewer-client', 'S3cr3t-viewer-0b1c');
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me') IS NOT NULL AS warm;

-- Create: origins as browsers send them.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT name, valid_origins, tenant_id = (qlikcloud.qlik_current_user('acme')).tenant_id AS same_tenant,
       created_by = (qlikcloud.qlik_current_user('acme')).id AS created_by_caller,
       created IS NOT NULL AS has_created, web_integration->>'id' = id AS whole_object
FROM qlikcloud.qlik_create_web_integration('acme', 'Customer portal',
       '{https://portal.example.com,https://*.example.net,http://localhost:8080,https://[::1]:8443/}');
\set req `$FAKECTL GET '/requests?path=/api/v1/web-integrations&method=POST&last=1'`
SELECT (r->>'body')::jsonb AS body_sent FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r;
-- Without origins, and with none.
SELECT name, valid_origins FROM qlikcloud.qlik_create_web_integration('acme', 'Later');
SELECT name, valid_origins FROM qlikcloud.qlik_create_web_integration('acme', 'Empty', '{}');
\set st `$FAKECTL GET /state`
SELECT w->>'name' AS name, w->'validOrigins' AS origins
FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t, jsonb_array_elements(t->'web_integrations') AS w
WHERE t->>'name' = 'acme' ORDER BY w->>'name' COLLATE "C";
-- No TenantAdmin: 403.
SELECT qt.err($$SELECT qlikcloud.qlik_create_web_integration('viewer', 'Portal', '{https://a.example.com}')$$);

-- Origins checked before any request: nothing sent.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_create_web_integration('acme', 'P', '{portal.example.com}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_web_integration('acme', 'P', '{ftp://portal.example.com}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_web_integration('acme', 'P', '{https://portal.example.com/app}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_web_integration('acme', 'P', ARRAY[E'https://portal.example.com\r\nX-Evil: 1'])$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_web_integration('acme', 'P', ARRAY['https://a.example.com', E'https://portal.example.com\n'])$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_web_integration('acme', 'P', '{"https://portal example.com"}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_web_integration('acme', 'P', '{https://portal.example.com:port}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_web_integration('acme', 'P', '{https://}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_web_integration('acme', 'P', '{https://*.}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_web_integration('acme', 'P', '{https://portal.example.com?x=1}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_web_integration('acme', 'P', '{https://[::1}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_web_integration('acme', 'P', '{https://a.example.com,NULL}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_web_integration('acme', '', '{https://a.example.com}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_web_integration('acme', NULL)$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_web_integrations('acme', sort => 'created')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_web_integrations('acme', page_size => 0)$$);
\set n `$FAKECTL count - /api/v1/web-integrations*`
SELECT :n AS requests_sent;

-- The list, page after page: its next links carry startingAfter, followed as they are.
SELECT count(*) AS created
FROM generate_series(1, 10) AS i,
     qlikcloud.qlik_create_web_integration('acme', format('Portal %s', to_char(i, 'FM00')),
                                           ARRAY[format('https://p%s.example.com', i)]);
\! $FAKECTL POST /counters/reset >/dev/null
SELECT count(*) AS integrations, count(DISTINCT id) AS distinct_ids
FROM qlikcloud.qlik_list_web_integrations('acme', page_size => 4);
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/web-integrations GET 200`
SELECT :n AS pages;
\set req `$FAKECTL GET '/requests?path=/api/v1/web-integrations&method=GET&last=2'`
SELECT regexp_replace(r->>'query', 'startingAfter=[^&]+', 'startingAfter=<id>') AS query
FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r ORDER BY (r->>'seq')::int;
SELECT name, valid_origins FROM qlikcloud.qlik_list_web_integrations('acme', '-name') LIMIT 3;
SELECT count(*) AS none FROM qlikcloud.qlik_list_web_integrations('viewer');

SELECT qlikcloud.qlik_drop_credential('viewer');
