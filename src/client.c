/*
 * client.c
 *		An authenticated call to a Qlik Cloud host.
 *
 * qlik_call checks what the caller gave (method, path, headers) before any
 * request goes out, finds the credential serving the host, gets a token,
 * sends the request and turns an error status into an ERROR.  When Qlik
 * refuses a token that came from the cache (it expired early, or was
 * revoked) the token is dropped and the call made once more with a new one;
 * a deactivated tenant's 401 is final, since a new token cannot help.
 */
#include "qlikcloud.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "auth.h"
#include "client.h"
#include "credentials.h"
#include "errors.h"

void
qlik_call_init(QlikCall *call)
{
	memset(call, 0, sizeof(*call));
	call->sink_fd = -1;
	call->source_fd = -1;
}

/*
 * Text of the database (in its encoding) as UTF-8, what Qlik reads in JSON
 * bodies and URLs: a LATIN1 database's "Caf\xe9" must reach Qlik as
 * "Caf\xc3\xa9". In a UTF-8 database (and in SQL_ASCII, whose bytes have
 * no known encoding) the text is sent as it is. *len is updated.
 */
const char *
qlik_text_to_utf8(const char *s, size_t *len)
{
	int			encoding = GetDatabaseEncoding();
	char	   *out;

	if (encoding == PG_UTF8 || encoding == PG_SQL_ASCII || *len == 0)
		return s;
	out = pg_server_to_any(s, (int) *len, PG_UTF8);
	if (out != s)
		*len = strlen(out);
	return out;
}

/* A JSON body made in the database (jsonb's text), sent as UTF-8. */
void
qlik_call_json_body(QlikCall *call, const char *json)
{
	size_t		len = strlen(json);

	call->body = qlik_text_to_utf8(json, &len);
	call->body_len = len;
	call->content_type = "application/json";
}

const char *
qlik_check_method(const char *method)
{
	static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};

	if (method != NULL)
	{
		for (size_t i = 0; i < lengthof(methods); i++)
			if (pg_strcasecmp(method, methods[i]) == 0)
				return methods[i];
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid HTTP method \"%s\"", method ? method : ""),
			 errhint("Use GET, POST, PUT, PATCH, DELETE or HEAD.")));
	pg_unreachable();
}

static bool
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Percent-encode everything but RFC 3986's unreserved characters. */
char *
qlik_url_encode_text(const char *s, size_t len)
{
	StringInfoData buf;

	/* URLs carry UTF-8, percent-encoded, whatever the database's encoding. */
	s = qlik_text_to_utf8(s, &len);
	initStringInfo(&buf);
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (is_unreserved(c))
			appendStringInfoChar(&buf, c);
		else
			appendStringInfo(&buf, "%%%02X", c);
	}
	return buf.data;
}

/*
 * Is this path segment, percent-decoded, ".." (alone, or between decoded
 * slashes or backslashes)?  seg is normalized: every '%' starts an escape.
 */
static bool
is_dot_dot(const char *seg, size_t len)
{
	char	   *dec = palloc(len + 1);
	size_t		n = 0;
	size_t		piece = 0;
	bool		found = false;

	for (size_t i = 0; i < len; i++)
	{
		if (seg[i] == '%' && i + 2 < len && isxdigit((unsigned char) seg[i + 1]) &&
			isxdigit((unsigned char) seg[i + 2]))
		{
			char		hex[3] = {seg[i + 1], seg[i + 2], '\0'};

			dec[n++] = (char) strtol(hex, NULL, 16);
			i += 2;
		}
		else
			dec[n++] = seg[i];
	}
	dec[n] = '\0';
	for (size_t i = 0; i <= n && !found; i++)
	{
		if (i == n || dec[i] == '/' || dec[i] == '\\')
		{
			found = (i - piece == 2 && dec[piece] == '.' && dec[piece + 1] == '.');
			piece = i + 1;
		}
	}
	pfree(dec);
	return found;
}

