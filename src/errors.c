/*
 * errors.c
 *		Qlik Cloud's error answers, read and reported.
 *
 * Qlik's services disagree on the shape of an error body (see README.md,
 * "Errors"): errors[0].status is a string in some, a number in others and
 * absent in the rest; traceId is sometimes missing (the items API sends an
 * X-B3-Traceid header instead); the licenses API adds "error" and "message";
 * the spaces API may put code and title at the top level; OAuth servers may
 * answer RFC 6749's {"error","error_description"}.  qlik_parse_error accepts
 * all of them and never fails: an unreadable body just yields no code.
 *
 * Every string taken from a response is bounded in length, and may be
 * scrubbed of a secret the caller names (the token endpoint could echo the
 * client secret we sent it; it must not reach a message).
 */
#include "qlikcloud.h"

#include <cjson/cJSON.h>

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/elog.h"

#include "dbtext.h"
#include "errors.h"

#define QLIK_MAX_ERROR_TEXT 1000

/*
 * A palloc'd copy of text, valid in the database encoding (dbtext.c),
 * scrubbed of the secret, then cut to at most limit bytes at a character
 * boundary.  Scrubbing comes before the cut, so that a cut cannot leave the
 * beginning of a secret behind, and both before and after the conversion,
 * so that the secret is found as it was sent and as the database spells it.
 */
static char *
bounded_text(const char *text, int limit, const char *scrub)
{
	char	   *s = qlik_scrub(text, scrub);

	s = qlik_scrub(qlik_db_text(s, strlen(s)), scrub);
	return qlik_clip_text(s, limit);
}

/* A bounded palloc'd copy of a JSON string member, or NULL. */
static char *
json_string(const cJSON *obj, const char *key, const char *scrub)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsString(item) && item->valuestring != NULL && item->valuestring[0] != '\0')
		return bounded_text(item->valuestring, QLIK_MAX_ERROR_TEXT, scrub);
	return NULL;
}

static void
parse_error(const QlikHttpResponse *resp, QlikErrorInfo *info, const char *scrub)
{
	cJSON	   *root;
	const char *hdr;

	memset(info, 0, sizeof(*info));
	root = resp->body_len > 0 ?
		cJSON_ParseWithLength(resp->body, resp->body_len) : NULL;

	/* palloc can fail: the cJSON tree (malloc'd) is freed whatever happens. */
	PG_TRY();
	{
		if (cJSON_IsObject(root))
		{
			const cJSON *errors = cJSON_GetObjectItemCaseSensitive(root, "errors");
			const cJSON *first = cJSON_IsArray(errors) ? cJSON_GetArrayItem(errors, 0) : NULL;

			if (cJSON_IsObject(first))
			{
				info->code = json_string(first, "code", scrub);
				info->title = json_string(first, "title", scrub);
				info->detail = json_string(first, "detail", scrub);
			}
			/* Deprecated top-level fields (spaces), licenses' message. */
			if (info->code == NULL)
				info->code = json_string(root, "code", scrub);
			if (info->title == NULL)
				info->title = json_string(root, "title", scrub);
			if (info->title == NULL)
				info->title = json_string(root, "message", scrub);
			if (info->detail == NULL)
				info->detail = json_string(root, "detail", scrub);
			/* RFC 6749 section 5.2 */
			if (info->code == NULL && info->title == NULL)
			{
				info->code = json_string(root, "error", scrub);
				info->title = json_string(root, "error_description", scrub);
			}
			info->trace_id = json_string(root, "traceId", scrub);
		}
	}
	PG_CATCH();
	{
		cJSON_Delete(root);
		PG_RE_THROW();
	}
	PG_END_TRY();
	cJSON_Delete(root);

	if (info->trace_id == NULL && (hdr = qlik_http_header(resp, "x-b3-traceid")) != NULL)
		info->trace_id = bounded_text(hdr, 64, scrub);
}

void
qlik_parse_error(const QlikHttpResponse *resp, QlikErrorInfo *info)
{
	parse_error(resp, info, NULL);
}

int
qlik_http_sqlstate(long status)
{
	switch (status)
	{
		case 400:
			return ERRCODE_QLIK_HTTP_400;
		case 401:
			return ERRCODE_QLIK_HTTP_401;
		case 403:
			return ERRCODE_QLIK_HTTP_403;
		case 404:
			return ERRCODE_QLIK_HTTP_404;
		case 409:
			return ERRCODE_QLIK_HTTP_409;
		case 412:
			return ERRCODE_QLIK_HTTP_412;
		case 429:
			return ERRCODE_QLIK_HTTP_429;
		case 501:
			return ERRCODE_QLIK_HTTP_501;
	}
	if (status >= 400 && status < 500)
		return ERRCODE_QLIK_HTTP_4XX;
	if (status >= 500 && status < 600)
		return ERRCODE_QLIK_HTTP_5XX;
	return ERRCODE_QLIK_BAD_RESPONSE;
}

