-- Items: the tenant's catalogue, filtered as Qlik filters it, across pages.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
\set seeded `$FAKECTL POST /seed '{"tenants":[{"hostname":"shop.us.qlikcloud.com","clients":[{"client_id":"shop-client","client_secret":"S3cr3t-shop-1a2b"}],"users":[{"subject":"auth0|ann","name":"Ann","email":"ann@shop.example.com","roles":["TenantAdmin"]}],"spaces":[{"name":"Dev","type":"shared"},{"name":"Prod","type":"managed"},{"name":"Team","type":"shared"}],"apps":[{"name":"Sales Dashboard","space":"Dev","size":1000},{"name":"Sales Forecast","space":"Dev","description":"Next quarter by region","size":1000},{"name":"HR Overview","space":"Dev","size":1000},{"name":"Sales Dashboard","space":"Prod","publishedFrom":"Sales Dashboard"},{"name":"Stock","space":"Team","size":1000},{"name":"Orders","space":"Team","size":1000},{"name":"Returns","space":"Team","size":1000},{"name":"Margins","space":"Team","size":1000},{"name":"Ann''s scratch","size":1000}]}]}'`
SELECT qlikcloud.qlik_set_credential('shop', 'shop.us.qlikcloud.com', 'shop-client', 'S3cr3t-shop-1a2b');
CREATE TEMP TABLE seeded AS
SELECT a->>'id' AS app_id, a->>'name' AS name, a->>'spaceId' AS space_id, s->>'name' AS space
FROM jsonb_array_elements(:'seeded'::jsonb->'tenants'->0->'apps') AS a
LEFT JOIN jsonb_array_elements(:'seeded'::jsonb->'tenants'->0->'spaces') AS s ON s->>'id' = a->>'spaceId';
GRANT SELECT ON seeded TO PUBLIC;
SELECT qlikcloud.qlik_api('shop', 'GET', '/api/v1/users/me') IS NOT NULL AS warm;

-- Every item the client may see, page after page (3 a page): the apps of the spaces, not
-- another user's personal app.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT i.name, coalesce(s.space, 'personal') AS space, i.resource_type, i.resource_id = s.app_id AS resource_is_the_app,
       i.space_id = s.space_id AS same_space, i.id ~ '^[0-9a-f]{24}$' AS item_id,
       i.resource_attributes->>'id' = i.resource_id AS attributes, i.item->>'id' = i.id AS whole_object,
       i.created_at IS NOT NULL AS has_created_at, i.updated_at IS NOT NULL AS has_updated_at
FROM qlikcloud.qlik_list_items('shop', page_size => 3) AS i
LEFT JOIN seeded AS s ON s.app_id = i.resource_id
ORDER BY i.name COLLATE "C", space COLLATE "C";
\set n `$FAKECTL count shop.us.qlikcloud.com /api/v1/items GET 200`
SELECT :n AS pages;

-- Filters: type, name (contains, any case), space, space type, app id, query, owner, sort.
SELECT name FROM qlikcloud.qlik_list_items('shop', 'app', 'sales', sort => '+name');
\set req `$FAKECTL GET '/requests?path=/api/v1/items&method=GET&last=1'`
SELECT r->>'query' AS query FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r;
SELECT i.name FROM seeded AS s, qlikcloud.qlik_list_items('shop', space_id => s.space_id, sort => '-name') AS i
WHERE s.name = 'HR Overview';
SELECT name, resource_attributes->>'published' AS published
FROM qlikcloud.qlik_list_items('shop', space_type => 'managed');
SELECT count(*) AS shared_or_managed FROM qlikcloud.qlik_list_items('shop', space_type => 'shared,managed');
SELECT i.name, i.space_id = s.space_id AS in_dev
FROM seeded AS s, qlikcloud.qlik_list_items('shop', 'app', resource_id => s.app_id) AS i
WHERE s.name = 'Sales Forecast';
SELECT name FROM qlikcloud.qlik_list_items('shop', query => 'REGION');
SELECT count(*) AS owned_by_ann
FROM qlikcloud.qlik_list_items('shop', owner_id => (qlikcloud.qlik_first_user('shop', 'subject eq "auth0|ann"')).id);
SELECT count(*) AS personal FROM qlikcloud.qlik_list_items('shop', space_id => 'personal');
SELECT count(*) AS none FROM qlikcloud.qlik_list_items('shop', 'dataset');
SELECT count(*) AS with_subtypes FROM qlikcloud.qlik_list_items('shop', 'app[],qvapp');
SELECT count(*) AS in_no_collection FROM qlikcloud.qlik_list_items('shop', collection_id => '000000000000000000000000');
SELECT name, item ? 'actions' AS has_actions FROM qlikcloud.qlik_list_items('shop', name => 'stock', no_actions => true);
SELECT name, item ? 'actions' AS has_actions FROM qlikcloud.qlik_list_items('shop', name => 'stock');
\set req `$FAKECTL GET '/requests?path=/api/v1/items&method=GET&last=2'`
SELECT r->>'query' AS query FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r ORDER BY (r->>'seq')::int;
-- Items of another tenant's client: none of these.
SELECT count(*) AS acme_items FROM qlikcloud.qlik_list_items('acme');

-- Checked before any request: nothing sent.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_items('shop', 'application')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_items('shop', 'app,,qvapp')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_items('shop', 'app[qvd')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_items('shop', 'app[qvd]x')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_items('shop', space_type => 'private')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_items('shop', resource_id => '2a5c0a8e-4b4c-4d0e-9f1a-3c2b1a0f9e8d')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_items('shop', space_id => '../spaces')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_items('shop', sort => 'name')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_items('shop', name => '')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_items('shop', page_size => 101)$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_items(NULL)$$);
\set n `$FAKECTL count - /api/v1/items*`
SELECT :n AS requests_sent;

SELECT qlikcloud.qlik_drop_credential('shop');