/*
 * Check a path ("/api/v1/users?limit=5") and return it ready to send:
 * characters that may not appear raw in a URL (space, quotes, braces,
 * non-ASCII) are percent-encoded, so that a SCIM filter can be written as
 * Qlik documents it.  Control characters (CR, LF), fragments and ".."
 * segments, plain or percent-encoded (%2e%2e, .%2E), are refused with
 * sqlstate: 22023 for a caller's path, QK006 for a link in Qlik's answer.
 */
static char *
check_path(const char *path, int sqlstate, const char *subject)
{
	StringInfoData buf;
	bool		ours = (sqlstate == ERRCODE_INVALID_PARAMETER_VALUE);
	size_t		plen;

	if (path == NULL || path[0] != '/' || path[1] == '/')
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("invalid %s \"%s\"", subject, path ? path : ""),
				 errdetail("A path starts with a single \"/\", such as /api/v1/users/me.")));

	initStringInfo(&buf);
	for (const char *p = path; *p; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (c < 0x20 || c == 0x7f)
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("%s contains a control character", subject),
					 errdetail("Carriage returns, line feeds and other control characters are not allowed.")));
		if (c == '#')
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("%s contains a fragment (\"#\")", subject),
					 ours ? errhint("Write \"#\" in a query value as %%23, or use qlikcloud.qlik_url_encode().") : 0));
		if (c == '%' && isxdigit((unsigned char) p[1]) && isxdigit((unsigned char) p[2]))
			appendStringInfoChar(&buf, c);
		else if (c >= 0x80 || c == ' ' || c == '"' || c == '<' || c == '>' || c == '\\' ||
				 c == '^' || c == '`' || c == '{' || c == '|' || c == '}' || c == '%')
			appendStringInfo(&buf, "%%%02X", c);
		else
			appendStringInfoChar(&buf, c);
	}

	/* No ".." segment in the path part: it would leave the API's tree. */
	plen = strcspn(buf.data, "?");
	for (size_t i = 0; i < plen;)
	{
		const char *seg = buf.data + i + 1;
		size_t		n = 0;

		while (i + 1 + n < plen && seg[n] != '/')
			n++;
		if (is_dot_dot(seg, n))
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("%s contains a \"..\" segment", subject),
					 errdetail("Percent-encoded dots (%%2e) count as dots.")));
		i += n + 1;
	}
	return buf.data;
}

char *
qlik_check_path(const char *path)
{
	return check_path(path, ERRCODE_INVALID_PARAMETER_VALUE, "Qlik Cloud API path");
}

/*
 * Check a next-page link from an answer on host (a path, or an https URL),
 * as a caller's path is checked, but as Qlik's fault (QK006).  An URL on
 * another host is refused later, by qlik_call (QK007).
 */
char *
qlik_check_link(const char *link, const char *host)
{
	const char *subject = psprintf("Qlik Cloud's next-page link on %s", host);
	const char *path;

	if (link[0] == '/')
		return check_path(link, ERRCODE_QLIK_BAD_RESPONSE, subject);
	if (pg_strncasecmp(link, "https://", 8) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("%s is neither an https URL nor a path", subject)));
	path = link + 8 + strcspn(link + 8, "/?#");
	for (const char *p = link; p < path; p++)
		if ((unsigned char) *p <= 0x20 || *p == 0x7f || *p == '\\')
			ereport(ERROR,
					(errcode(ERRCODE_QLIK_BAD_RESPONSE),
					 errmsg("%s has a control character or a space in its host", subject)));
	if (*path == '\0')
		return pstrdup(link);
	if (*path != '/')
		return psprintf("%.*s/%s", (int) (path - link), link,
						check_path(psprintf("/%s", path), ERRCODE_QLIK_BAD_RESPONSE, subject) + 1);
	return psprintf("%.*s%s", (int) (path - link), link,
					check_path(path, ERRCODE_QLIK_BAD_RESPONSE, subject));
}

