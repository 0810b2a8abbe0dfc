-- Identity providers: a JWT provider (PEM checked before any request), and the list.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
\! $FAKECTL POST /seed '{"tenants":[{"hostname":"viewer.us.qlikcloud.com","clients":[{"client_id":"viewer-client","client_secret":"S3cr3t-viewer-0b1c","roles":[]}]}]}' >/dev/null
SELECT qlikcloud.qlik_set_credential('viewer', 'viewer.us.qlikcloud.com', 'viewer-client', 'S3cr3t-viewer-0b1c');
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me') IS NOT NULL AS warm;

CREATE TEMP TABLE pem (name text PRIMARY KEY, text text);
INSERT INTO pem VALUES
('ec', '-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE6HR0PWHIinAzUc3DHM5Vc+lorJ5G
FIRBsltIukwmE5YaeBeJ1XgiaiZyadBTvzE05xt6i3R+tcNFA/O9QtJ4fA==
-----END PUBLIC KEY-----
'),
('cert', '-----BEGIN CERTIFICATE-----
MIIBczCCARmgAwIBAgIUC3WWSUFraHoY4dUfUBW7fIiRuzEwCgYIKoZIzj0EAwIw
DjEMMAoGA1UEAwwDaWRwMCAXDTI2MTEyMzE2Mjg1OFoYDzIxMjYxMDMwMTYyODU4
WjAOMQwwCgYDVQQDDANpZHAwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATodHQ9
YciKcDNRzcMczlVz6WisnkYUhEGyW0i6TCYTlhp4F4nVeCJqJnJp0FO/MTTnG3qL
dH61w0UD871C0nh8o1MwUTAdBgNVHQ4EFgQUhxLgfqEuAuLwzLH89wF+O3MpzEkw
HwYDVR0jBBgwFoAUhxLgfqEuAuLwzLH89wF+O3MpzEkwDwYDVR0TAQH/BAUwAwEB
/zAKBggqhkjOPQQDAgNIADBFAiEApMNJse84jZbeJZI0n/br5Fs17rwTqUF2LtRv
1jnsNmsCIFwqMW6bC82xuUfvLa5btnq4sqe/WlIhYQFvdl+uXkib
-----END CERTIFICATE-----'),
('other', E'-----BEGIN PUBLIC KEY-----\r\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAECTtWSv4tZ49zDzdxR7tFzrnxqHE5\r\nzt27CseGDcoBObbIBoivDsc42dufKZd4SpETI5kso2wZDPRQf7qyAVuKVg==\r\n-----END PUBLIC KEY-----\r\n'),
('private', '-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgAAAAAAAAAAAAAAAAAAAA
-----END PRIVATE KEY-----'),
('rsa-private', '-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
-----END RSA PRIVATE KEY-----');
GRANT SELECT ON pem TO PUBLIC;

-- A JWT provider: Qlik's defaults, the caller's tenant.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT provider, protocol, interactive, active, description, issuer, key_ids, clock_tolerance_sec,
       tenant_ids = ARRAY[(qlikcloud.qlik_current_user('acme')).tenant_id] AS own_tenant,
       id ~ '^[0-9a-f]{24}$' AS qlik_id, created IS NOT NULL AS has_created,
       identity_provider->'options'->'staticKeys'->0->>'pem' = (SELECT text FROM pem WHERE name = 'ec') AS pem_kept
FROM qlikcloud.qlik_create_jwt_idp('acme', 'https://portal.example.com', 'portal-key-1',
                                   (SELECT text FROM pem WHERE name = 'ec'), 'Customer portal');
\set req `$FAKECTL GET '/requests?path=/api/v1/identity-providers&method=POST&last=1'`
SELECT b - 'options' AS body_sent, b->'options'->>'issuer' AS issuer,
       jsonb_path_query_array(b, '$.options.staticKeys[*].kid') AS kids
FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r, LATERAL (SELECT (r->>'body')::jsonb) AS x(b);
-- A certificate carries the key too; tenants and tolerance given.
SELECT issuer, key_ids, clock_tolerance_sec, description
FROM qlikcloud.qlik_create_jwt_idp('acme', 'https://admin.example.com', 'admin-key',
                                   (SELECT text FROM pem WHERE name = 'cert'),
                                   clock_tolerance_sec => 30,
                                   tenant_ids => ARRAY[(qlikcloud.qlik_current_user('acme')).tenant_id]);
-- A key file with CRLF line ends; no tolerance.
SELECT issuer, clock_tolerance_sec
FROM qlikcloud.qlik_create_jwt_idp('acme', 'https://edge.example.com', 'k0', (SELECT text FROM pem WHERE name = 'other'),
                                   clock_tolerance_sec => 0);
\set st `$FAKECTL GET /state`
SELECT i->'options'->>'issuer' AS issuer, i->>'protocol' AS protocol, i->>'provider' AS provider
FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t, jsonb_array_elements(t->'identity_providers') AS i
WHERE t->>'name' = 'acme' ORDER BY i->'options'->>'issuer' COLLATE "C";
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/identity-providers POST 201`
SELECT :n AS created;

-- What Qlik refuses: a second provider for an issuer and key id (400), tenants without the
-- caller's (403), a client without TenantAdmin (403).
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://portal.example.com', 'portal-key-1', (SELECT text FROM pem WHERE name = 'ec'))$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://x.example.com', 'k2', (SELECT text FROM pem WHERE name = 'ec'), tenant_ids => '{TZXk9rFMoKgp7sgAwvczdAlKSSWuaa3e}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('viewer', 'https://x.example.com', 'k2', (SELECT text FROM pem WHERE name = 'ec'))$$);

-- Checked before any request: nothing sent.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://x.example.com', 'k', (SELECT text FROM pem WHERE name = 'private'))$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://x.example.com', 'k', (SELECT text FROM pem WHERE name = 'rsa-private'))$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://x.example.com', 'k', 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE6HR0PWHIinAzUc3DHM5Vc')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://x.example.com', 'k', replace((SELECT text FROM pem WHERE name = 'ec'), '-----END PUBLIC KEY-----', ''))$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://x.example.com', 'k', replace((SELECT text FROM pem WHERE name = 'ec'), 'FIRB', 'FI"}B'))$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://x.example.com', 'k', repeat((SELECT text FROM pem WHERE name = 'ec'), 2))$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://x.example.com', 'k', E'-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://x.example.com', 'k', (SELECT text FROM pem WHERE name = 'ec') || E'\x01')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://x.example.com', 'k', NULL)$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://x.example.com', 'k', E'-----BEGIN PUBLIC KEY-----\n' || repeat('A', 80) || E'\n-----END CERTIFICATE-----')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://x.example.com', 'k', (SELECT text FROM pem WHERE name = 'ec'), repeat('d', 129))$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://x.example.com', 'k', (SELECT text FROM pem WHERE name = 'ec'), clock_tolerance_sec => -1)$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://x.example.com', 'k', (SELECT text FROM pem WHERE name = 'ec'), clock_tolerance_sec => 7201)$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://x.example.com', 'k', (SELECT text FROM pem WHERE name = 'ec'), tenant_ids => '{"a b"}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', NULL, 'k', (SELECT text FROM pem WHERE name = 'ec'))$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', 'https://x.example.com', '', (SELECT text FROM pem WHERE name = 'ec'))$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_jwt_idp('acme', E'https://x.example.com\n', 'k', (SELECT text FROM pem WHERE name = 'ec'))$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_identity_providers('acme', page_size => 101)$$);
\set n `$FAKECTL count - /api/v1/identity-providers*`
SELECT :n AS requests_sent;

-- The list, page after page (2 a page), and filtered by active.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT issuer, key_ids, protocol, active FROM qlikcloud.qlik_list_identity_providers('acme', page_size => 2) ORDER BY issuer COLLATE "C";
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/identity-providers GET 200`
SELECT :n AS pages;
SELECT count(*) AS active FROM qlikcloud.qlik_list_identity_providers('acme', true);
SELECT count(*) AS inactive FROM qlikcloud.qlik_list_identity_providers('acme', false);
\set req `$FAKECTL GET '/requests?path=/api/v1/identity-providers&method=GET&last=1'`
SELECT r->>'query' AS query FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r;
SELECT count(*) AS none FROM qlikcloud.qlik_list_identity_providers('viewer');

SELECT qlikcloud.qlik_drop_credential('viewer');
