-- An object's id from Qlik is one of Qlik's ids (1 to 64 letters, digits,
-- "-" and "_", as the functions require of an id argument), or the answer is
-- QK006: an id with a newline reached the workflows' messages ("alias ... is
-- already in use by tenant <id>") and forged a line of the server log.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/workflows.json)" >/dev/null
\! $FAKECTL POST /faults '{"kind":"status","status":200,"host":"source.us.qlikcloud.com","path":"/api/v1/tenants/me","count":1,"body":{"id":"t1\nLOG:  forged line","hostnames":["a.us.qlikcloud.com"]}}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_current_tenant('source.us.qlikcloud.com')$$);
\! $FAKECTL POST /faults '{"kind":"status","status":200,"host":"source.us.qlikcloud.com","path":"/api/v1/tenants/me","count":1,"body":{"id":"t1\u001b[2J","hostnames":["a.us.qlikcloud.com"]}}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_current_tenant('source.us.qlikcloud.com')$$);
\! $FAKECTL POST /faults '{"kind":"status","status":200,"host":"source.us.qlikcloud.com","path":"/api/v1/tenants/me","count":1,"body":{"id":"","hostnames":["a.us.qlikcloud.com"]}}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_current_tenant('source.us.qlikcloud.com')$$);
-- Qlik's own ids are read.
SELECT (qlikcloud.qlik_current_tenant('source.us.qlikcloud.com')).id ~ '^[A-Za-z0-9_-]{1,64}$' AS qlik_id;