/* A character of an HTTP token (RFC 9110): header names, media types. */
static bool
is_tchar(char c)
{
	return c != '\0' && (isalnum((unsigned char) c) || strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * Check one extra request header and return it as "Name: value".  Names are
 * HTTP tokens; values have no CR, LF or NUL; headers this layer sets itself
 * cannot be replaced.
 */
char *
qlik_check_header(const char *name, const char *value)
{
	static const char *const reserved[] = {
		"authorization", "host", "content-length", "transfer-encoding",
		"connection", "expect", "content-type", "te", "upgrade", "cookie"
	};

	if (name == NULL || name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("HTTP header name must not be empty")));
	for (const char *p = name; *p; p++)
	{
		if (!is_tchar(*p))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid HTTP header name \"%s\"", name)));
	}
	for (size_t i = 0; i < lengthof(reserved); i++)
		if (pg_strcasecmp(name, reserved[i]) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("HTTP header \"%s\" is set by qlikcloud and cannot be given", name)));
	if (value == NULL)
		value = "";
	for (const char *p = value; *p; p++)
	{
		if ((unsigned char) *p < 0x20 && *p != '\t')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value of HTTP header \"%s\" contains a control character", name),
					 errdetail("Carriage returns and line feeds are not allowed in header values.")));
	}
	return psprintf("%s: %s", name, value);
}

/*
 * Check a media type given for a request body ("multipart/form-data;
 * boundary=x") and return it: type "/" subtype as HTTP tokens, then
 * parameters of printable ASCII only, so that no CR, LF or other control
 * character can end the header and start another.
 */
const char *
qlik_check_media_type(const char *value, const char *what)
{
	const char *p = value;
	size_t		n;

	for (const char *c = value; *c; c++)
		if ((unsigned char) *c < 0x20 || (unsigned char) *c >= 0x7f)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s contains a control or non-ASCII character", what),
					 errdetail("Carriage returns, line feeds and other control characters are not allowed.")));
	if (strlen(value) > 1000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is longer than 1000 bytes", what)));
	for (n = 0; is_tchar(p[n]); n++)
		;
	if (n > 0 && p[n] == '/')
	{
		p += n + 1;
		for (n = 0; is_tchar(p[n]); n++)
			;
		p += n;
		while (*p == ' ')
			p++;
	}
	if (n == 0 || (*p != '\0' && *p != ';'))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s \"%s\"", what, value),
				 errhint("A media type is type/subtype with optional parameters, such as "
						 "application/octet-stream or multipart/form-data; boundary=x.")));
	return value;
}

static bool
tenant_deactivated(const QlikHttpResponse *resp)
{
	QlikErrorInfo info;

	qlik_parse_error(resp, &info);
	return info.code != NULL &&
		(strcmp(info.code, "TENANT_DEACTIVATED") == 0 || strcmp(info.code, "TENANT_DISABLED") == 0);
}

/* "GET /api/v1/users": the path without its query, for messages and logs. */
static char *
describe(const char *method, const char *url_or_path)
{
	const char *p = url_or_path;
	const char *q;

	if (strncmp(p, "https://", 8) == 0)
	{
		p = strchr(p + 8, '/');
		if (p == NULL)
			p = "/";
	}
	q = strchr(p, '?');
	return psprintf("%s %.*s", method, q ? (int) (q - p) : (int) strlen(p), p);
}

/* Zero a token's palloc'd copy once it has served. */
static void
forget_bearer(QlikHttpRequest *req)
{
	if (req->bearer != NULL)
		explicit_bzero((char *) req->bearer, strlen(req->bearer));
	req->bearer = NULL;
}

/*
 * Send a request that carries a token, zeroing the token's copy if the
 * request ends in an ERROR (a transport failure, a refused redirect, cancel,
 * statement_timeout).
 */
