/*
 * web_integrations.c
 *		Qlik Cloud web integrations: the origins allowed to embed a tenant's
 *		content (their id is what an embedding page sends as
 *		qlik-web-integration-id).
 *
 * The list pages with startingAfter/endingBefore rather than next/prev
 * cursors; like every Qlik list it gives the next page as links.next.href,
 * which qlik_list_srf follows whatever its query says.
 */
#include "qlikcloud.h"

#include "resource.h"

PG_FUNCTION_INFO_V1(qlik_create_web_integration);
PG_FUNCTION_INFO_V1(qlik_list_web_integrations);
PG_FUNCTION_INFO_V1(qlik_get_web_integration);
PG_FUNCTION_INFO_V1(qlik_update_web_integration);

static const QlikField web_integration_fields[] = {
	{"web_integration", "*"},
	{NULL, NULL}
};

/*
 * An origin as a browser sends it: http or https, "://", a host (letters,
 * digits, '-', '.', a leading "*." for every subdomain, or an IPv6 address
 * in brackets), an optional port, nothing after but an optional "/".  Qlik
 * compares origins with what browsers send, so a path, a query, white space
 * or a control character could never match and is refused here.
 */
static void
check_origin(const char *origin, int index)
{
	const char *p = origin;
	const char *host;
	const char *why = NULL;

	/* Not echoed: a CR or LF in a message would forge log lines. */
	for (const char *c = origin; *c; c++)
		if ((unsigned char) *c <= ' ' || *c == 0x7f)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("valid_origins[%d] contains white space or a control character", index),
					 errdetail("An origin is a scheme, a host and an optional port, such as https://app.example.com.")));
	if (pg_strncasecmp(p, "https://", 8) == 0)
		p += 8;
	else if (pg_strncasecmp(p, "http://", 7) == 0)
		p += 7;
	else
		why = "An origin starts with https:// or http://.";

	if (why == NULL)
	{
		host = p;
		if (*p == '[')
		{
			const char *close = strchr(p, ']');

			if (close == NULL || close == p + 1 ||
				strspn(p + 1, ":.0123456789abcdefABCDEF") != (size_t) (close - p - 1))
				why = "An IPv6 address is written in brackets.";
			else
				p = close + 1;
		}
		else
		{
			if (strncmp(p, "*.", 2) == 0)
				host = p += 2;
			p += strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.");
		}
		if (why == NULL && p == host)
			why = "An origin names a host.";
		if (why == NULL && *p == ':')
		{
			const char *port = ++p;

			p += strspn(p, "0123456789");
			if (p == port || p - port > 5)
				why = "A port is a number.";
		}
		if (why == NULL && *p == '/')
			p++;
		if (why == NULL && *p != '\0')
			why = "An origin is a scheme, a host and an optional port: no path, query or fragment.";
	}
	if (why != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a valid origin", origin),
				 errdetail("%s", why),
				 errhint("Write origins as https://app.example.com or https://app.example.com:8443.")));
}

static char *
wi_path(const char *id)
{
	return psprintf("/api/v1/web-integrations/%s", qlik_seg(id));
}

static void
check_origins(List *origins)
{
	ListCell   *lc;

	foreach(lc, origins)
		check_origin(lfirst(lc), foreach_current_index(lc) + 1);
}

/* POST /api/v1/web-integrations: {name, validOrigins} */
Datum
qlik_create_web_integration(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *name = qlik_arg_text(fcinfo, 1, "name");
	List	   *origins = qlik_arg_text_array(fcinfo, 2, "valid_origins");
	QlikBody	b;

	check_origins(origins);

	qb_begin(&b, '{');
	qb_string(&b, "name", name);
	if (!PG_ARGISNULL(2))
		qb_string_list(&b, "validOrigins", origins);
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "POST", "/api/v1/web-integrations",
													  qb_end(&b), NIL, NULL),
									   web_integration_fields));
}

/* qlik_list_web_integrations(host, sort, page_size) */
static char *
list_path(FunctionCallInfo fcinfo, char **tenant)
{
	static const char *const sorts[] = {"name", "+name", "-name", NULL};
	char	   *sort;
	int			limit;
	StringInfoData path;

	*tenant = qlik_arg_text(fcinfo, 0, "host");
	sort = qlik_arg_text_opt(fcinfo, 1, "sort");
	limit = qlik_arg_int(fcinfo, 2, "page_size", 100, 1, 100);
	qlik_check_enum(sort, "sort", sorts);

	initStringInfo(&path);
	appendStringInfoString(&path, "/api/v1/web-integrations");
	qlik_query_add(&path, "sort", sort);
	qlik_query_add(&path, "limit", psprintf("%d", limit));
	return path.data;
}

Datum
qlik_list_web_integrations(PG_FUNCTION_ARGS)
{
	return qlik_list_srf(fcinfo, list_path, web_integration_fields);
}

Datum
qlik_get_web_integration(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "web_integration_id");

	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET", wi_path(id), NULL, NIL, NULL),
									   web_integration_fields));
}

/*
 * PATCH /api/v1/web-integrations/{id}: "replace" of /name and /validOrigins
 * (the whole list), what was given; then the web integration read back
 * (Qlik answers the PATCH with 204 and no body).
 */
Datum
qlik_update_web_integration(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "web_integration_id");
	char	   *name = qlik_arg_text_opt(fcinfo, 2, "name");
	List	   *origins = qlik_arg_text_array(fcinfo, 3, "valid_origins");
	QlikBody	b;

	if (name == NULL && PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nothing to update"),
				 errhint("Give name, valid_origins or both.")));
	check_origins(origins);

	qb_begin(&b, '[');
	if (name != NULL)
		qb_patch_string(&b, "replace", "/name", name);
	if (!PG_ARGISNULL(3))
	{
		qb_patch_open(&b, "replace", "/validOrigins");
		qb_string_list(&b, "value", origins);
		qb_close(&b, '}');
	}
	(void) qlik_json_call(host, "PATCH", wi_path(id), qb_end(&b), NIL, NULL);
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET", wi_path(id), NULL, NIL, NULL),
									   web_integration_fields));
}