/* A copy of text with every occurrence of secret replaced. */
char *
qlik_scrub(const char *text, const char *secret)
{
	StringInfoData buf;
	size_t		n;
	const char *p;
	const char *hit;

	if (text == NULL)
		return NULL;
	if (secret == NULL || (n = strlen(secret)) == 0)
		return pstrdup(text);
	initStringInfo(&buf);
	for (p = text; (hit = strstr(p, secret)) != NULL; p = hit + n)
	{
		appendBinaryStringInfo(&buf, p, hit - p);
		appendStringInfoString(&buf, "<redacted>");
	}
	appendStringInfoString(&buf, p);
	return buf.data;
}

static const char *
hint_for(long status, const QlikErrorInfo *info, int attempts)
{
	if (info->code != NULL &&
		(strcmp(info->code, "TENANT_DEACTIVATED") == 0 || strcmp(info->code, "TENANT_DISABLED") == 0))
		return "The tenant is deactivated. Reactivate it at its region's register host before its purge date.";
	/* Qlik's edge answers an unknown host name so, before any credential is looked at. */
	if (info->code != NULL && strcmp(info->code, "LOGIN-2") == 0)
		return "No Qlik Cloud tenant answers at this host name: check its spelling (a tenant's hostname or alias), or the tenant was purged.";
	switch (status)
	{
		case 400:
			return "Qlik Cloud rejected the request as invalid; the detail names the field when Qlik does.";
		case 401:
			return "The access token or the OAuth client's id and secret were refused; check the credential in qlikcloud.credential_list.";
		case 403:
			return "The OAuth client lacks the scope or role this call needs; tenant creation and deactivation need a regional client.";
		case 404:
			return "The object does not exist on this tenant, or the path is wrong.";
		case 409:
			return "An object with the same unique name or key exists already.";
		case 412:
			return "A precondition header did not match; qlik-confirm-hostname must name one of the tenant's hostnames.";
		case 429:
			return psprintf("Qlik Cloud's rate limit still held after %d attempt(s); raise qlikcloud.max_attempts or "
							"qlikcloud.retry_max_total_wait, or spread the calls out.", attempts);
	}
	if (status == 501)
		return "Qlik Cloud does not implement this method on this path: check both against Qlik's API reference; trying again will not help.";
	if (status >= 500)
		return "Qlik Cloud failed on its side; try again later, and quote the traceId to Qlik support if it persists.";
	return NULL;
}

/*
 * Report an HTTP error answer as an ERROR with the status's SQLSTATE.
 * context, if given, prefixes errmsg ("could not get an access token from
 * x"); scrub, if given, is a secret removed from every text shown.
 */
void
qlik_raise_http_error(const QlikHttpResponse *resp, const char *host,
					  const char *what, const char *context, const char *scrub)
{
	QlikErrorInfo info;
	StringInfoData detail;
	const char *title;
	const char *hint;
	const char *ctype = qlik_http_header(resp, "content-type");

	parse_error(resp, &info, scrub);

	initStringInfo(&detail);
	appendStringInfo(&detail, "HTTP %ld from %s on %s", resp->status, what, host);
	if (resp->attempts > 1)
		appendStringInfo(&detail, " after %d attempts", resp->attempts);
	appendStringInfoChar(&detail, '.');
	if (info.code != NULL)
		appendStringInfo(&detail, " Qlik error code: %s.", info.code);
	if (info.detail != NULL)
	{
		size_t		n = strlen(info.detail);

		appendStringInfo(&detail, " Qlik detail: %s", info.detail);
		if (n > 0 && strchr(".!?", info.detail[n - 1]) == NULL)
			appendStringInfoChar(&detail, '.');
	}
	if (info.trace_id != NULL)
		appendStringInfo(&detail, " traceId: %s.", info.trace_id);
	if (info.code == NULL && info.title == NULL && resp->body_len > 0)
		appendStringInfo(&detail, " The body (%zu bytes, %s) is not a Qlik error document.",
						 resp->body_len,
						 ctype ? qlik_db_text_bounded(ctype, strlen(ctype), 100) : "no content type");

	title = info.title;
	if (title == NULL)
		title = psprintf("HTTP %ld", resp->status);
	hint = hint_for(resp->status, &info, resp->attempts);

	/*
	 * A refusal about the tenant itself (deactivated, or no tenant at that
	 * host) is not about the token: Qlik gives it to /oauth/token as to any
	 * call, so a fresh session (asking for a token first) and one with a
	 * cached token get the same error, told apart only by the detail's path.
	 */
	if (info.code != NULL &&
		(strcmp(info.code, "TENANT_DEACTIVATED") == 0 || strcmp(info.code, "TENANT_DISABLED") == 0 ||
		 strcmp(info.code, "LOGIN-2") == 0))
		context = NULL;

	if (context != NULL)
		ereport(ERROR,
				(errcode(qlik_http_sqlstate(resp->status)),
				 errmsg("%s: %s", context, title),
				 errdetail_internal("%s", detail.data),
				 hint ? errhint("%s", hint) : 0));
	ereport(ERROR,
			(errcode(qlik_http_sqlstate(resp->status)),
			 errmsg("Qlik Cloud request failed: %s", title),
			 errdetail_internal("%s", detail.data),
			 hint ? errhint("%s", hint) : 0));
	pg_unreachable();
}
