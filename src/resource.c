/*
 * resource.c
 *		Shared machinery of the typed Qlik functions (one file per Qlik
 *		resource stands on it): argument checks, request bodies, escaped
 *		paths and queries, Qlik objects as rows, lists across pages.
 */
#include "qlikcloud.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "dbtext.h"
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
	call.body = body;
	call.body_len = body ? strlen(body) : 0;
	call.content_type = body ? "application/json" : NULL;
	call.headers = headers;
	resp = qlik_call(&call, &host);
	if (resp_out)
		*resp_out = resp;
	return qlik_response_jsonb(resp, host, call.what);
}

/* ----------------------------------------------------------------
 * Objects as rows
 * ----------------------------------------------------------------
 */

/* "tenant_id" -> "tenantId" */
static char *
camel_case(const char *column)
{
	char	   *out = palloc(strlen(column) + 1);
	char	   *o = out;
	bool		upper = false;

	for (const char *p = column; *p; p++)
	{
		if (*p == '_')
		{
			upper = true;
			continue;
		}
		*o++ = upper ? pg_toupper((unsigned char) *p) : *p;
		upper = false;
	}
	*o = '\0';
	return out;
}

/*
 * Follow path from a value; returns the values found (one, or one per
 * element after "[]"), or NIL.
 */
static List *
eval_path(JsonbValue *start, const char *path)
{
	List	   *current = list_make1(start);
	const char *p = path;

	while (*p && current != NIL)
	{
		List	   *next = NIL;
		ListCell   *lc;

		if (*p == '.')
			p++;
		if (*p == '[')
		{
			const char *close = strchr(p, ']');
			bool		all = (close == p + 1);
			int			index = all ? 0 : atoi(p + 1);

			foreach(lc, current)
			{
				JsonbValue *v = lfirst(lc);
				JsonbContainer *c;

				if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
					continue;
				c = v->val.binary.data;
				if (all)
				{
					for (uint32 i = 0; i < JsonContainerSize(c); i++)
						next = lappend(next, getIthJsonbValueFromContainer(c, i));
				}
				else if (index >= 0 && (uint32) index < JsonContainerSize(c))
					next = lappend(next, getIthJsonbValueFromContainer(c, index));
			}
			p = close ? close + 1 : p + strlen(p);
		}
		else
		{
			size_t		len = strcspn(p, ".[");

			foreach(lc, current)
			{
				JsonbValue *v = lfirst(lc);
				JsonbValue *out;

				if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
					continue;
				out = palloc(sizeof(JsonbValue));
				if (getKeyJsonValueFromContainer(v->val.binary.data, p, len, out) != NULL)
					next = lappend(next, out);
			}
			p += len;
		}
		current = next;
	}
	return current;
}

static JsonbValue *
root_value(Jsonb *obj)
{
	JsonbValue *v = palloc(sizeof(JsonbValue));

	v->type = jbvBinary;
	v->val.binary.data = &obj->root;
	v->val.binary.len = VARSIZE(obj) - VARHDRSZ;
	return v;
}

/* A JSON value as text: strings as they are, the rest as JSON. */
static char *
value_text(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		case jbvBinary:
			return JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
		default:
			return NULL;
	}
}

Jsonb *
qlik_jsonb_get(Jsonb *obj, const char *path)
{
	List	   *found = obj ? eval_path(root_value(obj), path) : NIL;
	JsonbValue *v;

	if (found == NIL)
		return NULL;
	v = linitial(found);
	return v->type == jbvNull ? NULL : JsonbValueToJsonb(v);
}

char *
qlik_jsonb_text(Jsonb *obj, const char *path)
{
	List	   *found = obj ? eval_path(root_value(obj), path) : NIL;

	if (found == NIL)
		return NULL;
	return value_text(linitial(found));
}

static Datum
convert(Form_pg_attribute att, List *values, bool many, bool *isnull)
{
	JsonbValue *v;
	Oid			typinput;
	Oid			typioparam;
	char	   *text;

	*isnull = false;
	if (att->atttypid == TEXTARRAYOID)
	{
		List	   *items = NIL;
		ListCell   *lc;
		Datum	   *elems;
		int			n = 0;

		if (many)
			items = values;
		else if (values != NIL &&
				 ((JsonbValue *) linitial(values))->type == jbvBinary &&
				 JsonContainerIsArray(((JsonbValue *) linitial(values))->val.binary.data))
			items = eval_path(linitial(values), "[]");
		else if (values == NIL || ((JsonbValue *) linitial(values))->type == jbvNull)
		{
			*isnull = true;
			return (Datum) 0;
		}
		else
			items = values;
		elems = palloc(sizeof(Datum) * (list_length(items) + 1));
		foreach(lc, items)
		{
			char	   *s = value_text(lfirst(lc));

			if (s != NULL)
				elems[n++] = CStringGetTextDatum(s);
		}
		return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
	}

	if (values == NIL || (v = linitial(values))->type == jbvNull)
	{
		*isnull = true;
		return (Datum) 0;
	}
	if (att->atttypid == JSONBOID)
		return JsonbPGetDatum(JsonbValueToJsonb(v));
	if (att->atttypid == BOOLOID && v->type == jbvBool)
		return BoolGetDatum(v->val.boolean);
	text = value_text(v);
	/* Qlik writes "not set" as "" (publishTime of an unpublished app). */
	if (text == NULL || (text[0] == '\0' && att->atttypid != TEXTOID))
	{
		*isnull = true;
		return (Datum) 0;
	}
	getTypeInputInfo(att->atttypid, &typinput, &typioparam);
	return OidInputFunctionCall(typinput, text, typioparam, att->atttypmod);
}