static QlikHttpResponse *
perform_with_bearer(QlikHttpRequest *req)
{
	QlikHttpResponse *resp;

	PG_TRY();
	{
		resp = qlik_http_perform(req);
	}
	PG_CATCH();
	{
		forget_bearer(req);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return resp;
}

/*
 * An answer that echoes the token (some error pages show the request's
 * headers) must not carry it into an ERROR or a result: every occurrence, in
 * a header or the body, is replaced.  Bodies may be binary (temporary
 * contents).
 */
static void
redact_token(QlikHttpResponse *resp, const char *token)
{
	size_t		n = strlen(token);
	const char *p = resp->body;
	const char *end = resp->body + resp->body_len;
	const char *hit;
	StringInfoData buf;
	ListCell   *lc;

	foreach(lc, resp->headers)
	{
		QlikHttpHeader *h = lfirst(lc);

		if (strstr(h->value, token) != NULL)
			h->value = qlik_scrub(h->value, token);
	}
	if (n == 0 || resp->body_len < n || memmem(p, resp->body_len, token, n) == NULL)
		return;
	initStringInfo(&buf);
	while ((hit = memmem(p, end - p, token, n)) != NULL)
	{
		appendBinaryStringInfo(&buf, p, hit - p);
		appendStringInfoString(&buf, "<redacted>");
		p = hit + n;
	}
	appendBinaryStringInfo(&buf, p, end - p);
	explicit_bzero(resp->body, resp->body_len);
	resp->body = buf.data;
	resp->body_len = buf.len;
}

/*
 * The request a call sends, everything the caller gave checked before any
 * request goes out; its token is still to be added.  Returns its description
 * ("GET /api/v1/users"), as req->what.
 */
static char *
build_request(QlikCall *call, QlikHttpRequest *req, QlikCredential **cred, char **host)
{
	const char *method = qlik_check_method(call->method);
	char	   *path;
	char	   *url;
	char	   *what;

	if (strncmp(call->path, "https://", 8) == 0)
		path = NULL;
	else
		path = qlik_check_path(call->path);

	*cred = qlik_resolve_target(call->tenant, host);
	if (path != NULL)
		url = psprintf("https://%s%s", *host, path);
	else
	{
		char	   *url_host = qlik_url_host(call->path);

		if (url_host == NULL || strcmp(url_host, *host) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_QLIK_REDIRECT),
					 errmsg("Qlik Cloud link leads to another host than %s", *host),
					 errdetail("Link on host %s.", url_host ? url_host : "(not an https URL)")));
		url = pstrdup(call->path);
	}

	qlik_http_request_init(req);
	req->method = method;
	req->url = url;
	req->content_type = call->body ? (call->content_type ? call->content_type : "application/json") : NULL;
	req->accept = call->accept;
	req->body = call->body;
	req->body_len = call->body_len;
	req->headers = call->headers;
	req->idempotent = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
		strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0;
	req->follow_redirects = true;
	req->what = what = describe(method, url);
	req->sink_fd = call->sink_fd;
	req->source_fd = call->source_fd;
	req->source_len = call->source_len;
	return what;
}

/*
 * Start the request a later qlik_call with the same arguments will send (a
 * list's next page), so that it travels while the caller works; see
 * qlik_http_prefetch.  Only a plain GET is started; nothing is reported
 * here: the outcome goes to that later call.
 */
void
qlik_call_prefetch(QlikCall *call)
{
	QlikCredential *cred;
	QlikHttpRequest req;
	char	   *host;
	bool		from_cache;

	(void) build_request(call, &req, &cred, &host);
	req.bearer = qlik_access_token(cred, host, &from_cache);
	PG_TRY();
	{
		qlik_http_prefetch(&req);
	}
	PG_CATCH();
	{
		forget_bearer(&req);
		PG_RE_THROW();
	}
	PG_END_TRY();
	forget_bearer(&req);
}

QlikHttpResponse *
qlik_call(QlikCall *call, char **host_out)
{
	char	   *host;
	char	   *what;
	QlikCredential *cred;
	QlikHttpRequest req;
	QlikHttpResponse *resp;
	bool		from_cache;

	what = build_request(call, &req, &cred, &host);

	req.bearer = qlik_access_token(cred, host, &from_cache);
	resp = perform_with_bearer(&req);

	if (resp->status == 401 && from_cache && !tenant_deactivated(resp))
	{
		elog(DEBUG1, "qlikcloud: %s on %s: cached token refused, getting a new one", what, host);
		forget_bearer(&req);
		qlik_forget_token(cred, host);
		cred = qlik_resolve_target(call->tenant, &host);
		req.bearer = qlik_access_token(cred, host, &from_cache);
		resp = perform_with_bearer(&req);
	}
	redact_token(resp, req.bearer);
	forget_bearer(&req);

	if (host_out)
		*host_out = host;
	call->what = what;
	if (resp->status >= 300 && !call->return_errors)
		qlik_raise_http_error(resp, host, what, NULL, NULL);
	return resp;
}
