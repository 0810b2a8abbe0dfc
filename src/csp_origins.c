/*
 * csp_origins.c
 *		Qlik Cloud CSP origins: the origins a tenant's Content Security
 *		Policy allows, one entry per origin with the directives it is
 *		allowed in (frameAncestors lets the origin embed the tenant's pages,
 *		as qlik-embed's iframe modes need).
 *
 * An entry's directives are booleans of its own (frameAncestors,
 * connectSrc, ...); the functions take the names of those to set true as a
 * text[], and PUT replaces the whole entry.
 */
#include "qlikcloud.h"

#include "utils/builtins.h"

#include "resource.h"

PG_FUNCTION_INFO_V1(qlik_create_csp_origin);
PG_FUNCTION_INFO_V1(qlik_list_csp_origins);
PG_FUNCTION_INFO_V1(qlik_get_csp_origin);
PG_FUNCTION_INFO_V1(qlik_update_csp_origin);
PG_FUNCTION_INFO_V1(qlik_delete_csp_origin);

static const QlikField csp_fields[] = {
	{"csp_origin", "*"},
	{NULL, NULL}
};

/* CSPEntryContent's directives, as Qlik names them. */
static const char *const directives[] = {
	"childSrc", "connectSrc", "connectSrcWSS", "fontSrc", "formAction", "frameAncestors",
	"frameSrc", "imgSrc", "mediaSrc", "objectSrc", "scriptSrc", "styleSrc", "workerSrc", NULL
};

static char *
csp_path(const char *id)
{
	return psprintf("/api/v1/csp-origins/%s", qlik_seg(id));
}

/*
 * The body of a POST or PUT (CSPEntryContent): origin (at most 256
 * characters, no white space or control character), name (512),
 * description (1024), and every directive, true for those named.
 */
static char *
entry_body(FunctionCallInfo fcinfo, int first)
{
	char	   *origin = qlik_arg_text(fcinfo, first, "origin");
	char	   *name = qlik_arg_text_opt(fcinfo, first + 1, "name");
	char	   *description = PG_ARGISNULL(first + 2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(first + 2));
	List	   *chosen = qlik_arg_text_array(fcinfo, first + 3, "directives");
	ListCell   *lc;
	QlikBody	b;

	for (const char *c = origin; *c; c++)
		if ((unsigned char) *c <= ' ' || *c == 0x7f)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("origin contains white space or a control character")));
	if (strlen(origin) > 256)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an origin has at most 256 characters")));
	if (name != NULL && strlen(name) > 512)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a CSP origin's name has at most 512 characters")));
	if (description != NULL && strlen(description) > 1024)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a CSP origin's description has at most 1024 characters")));
	foreach(lc, chosen)
		qlik_check_enum(lfirst(lc), "directive", directives);

	qb_begin(&b, '{');
	qb_string(&b, "origin", origin);
	qb_string(&b, "name", name);
	qb_string(&b, "description", description);
	for (const char *const *d = directives; *d; d++)
	{
		bool		on = false;

		foreach(lc, chosen)
			on = on || strcmp(lfirst(lc), *d) == 0;
		qb_bool(&b, *d, on);
	}
	return qb_end(&b);
}

/* qlik_create_csp_origin(host, origin, name, description, directives) */
Datum
qlik_create_csp_origin(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *body = entry_body(fcinfo, 1);

	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "POST", "/api/v1/csp-origins", body, NIL, NULL),
									   csp_fields));
}

/* qlik_list_csp_origins(host, origin, name, sort, page_size) */
static char *
list_path(FunctionCallInfo fcinfo, char **tenant)
{
	static const char *const sorts[] = {
		"name", "-name", "origin", "-origin", "createdDate", "-createdDate",
		"modifiedDate", "-modifiedDate", NULL
	};
	char	   *origin;
	char	   *name;
	char	   *sort;
	int			limit;
	StringInfoData path;

	*tenant = qlik_arg_text(fcinfo, 0, "host");
	origin = qlik_arg_text_opt(fcinfo, 1, "origin");
	name = qlik_arg_text_opt(fcinfo, 2, "name");
	sort = qlik_arg_text_opt(fcinfo, 3, "sort");
	limit = qlik_arg_int(fcinfo, 4, "page_size", 100, 1, 100);
	qlik_check_enum(sort, "sort", sorts);

	initStringInfo(&path);
	appendStringInfoString(&path, "/api/v1/csp-origins");
	qlik_query_add(&path, "origin", origin);
	qlik_query_add(&path, "name", name);
	qlik_query_add(&path, "sort", sort);
	qlik_query_add(&path, "limit", psprintf("%d", limit));
	return path.data;
}

Datum
qlik_list_csp_origins(PG_FUNCTION_ARGS)
{
	return qlik_list_srf(fcinfo, list_path, csp_fields);
}

Datum
qlik_get_csp_origin(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "csp_origin_id");

	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET", csp_path(id), NULL, NIL, NULL),
									   csp_fields));
}

/* PUT /api/v1/csp-origins/{id}: the whole entry, as for a create. */
Datum
qlik_update_csp_origin(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "csp_origin_id");
	char	   *body = entry_body(fcinfo, 2);

	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "PUT", csp_path(id), body, NIL, NULL),
									   csp_fields));
}

Datum
qlik_delete_csp_origin(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "csp_origin_id");

	(void) qlik_json_call(host, "DELETE", csp_path(id), NULL, NIL, NULL);
	PG_RETURN_VOID();
}
