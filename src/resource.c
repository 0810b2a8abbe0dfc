/*
 * resource.c
 *		Shared machinery of the typed Qlik functions (one file per Qlik
 *		resource stands on it): argument checks, request bodies, escaped
 *		paths and queries.  Objects as rows and lists are in rows.c.
 */
#include "qlikcloud.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "resource.h"

/* ----------------------------------------------------------------
 * Arguments
 * ----------------------------------------------------------------
 */
char *
qlik_arg_text_opt(FunctionCallInfo fcinfo, int n, const char *name)
{
	char	   *s;

	if (PG_NARGS() <= n || PG_ARGISNULL(n))
		return NULL;
	s = text_to_cstring(PG_GETARG_TEXT_PP(n));
	if (s[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", name)));
	for (const char *p = s; *p; p++)
		if ((unsigned char) *p < 0x20 && *p != '\t' && *p != '\n')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s contains a control character", name)));
	return s;
}

char *
qlik_arg_text(FunctionCallInfo fcinfo, int n, const char *name)
{
	char	   *s = qlik_arg_text_opt(fcinfo, n, name);

	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return s;
}

/*
 * Qlik's ids: 24 hex digits (users, groups, spaces...), 32 base64url
 * characters (tenants), UUIDs (apps).  Anything outside letters, digits,
 * '-' and '_', or longer than 64, is a mistake worth stopping before a
 * request.
 */
char *
qlik_arg_id_opt(FunctionCallInfo fcinfo, int n, const char *name)
{
	char	   *s = qlik_arg_text_opt(fcinfo, n, name);

	if (s == NULL)
		return NULL;
	if (strlen(s) > 64)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s \"%.64s...\" is not a Qlik id", name, s)));
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char) *p) || *p == '-' || *p == '_'))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s \"%s\" is not a Qlik id", name, s),
					 errdetail("Qlik ids are made of letters, digits, \"-\" and \"_\".")));
	return s;
}

char *
qlik_arg_id(FunctionCallInfo fcinfo, int n, const char *name)
{
	char	   *s = qlik_arg_id_opt(fcinfo, n, name);

	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return s;
}

/* A text[] argument as a List of C strings; NULL elements refused. */
List *
qlik_arg_text_array(FunctionCallInfo fcinfo, int n, const char *name)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			count;
	List	   *result = NIL;

	if (PG_NARGS() <= n || PG_ARGISNULL(n))
		return NIL;
	arr = PG_GETARG_ARRAYTYPE_P(n);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", name)));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &count);
	for (int i = 0; i < count; i++)
	{
		char	   *s;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain nulls", name)));
		s = TextDatumGetCString(elems[i]);
		if (s[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not contain empty strings", name)));
		for (const char *p = s; *p; p++)
			if ((unsigned char) *p < 0x20 && *p != '\t' && *p != '\n')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s contains a control character", name)));
		result = lappend(result, s);
	}
	return result;
}

void
qlik_check_enum(const char *value, const char *name, const char *const *allowed)
{
	StringInfoData list;

	if (value == NULL)
		return;
	for (const char *const *a = allowed; *a; a++)
		if (strcmp(value, *a) == 0)
			return;
	initStringInfo(&list);
	for (const char *const *a = allowed; *a; a++)
		appendStringInfo(&list, "%s%s", list.len ? ", " : "", *a);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s \"%s\"", name, value),
			 errhint("Use one of: %s.", list.data)));
}

/*
 * An int argument: dflt when NULL (or not passed), else checked against
 * [min, max].
 */
int32
qlik_arg_int(FunctionCallInfo fcinfo, int n, const char *name,
			 int32 dflt, int32 min, int32 max)
{
	int32		v;

	if (PG_NARGS() <= n || PG_ARGISNULL(n))
		return dflt;
	v = PG_GETARG_INT32(n);
	if (v < min || v > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between %d and %d, not %d", name, min, max, v)));
	return v;
}

/* A text[] argument of Qlik ids, each checked as qlik_arg_id does. */
List *
qlik_arg_id_array(FunctionCallInfo fcinfo, int n, const char *name)
{
	List	   *ids = qlik_arg_text_array(fcinfo, n, name);
	ListCell   *lc;

	foreach(lc, ids)
	{
		const char *s = lfirst(lc);
		bool		ok = strlen(s) <= 64;

		for (const char *p = s; ok && *p; p++)
			ok = isalnum((unsigned char) *p) || *p == '-' || *p == '_';
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: \"%.64s\" is not a Qlik id", name, s),
					 errdetail("Qlik ids are made of letters, digits, \"-\" and \"_\".")));
	}
	return ids;
}

/*
 * A comma-separated list of enum values ("managed,shared"), each checked as
 * qlik_check_enum does.
 */
void
qlik_check_enum_list(const char *value, const char *name, const char *const *allowed)
{
	char	   *copy;
	char	   *item;

	if (value == NULL)
		return;
	copy = pstrdup(value);
	for (item = copy;; item++)
	{
		char	   *comma = strchr(item, ',');

		if (comma)
			*comma = '\0';
		qlik_check_enum(item, name, allowed);
		if (!comma)
			break;
		item = comma;
	}
	pfree(copy);
}

/*
 * A sort field as Qlik's lists take it: a field name, "+" or "-" before it
 * for the order.  For lists whose fields Qlik does not enumerate, only the
 * shape is checked.
 */
void
qlik_check_sort_field(const char *sort)
{
	const char *p = sort;

	if (sort == NULL)
		return;
	if (*p == '+' || *p == '-')
		p++;
	if (*p == '\0')
		goto bad;
	for (; *p; p++)
		if (!(isalnum((unsigned char) *p) || *p == '_' || *p == '.'))
			goto bad;
	return;
bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid sort \"%s\"", sort),
			 errhint("Give a field name, with + (ascending) or - (descending) before it, such as -name.")));
}

