-- Credentials are cached in each backend: a change, a drop, or a rolled-back
-- change serves the very next call, in this session and in another one that
-- has the old credential cached.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null

-- Another session, through dblink, to the same database.
CREATE EXTENSION dblink;
SELECT dblink_connect('other', format('dbname=%s port=%s host=%s', current_database(),
       current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1))) AS other;
CREATE FUNCTION qt.other_client(target text) RETURNS text LANGUAGE sql AS $$
  SELECT r FROM dblink('other', format($q$SELECT coalesce(
           (SELECT qlikcloud.qlik_api(%L, 'GET', '/api/v1/users/me')->>'clientId'),
           'none')$q$, target)) AS t(r text)
$$;
CREATE FUNCTION qt.other_err(target text) RETURNS text LANGUAGE sql AS $$
  SELECT r FROM dblink('other', format('SELECT qt.err(%L, false)',
           format($q$SELECT qlikcloud.qlik_api(%L, 'GET', '/api/v1/users/me')$q$, target))) AS t(r text)
$$;

-- Both sessions have acme's credential (and a token) cached.
SELECT qlikcloud.qlik_api('acme.us.qlikcloud.com', 'GET', '/api/v1/users/me')->>'clientId' AS here,
       qt.other_client('acme.us.qlikcloud.com') AS other;
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS here_by_name,
       qt.other_client('acme') AS other_by_name;

-- A changed credential serves the next call in both.
SELECT qlikcloud.qlik_set_credential('acme', 'acme.us.qlikcloud.com', 'us-region-client', 'S3cr3t-us-region-7d1f0c2b');
SELECT qlikcloud.qlik_api('acme.us.qlikcloud.com', 'GET', '/api/v1/users/me')->>'clientId' AS here,
       qt.other_client('acme.us.qlikcloud.com') AS other;

-- A change rolled back never served a call; the one made in the transaction did.
BEGIN;
SELECT qlikcloud.qlik_set_credential('acme', 'acme.us.qlikcloud.com', 'acme-client', 'S3cr3t-acme-5e8a9d71');
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS inside,
       qt.other_client('acme') AS other_before_commit;
ROLLBACK;
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS after_rollback,
       qt.other_client('acme') AS other_after_rollback;

-- A wrong secret is used at once (the token request fails), and so is a fix.
SELECT qlikcloud.qlik_set_credential_secret('acme', 'not-the-secret');
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$, false) AS here,
       qt.other_err('acme') AS other;
SELECT qlikcloud.qlik_set_credential('acme', 'acme.us.qlikcloud.com', 'acme-client', 'S3cr3t-acme-5e8a9d71');
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS here,
       qt.other_client('acme') AS other;

-- A dropped credential: its name no longer resolves, and its host falls to
-- the regional pattern, in both sessions.
SELECT qlikcloud.qlik_drop_credential('acme');
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$, false) AS here,
       qt.other_err('acme') AS other;
SELECT qlikcloud.qlik_api('acme.us.qlikcloud.com', 'GET', '/api/v1/users/me')->>'clientId' AS here,
       qt.other_client('acme.us.qlikcloud.com') AS other;

-- A new credential, and a dropped pattern: both seen at the next call.
SELECT qlikcloud.qlik_set_credential('acme', 'acme.us.qlikcloud.com', 'acme-client', 'S3cr3t-acme-5e8a9d71');
SELECT qlikcloud.qlik_drop_credential('us-region');
SELECT qlikcloud.qlik_api('acme.us.qlikcloud.com', 'GET', '/api/v1/users/me')->>'clientId' AS here,
       qt.other_client('acme.us.qlikcloud.com') AS other;
SELECT qt.err($$SELECT qlikcloud.qlik_api('other.us.qlikcloud.com', 'GET', '/api/v1/users/me')$$, false) AS here,
       qt.other_err('other.us.qlikcloud.com') AS other;
SELECT qlikcloud.qlik_set_credential('us-region', '*.us.qlikcloud.com', 'us-region-client', 'S3cr3t-us-region-7d1f0c2b');

-- A TRUNCATE too (restored after, in one transaction).
BEGIN;
CREATE TEMP TABLE saved AS SELECT * FROM qlikcloud.credentials;
TRUNCATE qlikcloud.credentials;
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$, false) AS after_truncate;
INSERT INTO qlikcloud.credentials SELECT * FROM saved;
DROP TABLE saved;
COMMIT;
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS restored,
       qt.other_client('acme') AS other;

SELECT dblink_disconnect('other');
DROP FUNCTION qt.other_client(text), qt.other_err(text);
DROP EXTENSION dblink;