/*
 * convert(), with a value of the wrong type for its column (a date that is
 * not one, a number out of range) reported as Qlik's fault, QK006.
 */
static Datum
convert_answer(Form_pg_attribute att, const char *path, List *values, bool many,
			   bool *isnull)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile Datum result = (Datum) 0;

	PG_TRY();
	{
		result = convert(att, values, many, isnull);
	}
	PG_CATCH();
	{
		qlik_rethrow_as_bad_answer(cxt,
								   psprintf("Qlik Cloud answered with a value of the wrong type for column %s",
											NameStr(att->attname)),
								   psprintf("%s Field \"%s\", type %s:", qlik_last_answer(), path,
											format_type_be(att->atttypid)));
	}
	PG_END_TRY();
	return result;
}

/*
 * An object's id is what the workflows record and put in their messages
 * ("alias ... is already in use by tenant <id>"), and what the functions
 * take back as an argument (qlik_arg_id_opt, which refuses anything else):
 * an id that is not one of Qlik's (a newline that forges a server log line,
 * an escape sequence) is an answer Qlik would not send.
 */
static void
check_answer_id(const char *id)
{
	size_t		len = strlen(id);
	bool		ok = len >= 1 && len <= 64;

	for (const char *p = id; ok && *p; p++)
		ok = isalnum((unsigned char) *p) || *p == '-' || *p == '_';
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("Qlik Cloud answered with an id that is not a Qlik id"),
				 errdetail_internal("%s The id: \"%s\"; Qlik ids are 1 to 64 letters, digits, \"-\" and \"_\".",
									qlik_last_answer(), qlik_db_text_bounded(id, len, 64))));
}

HeapTuple
qlik_object_row(TupleDesc tupdesc, Jsonb *obj, const QlikField *fields)
{
	Datum	   *values = palloc0(sizeof(Datum) * tupdesc->natts);
	bool	   *nulls = palloc0(sizeof(bool) * tupdesc->natts);
	JsonbValue *root = root_value(obj);

	if (!JB_ROOT_IS_OBJECT(obj))
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("Qlik Cloud answered with %s where an object was expected",
						JB_ROOT_IS_SCALAR(obj) ? "a scalar" : "an array"),
				 errdetail_internal("%s", qlik_last_answer())));

	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		const char *col = NameStr(att->attname);
		const char *path = NULL;

		if (att->attisdropped)
		{
			nulls[i] = true;
			continue;
		}
		for (const QlikField *f = fields; f && f->column; f++)
			if (strcmp(f->column, col) == 0)
				path = f->path;
		if (path == NULL)
			path = camel_case(col);
		if (strcmp(path, "*") == 0)
			values[i] = JsonbPGetDatum(obj);
		else
			values[i] = convert_answer(att, path, eval_path(root, path),
									   strstr(path, "[]") != NULL, &nulls[i]);
		if (strcmp(col, "id") == 0 && att->atttypid == TEXTOID && !nulls[i])
			check_answer_id(TextDatumGetCString(values[i]));
	}
	return heap_form_tuple(tupdesc, values, nulls);
}

Datum
qlik_object_result(FunctionCallInfo fcinfo, Jsonb *obj, const QlikField *fields)
{
	TupleDesc	tupdesc;

	if (obj == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("Qlik Cloud answered with no body where an object was expected"),
				 errdetail_internal("%s", qlik_last_answer())));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		return JsonbPGetDatum(obj);
	tupdesc = BlessTupleDesc(tupdesc);
	return HeapTupleGetDatum(qlik_object_row(tupdesc, obj, fields));
}

/* ----------------------------------------------------------------
 * Lists
 * ----------------------------------------------------------------
 */
struct QlikList
{
	char	   *tenant;
	char	   *next;			/* path or URL of the next page, or NULL */
	MemoryContext keep_cxt;		/* where the list itself lives */
	MemoryContext page_cxt;		/* holds the current page only */
	JsonbContainer *items;		/* the page's items */
	uint32		count;
	uint32		index;
	int			pages;
};

static JsonbValue *
object_get(JsonbContainer *obj, const char *key, JsonbValue *out)
{
	if (obj == NULL || !JsonContainerIsObject(obj))
		return NULL;
	return getKeyJsonValueFromContainer(obj, key, strlen(key), out);
}