/* ----------------------------------------------------------------
 * Request bodies
 * ----------------------------------------------------------------
 */
void
qb_begin(QlikBody *b, char open)
{
	initStringInfo(&b->buf);
	appendStringInfoChar(&b->buf, open);
	b->depth = 0;
	b->need_comma[0] = false;
}

char *
qb_end(QlikBody *b)
{
	Assert(b->depth == 0);
	appendStringInfoChar(&b->buf, b->buf.data[0] == '{' ? '}' : ']');
	return b->buf.data;
}

/* Start a member (key given) or an element (key NULL). */
void
qb_key(QlikBody *b, const char *key)
{
	if (b->need_comma[b->depth])
		appendStringInfoChar(&b->buf, ',');
	b->need_comma[b->depth] = true;
	if (key != NULL)
	{
		escape_json(&b->buf, key);
		appendStringInfoChar(&b->buf, ':');
	}
}

void
qb_open(QlikBody *b, const char *key, char open)
{
	qb_key(b, key);
	appendStringInfoChar(&b->buf, open);
	if (b->depth + 1 >= (int) lengthof(b->need_comma))
		elog(ERROR, "request body nested too deeply");
	b->need_comma[++b->depth] = false;
}

void
qb_close(QlikBody *b, char close)
{
	appendStringInfoChar(&b->buf, close);
	b->depth--;
}

void
qb_string(QlikBody *b, const char *key, const char *value)
{
	if (value == NULL)
		return;
	qb_key(b, key);
	escape_json(&b->buf, value);
}

void
qb_bool(QlikBody *b, const char *key, bool value)
{
	qb_key(b, key);
	appendStringInfoString(&b->buf, value ? "true" : "false");
}

void
qb_int(QlikBody *b, const char *key, int64 value)
{
	qb_key(b, key);
	appendStringInfo(&b->buf, INT64_FORMAT, value);
}

void
qb_raw(QlikBody *b, const char *key, const char *json)
{
	if (json == NULL)
		return;
	qb_key(b, key);
	appendStringInfoString(&b->buf, json);
}

/*
 * A JSON Patch operation: qb_patch_open writes its op and path and leaves the
 * object open for the caller's "value" (closed with qb_close(b, '}'));
 * qb_patch_string is the whole operation for a string value.
 */
void
qb_patch_open(QlikBody *b, const char *op, const char *path)
{
	qb_open(b, NULL, '{');
	qb_string(b, "op", op);
	qb_string(b, "path", path);
}

void
qb_patch_string(QlikBody *b, const char *op, const char *path, const char *value)
{
	qb_patch_open(b, op, path);
	qb_string(b, "value", value);
	qb_close(b, '}');
}

void
qb_string_list(QlikBody *b, const char *key, List *values)
{
	ListCell   *lc;

	qb_open(b, key, '[');
	foreach(lc, values)
		qb_string(b, NULL, (const char *) lfirst(lc));
	qb_close(b, ']');
}

/*
 * References by id or by name, as Qlik takes assigned roles:
 * [{"id": ...}, ...] from ids, or [{"name": ...}, ...] from names.  Nothing
 * is written when both are NIL; both given is the caller's mistake.
 */
void
qb_refs(QlikBody *b, const char *key, List *ids, const char *ids_name,
		List *names, const char *names_name)
{
	List	   *refs = ids != NIL ? ids : names;
	const char *field = ids != NIL ? "id" : "name";
	ListCell   *lc;

	if (ids != NIL && names != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("give %s or %s, not both", ids_name, names_name),
				 errdetail("Qlik takes references either all by id or all by name.")));
	if (refs == NIL)
		return;
	qb_open(b, key, '[');
	foreach(lc, refs)
	{
		qb_open(b, NULL, '{');
		qb_string(b, field, (const char *) lfirst(lc));
		qb_close(b, '}');
	}
	qb_close(b, ']');
}

/* ----------------------------------------------------------------
 * Paths and queries
 * ----------------------------------------------------------------
 */
char *
qlik_seg(const char *value)
{
	return qlik_url_encode_text(value, strlen(value));
}

void
qlik_query_add(StringInfo path, const char *name, const char *value)
{
	char	   *enc;

	if (value == NULL)
		return;
	enc = qlik_url_encode_text(value, strlen(value));
	appendStringInfo(path, "%c%s=%s", strchr(path->data, '?') ? '&' : '?', name, enc);
	pfree(enc);
}

/* A collection's path with Qlik's usual filter, sort and limit parameters. */
char *
qlik_list_path(const char *base, const char *filter, const char *sort, int limit)
{
	StringInfoData path;

	initStringInfo(&path);
	appendStringInfoString(&path, base);
	qlik_query_add(&path, "filter", filter);
	qlik_query_add(&path, "sort", sort);
	qlik_query_add(&path, "limit", psprintf("%d", limit));
	return path.data;
}

/* ----------------------------------------------------------------
 * Calls
 * ----------------------------------------------------------------
 */
Jsonb *
qlik_json_call(const char *tenant, const char *method, const char *path,
			   const char *body, List *headers, QlikHttpResponse **resp_out)
{
	QlikCall	call;
	QlikHttpResponse *resp;
	char	   *host;

	qlik_call_init(&call);
	call.tenant = tenant;
	call.method = method;
	call.path = path;
	if (body)
		qlik_call_json_body(&call, body);
	call.headers = headers;
	resp = qlik_call(&call, &host);
	if (resp_out)
		*resp_out = resp;
	return qlik_response_jsonb(resp, host, call.what);
}
