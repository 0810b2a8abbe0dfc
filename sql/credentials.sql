-- Credentials: which client serves which host, and who may see what.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null

-- Bad credentials are refused by the table's constraints.
SELECT qt.err($$SELECT qlikcloud.qlik_set_credential('bad name', 'a.us.qlikcloud.com', 'id', 'secret')$$, false);
SELECT qt.err($$SELECT qlikcloud.qlik_set_credential('x', 'https://a.us.qlikcloud.com/', 'id', 'secret')$$, false);
SELECT qt.err($$SELECT qlikcloud.qlik_set_credential('x', '*', 'id', 'secret')$$, false);
SELECT qt.err($$SELECT qlikcloud.qlik_set_credential('x', 'localhost', 'id', 'secret')$$, false);
SELECT qt.err($$SELECT qlikcloud.qlik_set_credential('x', 'b.us.qlikcloud.com', 'id', '')$$, false);
-- One credential per host pattern; patterns compare in lower case.
SELECT qt.err($$SELECT qlikcloud.qlik_set_credential('x', '*.US.qlikcloud.com', 'id', 'secret')$$, false);
-- A refused credential never shows its secret, not even in an error's detail
-- (a constraint's own error would print the failing row).
SELECT position('TOPSECRET' IN qt.err($$SELECT qlikcloud.qlik_set_credential('bad name', 'a.us.qlikcloud.com', 'id', 'TOPSECRET-1')$$)) = 0 AS name_error_clean,
       position('TOPSECRET' IN qt.err($$SELECT qlikcloud.qlik_set_credential('x', 'https://a.us.qlikcloud.com/', 'id', 'TOPSECRET-2')$$)) = 0 AS pattern_error_clean,
       position('TOPSECRET' IN qt.err($$SELECT qlikcloud.qlik_set_credential('x', 'a.us.qlikcloud.com', NULL, 'TOPSECRET-3')$$)) = 0 AS client_id_error_clean;
SELECT qt.err($$SELECT qlikcloud.qlik_set_credential('x', 'a.us.qlikcloud.com', NULL, 'TOPSECRET-3')$$);
-- Host names are stored in lower case.
SELECT qlikcloud.qlik_set_credential('upper', 'UPPER.EU.qlikcloud.com', 'id', 'secret');
SELECT host_pattern FROM qlikcloud.credential_list WHERE name = 'upper';
SELECT qlikcloud.qlik_drop_credential('upper'), qlikcloud.qlik_drop_credential('upper');

-- Resolution: an exact host beats a pattern; a credential name names its host.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qlikcloud.qlik_api('acme.us.qlikcloud.com', 'GET', '/api/v1/users/me')->>'clientId' AS exact_host;
SELECT qlikcloud.qlik_api('ACME.us.QlikCloud.com', 'GET', '/api/v1/users/me')->>'clientId' AS any_case;
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS by_name;
SELECT qlikcloud.qlik_api('https://acme.us.qlikcloud.com/', 'GET', '/api/v1/users/me')->>'clientId' AS pasted_url;
SELECT qlikcloud.qlik_api('beta.eu.qlikcloud.com', 'GET', '/api/v1/users/me')->>'clientId' AS by_pattern;

-- No credential, or a malformed target: an error, and no request at all.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme.de.qlikcloud.com', 'GET', '/api/v1/users/me')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_api('nosuch', 'GET', '/api/v1/users/me')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_api('us-region', 'GET', '/api/v1/users/me')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme.us.qlikcloud.com:8443', 'GET', '/api/v1/users/me')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_api('user@acme.us.qlikcloud.com', 'GET', '/api/v1/users/me')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_api('', 'GET', '/api/v1/users/me')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_api(NULL, 'GET', '/api/v1/users/me')$$);
\set n `$FAKECTL count`
SELECT :n AS requests_sent;

-- A changed secret retires the cached token: the next call asks for a new one.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me') IS NOT NULL AS cached_token_used;
SELECT qlikcloud.qlik_set_credential_secret('acme', 'S3cr3t-acme-5e8a9d71');
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me') IS NOT NULL AS new_token;
\set n `$FAKECTL count acme.us.qlikcloud.com /oauth/token`
SELECT :n AS token_requests;
SELECT qt.err($$SELECT qlikcloud.qlik_set_credential_secret('nosuch', 'x')$$, false);

-- Loading a secret from a server file keeps it out of SQL text.
\! printf '  S3cr3t-acme-5e8a9d71 \n' > $QLIKCLOUD_WORK/acme.secret && chmod 644 $QLIKCLOUD_WORK/acme.secret
\set secret_file `echo $QLIKCLOUD_WORK/acme.secret`
SELECT qlikcloud.qlik_load_credential_secret('acme', :'secret_file');
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS after_file_load;
\! printf '\n\n' > $QLIKCLOUD_WORK/empty.secret && chmod 644 $QLIKCLOUD_WORK/empty.secret
\set empty_file `echo $QLIKCLOUD_WORK/empty.secret`
SELECT qt.err(format('SELECT qlikcloud.qlik_load_credential_secret(%L, %L)', 'acme', :'empty_file'), false) ~ '^22023: file ".*" holds no secret$' AS empty_file_refused;