QlikList *
qlik_list_begin(const char *tenant, const char *path)
{
	QlikList   *l = palloc0(sizeof(QlikList));

	l->tenant = pstrdup(tenant);
	l->next = qlik_check_path(path);
	l->keep_cxt = CurrentMemoryContext;
	l->page_cxt = AllocSetContextCreate(CurrentMemoryContext, "qlikcloud page",
										ALLOCSET_DEFAULT_SIZES);
	return l;
}

/* Fetch the next page into page_cxt, replacing the previous one. */
static void
fetch_page(QlikList *l)
{
	MemoryContext old;
	QlikCall	call;
	QlikHttpResponse *resp;
	char	   *host;
	Jsonb	   *page;
	JsonbValue	v,
				links,
				next,
				href;
	JsonbContainer *root;

	CHECK_FOR_INTERRUPTS();
	MemoryContextReset(l->page_cxt);
	old = MemoryContextSwitchTo(l->page_cxt);

	qlik_call_init(&call);
	call.tenant = l->tenant;
	call.method = "GET";
	call.path = l->next;
	resp = qlik_call(&call, &host);
	page = qlik_response_jsonb(resp, host, call.what);
	pfree(resp->body);			/* only the parsed page is kept */
	resp->body = NULL;
	l->pages++;

	l->items = NULL;
	l->count = l->index = 0;
	root = page ? &page->root : NULL;
	if (root != NULL && JsonContainerIsArray(root) && !JsonContainerIsScalar(root))
	{
		/* A bare array: one page, no links. */
		l->items = root;
		root = NULL;
	}
	else if (object_get(root, "data", &v) != NULL && v.type == jbvBinary &&
			 JsonContainerIsArray(v.val.binary.data))
		l->items = v.val.binary.data;
	else
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("Qlik Cloud's answer to %s on %s is not a list", call.what, host),
				 errdetail_internal("%s A list is an object with a \"data\" array, or an array.",
									qlik_last_answer()),
				 errhint("Use qlikcloud.qlik_api() for endpoints that return one object.")));
	l->count = JsonContainerSize(l->items);

	/* links.next.href, if any: the cursor of the next page. */
	MemoryContextSwitchTo(l->keep_cxt);
	if (l->next != NULL)
		pfree(l->next);
	l->next = NULL;
	if (object_get(root, "links", &links) && links.type == jbvBinary &&
		object_get(links.val.binary.data, "next", &next) && next.type == jbvBinary &&
		object_get(next.val.binary.data, "href", &href) && href.type == jbvString &&
		href.val.string.len > 0)
	{
		/* Checked as a caller's path would be, but as Qlik's fault. */
		l->next = qlik_check_link(pnstrdup(href.val.string.val, href.val.string.len), host);
		/* A link to this very page (absolute or as a path) would never end. */
		if (strcmp(l->next, resp->url) == 0 ||
			(l->next[0] == '/' && strncmp(resp->url, "https://", 8) == 0 &&
			 strchr(resp->url + 8, '/') != NULL &&
			 strcmp(l->next, strchr(resp->url + 8, '/')) == 0))
			ereport(ERROR,
					(errcode(ERRCODE_QLIK_BAD_RESPONSE),
					 errmsg("Qlik Cloud's next-page link on %s points at the same page", host),
					 errdetail("Page %d of %s.", l->pages, call.what)));
	}
	MemoryContextSwitchTo(old);
}

/* The next item, in the caller's memory context; NULL after the last. */
Jsonb *
qlik_list_next(QlikList *l)
{
	while (l->index >= l->count)
	{
		if (l->next == NULL)
			return NULL;
		fetch_page(l);
	}
	return JsonbValueToJsonb(getIthJsonbValueFromContainer(l->items, l->index++));
}

typedef struct ListSrfState
{
	QlikList   *list;
	TupleDesc	tupdesc;		/* NULL: the result is the item's jsonb */
} ListSrfState;

Datum
qlik_list_srf(FunctionCallInfo fcinfo, QlikPathBuilder build_path, const QlikField *fields)
{
	FuncCallContext *funcctx;
	ListSrfState *st;
	Jsonb	   *item;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		char	   *tenant = NULL;
		char	   *path;
		TupleDesc	tupdesc;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		st = palloc0(sizeof(ListSrfState));
		if (get_call_result_type(fcinfo, NULL, &tupdesc) == TYPEFUNC_COMPOSITE)
			st->tupdesc = BlessTupleDesc(tupdesc);
		path = build_path(fcinfo, &tenant);
		if (path != NULL)
			st->list = qlik_list_begin(tenant, path);
		funcctx->user_fctx = st;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	st = funcctx->user_fctx;

	item = st->list ? qlik_list_next(st->list) : NULL;
	if (item == NULL)
		SRF_RETURN_DONE(funcctx);
	if (st->tupdesc == NULL)
		SRF_RETURN_NEXT(funcctx, JsonbPGetDatum(item));
	SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(qlik_object_row(st->tupdesc, item, fields)));
}
