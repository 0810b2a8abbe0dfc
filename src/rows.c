/*
 * rows.c
 *		Qlik objects as rows, and lists followed page after page.
 *
 * A column is filled from the object by a path ("name", "a.b", "a[0]",
 * "a[].name", "*"; see resource.h).  A list of 100,000 users is 100,000
 * objects of a dozen columns each, so everything that does not depend on
 * the object is worked out once per result type, in a row plan: each
 * column's path split into steps, its type's input function looked up.  Per
 * object there remain the key lookups (a binary search in the jsonb
 * object), and the conversions, of which the two that matter are done
 * directly: text from a JSON string, and timestamptz from the ISO 8601 UTC
 * form Qlik writes ("2024-05-01T12:34:56.789Z"), any other form going
 * through timestamptz's own input function, as every other type does.
 *
 * A list keeps one page in memory: the page's memory is dropped when the
 * next page is fetched, so a list of any length needs a page's worth.  In
 * FROM, where every page is read whatever the query, the next page travels
 * while the current one is turned into rows (list_materialize): two pages.
 */
#include "qlikcloud.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "answer.h"
#include "dbtext.h"
#include "resource.h"

/* ----------------------------------------------------------------
 * Paths
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

/* ----------------------------------------------------------------
 * Row plans
 * ----------------------------------------------------------------
 */
typedef struct PathStep
{
	bool		is_index;
	const char *key;			/* a key (is_index false), not terminated */
	int			keylen;
	int			index;
} PathStep;

typedef struct ColumnPlan
{
	bool		dropped;
	bool		whole;			/* "*": the object itself */
	bool		many;			/* "[]" in the path: evaluated by eval_path */
	bool		is_id;			/* the object's id: checked to be one */
	const char *path;
	int			nsteps;
	PathStep   *steps;
	Oid			typid;
	int32		typmod;
	FmgrInfo	input;
	Oid			typioparam;
} ColumnPlan;

struct QlikRowPlan
{
	TupleDesc	tupdesc;
	ColumnPlan *cols;
	Datum	   *values;
	bool	   *nulls;
};

static void
plan_steps(ColumnPlan *cp)
{
	const char *p = cp->path;
	int			max = 1;

	for (const char *q = p; *q; q++)
		if (*q == '.' || *q == '[')
			max++;
	cp->steps = palloc0(sizeof(PathStep) * max);
	cp->nsteps = 0;
	while (*p)
	{
		PathStep   *st = &cp->steps[cp->nsteps++];

		if (*p == '.')
			p++;
		if (*p == '[')
		{
			const char *close = strchr(p, ']');

			st->is_index = true;
			st->index = atoi(p + 1);
			p = close ? close + 1 : p + strlen(p);
		}
		else
		{
			st->key = p;
			st->keylen = (int) strcspn(p, ".[");
			p += st->keylen;
		}
	}
}

/* Everything about a result type's columns that no object changes. */
QlikRowPlan *
qlik_row_plan(TupleDesc tupdesc, const QlikField *fields)
{
	QlikRowPlan *plan = palloc0(sizeof(QlikRowPlan));

	plan->tupdesc = tupdesc;
	plan->cols = palloc0(sizeof(ColumnPlan) * Max(tupdesc->natts, 1));
	plan->values = palloc0(sizeof(Datum) * Max(tupdesc->natts, 1));
	plan->nulls = palloc0(sizeof(bool) * Max(tupdesc->natts, 1));
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		ColumnPlan *cp = &plan->cols[i];
		const char *col = NameStr(att->attname);
		Oid			typinput;

		if (att->attisdropped)
		{
			cp->dropped = true;
			continue;
		}
		for (const QlikField *f = fields; f && f->column; f++)
			if (strcmp(f->column, col) == 0)
				cp->path = f->path;
		if (cp->path == NULL)
			cp->path = camel_case(col);
		cp->whole = strcmp(cp->path, "*") == 0;
		cp->many = strstr(cp->path, "[]") != NULL;
		cp->typid = att->atttypid;
		cp->typmod = att->atttypmod;
		cp->is_id = strcmp(col, "id") == 0 && cp->typid == TEXTOID;
		if (!cp->whole && !cp->many)
			plan_steps(cp);
		getTypeInputInfo(cp->typid, &typinput, &cp->typioparam);
		fmgr_info(typinput, &cp->input);
	}
	return plan;
}

/* The value at a path without "[]"; false when there is none. */
static bool
walk(const JsonbValue *root, const ColumnPlan *cp, JsonbValue *out)
{
	JsonbValue	cur = *root;

	for (int i = 0; i < cp->nsteps; i++)
	{
		const PathStep *st = &cp->steps[i];
		JsonbContainer *c;

		if (cur.type != jbvBinary)
			return false;
		c = cur.val.binary.data;
		if (st->is_index)
		{
			JsonbValue *v;

			if (!JsonContainerIsArray(c) || st->index < 0 ||
				(uint32) st->index >= JsonContainerSize(c))
				return false;
			v = getIthJsonbValueFromContainer(c, (uint32) st->index);
			cur = *v;
		}
		else if (!JsonContainerIsObject(c) ||
				 getKeyJsonValueFromContainer(c, st->key, st->keylen, &cur) == NULL)
			return false;
	}
	*out = cur;
	return true;
}

/*
 * "2024-05-01T12:34:56.789Z" (up to six digits of fraction, or none), the
 * form Qlik writes, as timestamptz_in reads it; false for any other form.
 */
static bool
iso_utc_timestamp(const char *s, int len, TimestampTz *out)
{
	int			f[6];
	static const int at[6] = {0, 5, 8, 11, 14, 17};
	static const int width[6] = {4, 2, 2, 2, 2, 2};
	int			p = 19;
	int64		frac = 0;

	if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return false;
	for (int i = 0; i < 6; i++)
	{
		f[i] = 0;
		for (int j = 0; j < width[i]; j++)
		{
			char		c = s[at[i] + j];

			if (c < '0' || c > '9')
				return false;
			f[i] = f[i] * 10 + (c - '0');
		}
	}
	if (s[p] == '.')
	{
		int			digits = 0;

		for (p++; p < len && s[p] >= '0' && s[p] <= '9'; p++)
		{
			if (++digits > 6)
				return false;
			frac = frac * 10 + (s[p] - '0');
		}
		if (digits == 0)
			return false;
		for (; digits < 6; digits++)
			frac *= 10;
	}
	if (p != len - 1 || s[p] != 'Z')
		return false;
	if (f[0] < 1 || f[1] < 1 || f[1] > 12 || f[2] < 1 ||
		f[2] > day_tab[isleap(f[0])][f[1] - 1] || f[3] > 23 || f[4] > 59 || f[5] > 59)
		return false;
	*out = (TimestampTz) (date2j(f[0], f[1], f[2]) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY +
		((int64) ((f[3] * 60 + f[4]) * 60 + f[5])) * USECS_PER_SEC + frac;
	return true;
}

static Datum
input(ColumnPlan *cp, char *text)
{
	return InputFunctionCall(&cp->input, text, cp->typioparam, cp->typmod);
}

static Datum
text_array(ColumnPlan *cp, List *items)
{
	ListCell   *lc;
	Datum	   *elems = palloc(sizeof(Datum) * (list_length(items) + 1));
	int			n = 0;

	foreach(lc, items)
	{
		char	   *s = value_text(lfirst(lc));

		if (s != NULL)
			elems[n++] = CStringGetTextDatum(s);
	}
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* One column's value from the object's root container. */
static Datum
convert(ColumnPlan *cp, Jsonb *obj, JsonbValue *root, bool *isnull)
{
	JsonbValue	found;
	JsonbValue *v = NULL;
	List	   *values = NIL;
	char	   *text;

	*isnull = false;
	if (cp->whole)
		return JsonbPGetDatum(obj);
	if (cp->many)
	{
		values = eval_path(root, cp->path);
		v = values != NIL ? linitial(values) : NULL;
	}
	else if (walk(root, cp, &found))
		v = &found;

	if (cp->typid == TEXTARRAYOID)
	{
		if (cp->many)
			return text_array(cp, values);
		if (v != NULL && v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data))
			return text_array(cp, eval_path(v, "[]"));
		if (v == NULL || v->type == jbvNull)
		{
			*isnull = true;
			return (Datum) 0;
		}
		return text_array(cp, list_make1(v));
	}

	if (v == NULL || v->type == jbvNull)
	{
		*isnull = true;
		return (Datum) 0;
	}
	if (cp->typid == JSONBOID)
		return JsonbPGetDatum(JsonbValueToJsonb(v));
	if (cp->typid == BOOLOID && v->type == jbvBool)
		return BoolGetDatum(v->val.boolean);
	if (v->type == jbvString)
	{
		TimestampTz ts;

		/* Qlik writes "not set" as "" (publishTime of an unpublished app). */
		if (v->val.string.len == 0 && cp->typid != TEXTOID)
		{
			*isnull = true;
			return (Datum) 0;
		}
		if (cp->typid == TEXTOID)
			return PointerGetDatum(cstring_to_text_with_len(v->val.string.val,
															v->val.string.len));
		if (cp->typid == TIMESTAMPTZOID && cp->typmod < 0 &&
			iso_utc_timestamp(v->val.string.val, v->val.string.len, &ts))
			return TimestampTzGetDatum(ts);
	}
	text = value_text(v);
	if (text == NULL || (text[0] == '\0' && cp->typid != TEXTOID))
	{
		*isnull = true;
		return (Datum) 0;
	}
	return input(cp, text);
}

/*
 * An object's id is what the workflows record and put in their messages
 * ("alias ... is already in use by tenant <id>"), and what the functions
 * take back as an argument (qlik_arg_id_opt, which refuses anything else):
 * an id that is not one of Qlik's (a newline that forges a server log line,
 * an escape sequence) is an answer Qlik would not send.
 */
static void
check_answer_id(Datum value)
{
	text	   *t = DatumGetTextPP(value);
	const char *id = VARDATA_ANY(t);
	size_t		len = VARSIZE_ANY_EXHDR(t);
	bool		ok = len >= 1 && len <= 64;

	for (size_t i = 0; ok && i < len; i++)
		ok = isalnum((unsigned char) id[i]) || id[i] == '-' || id[i] == '_';
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("Qlik Cloud answered with an id that is not a Qlik id"),
				 errdetail_internal("%s The id: \"%s\"; Qlik ids are 1 to 64 letters, digits, \"-\" and \"_\".",
									qlik_last_answer(), qlik_db_text_bounded(id, len, 64))));
}

/*
 * A row's values from an object, into plan->values and plan->nulls.  A value
 * of the wrong type for its column (a date that is not one, a number out of
 * range) is Qlik's fault, QK006: one PG_TRY for the row, not one per column.
 */
static void
plan_fill(QlikRowPlan *plan, Jsonb *obj)
{
	JsonbValue	root;
	MemoryContext cxt = CurrentMemoryContext;
	volatile int col = 0;

	if (!JB_ROOT_IS_OBJECT(obj))
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("Qlik Cloud answered with %s where an object was expected",
						JB_ROOT_IS_SCALAR(obj) ? "a scalar" : "an array"),
				 errdetail_internal("%s", qlik_last_answer())));
	root.type = jbvBinary;
	root.val.binary.data = &obj->root;
	root.val.binary.len = VARSIZE(obj) - VARHDRSZ;
	PG_TRY();
	{
		for (col = 0; col < plan->tupdesc->natts; col++)
		{
			ColumnPlan *cp = &plan->cols[col];

			if (cp->dropped)
			{
				plan->values[col] = (Datum) 0;
				plan->nulls[col] = true;
				continue;
			}
			plan->values[col] = convert(cp, obj, &root, &plan->nulls[col]);
			/* Not a data exception: passes through the catch below as it is. */
			if (cp->is_id && !plan->nulls[col])
				check_answer_id(plan->values[col]);
		}
	}
	PG_CATCH();
	{
		ColumnPlan *cp = &plan->cols[col];

		qlik_rethrow_as_bad_answer(cxt,
								   psprintf("Qlik Cloud answered with a value of the wrong type for column %s",
											NameStr(TupleDescAttr(plan->tupdesc, col)->attname)),
								   psprintf("%s Field \"%s\", type %s:", qlik_last_answer(), cp->path,
											format_type_be(cp->typid)));
	}
	PG_END_TRY();
}

HeapTuple
qlik_plan_row(QlikRowPlan *plan, Jsonb *obj)
{
	plan_fill(plan, obj);
	return heap_form_tuple(plan->tupdesc, plan->values, plan->nulls);
}

HeapTuple
qlik_object_row(TupleDesc tupdesc, Jsonb *obj, const QlikField *fields)
{
	return qlik_plan_row(qlik_row_plan(tupdesc, fields), obj);
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
	bool		prefetch;		/* fetch the next page while this one is read */
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

	/* Its transfer runs while this page's rows are made (see qlik_list_srf). */
	if (l->prefetch && l->next != NULL)
	{
		QlikCall	ahead;

		MemoryContextSwitchTo(l->page_cxt);
		qlik_call_init(&ahead);
		ahead.tenant = l->tenant;
		ahead.method = "GET";
		ahead.path = l->next;
		qlik_call_prefetch(&ahead);
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

/* Every row of the list into the tuplestore, moving the next page along. */
static void
store_rows(ReturnSetInfo *rsinfo, QlikRowPlan *plan, QlikList *list, MemoryContext row_cxt)
{
	for (uint64 n = 1;; n++)
	{
		Jsonb	   *item;
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(row_cxt);
		old = MemoryContextSwitchTo(row_cxt);
		item = qlik_list_next(list);
		if (item != NULL && plan != NULL)
		{
			plan_fill(plan, item);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, plan->values, plan->nulls);
		}
		else if (item != NULL)
		{
			Datum		value = JsonbPGetDatum(item);
			bool		isnull = false;

			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
		}
		MemoryContextSwitchTo(old);
		if (item == NULL)
			break;
		/* A few rows at a time: cheap when there is nothing to read. */
		if (n % 4 == 0)
			qlik_http_prefetch_pump();
	}
}

/*
 * In FROM, the executor takes every row of the function into a tuplestore
 * before it reads the first (it says so with SFRM_Materialize_Preferred):
 * every page is fetched whatever the query, so the next page is fetched
 * while the current one is turned into rows, and the rows go straight into
 * the tuplestore.  The list's memory stays at about two pages: the one being
 * read and the one arriving (libcurl's buffer, bounded as every answer is).
 */
static void
list_materialize(FunctionCallInfo fcinfo, QlikPathBuilder build_path, const QlikField *fields)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	bool		composite;
	QlikRowPlan *volatile plan = NULL;
	QlikList   *volatile list = NULL;
	MemoryContext row_cxt;
	MemoryContext old;
	char	   *tenant = NULL;
	char	   *path;

	composite = get_call_result_type(fcinfo, NULL, &tupdesc) == TYPEFUNC_COMPOSITE;
	InitMaterializedSRF(fcinfo, composite ? 0 : MAT_SRF_USE_EXPECTED_DESC);
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	if (composite)
		plan = qlik_row_plan(rsinfo->setDesc, fields);
	path = build_path(fcinfo, &tenant);
	if (path != NULL)
	{
		list = qlik_list_begin(tenant, path);
		list->prefetch = true;
	}
	row_cxt = AllocSetContextCreate(CurrentMemoryContext, "qlikcloud row",
									ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(old);
	if (list == NULL)
		return;

	PG_TRY();
	{
		store_rows(rsinfo, plan, list, row_cxt);
	}
	PG_CATCH();
	{
		/* A cancel, a bad row, a failed page: the page ahead is not wanted. */
		qlik_http_prefetch_drop();
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextDelete(row_cxt);
	MemoryContextDelete(list->page_cxt);
	list->page_cxt = NULL;
}

typedef struct ListSrfState
{
	QlikList   *list;
	QlikRowPlan *plan;			/* NULL: the result is the item's jsonb */
} ListSrfState;

/*
 * In a select list, rows are taken one at a time and LIMIT stops the paging:
 * no page is fetched before a row of it is wanted.
 */
Datum
qlik_list_srf(FunctionCallInfo fcinfo, QlikPathBuilder build_path, const QlikField *fields)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FuncCallContext *funcctx;
	ListSrfState *st;
	Jsonb	   *item;

	if (rsinfo != NULL && IsA(rsinfo, ReturnSetInfo) &&
		(rsinfo->allowedModes & SFRM_Materialize) &&
		(rsinfo->allowedModes & SFRM_Materialize_Preferred) &&
		SRF_IS_FIRSTCALL())
	{
		list_materialize(fcinfo, build_path, fields);
		return (Datum) 0;
	}

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
			st->plan = qlik_row_plan(BlessTupleDesc(tupdesc), fields);
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
	if (st->plan == NULL)
		SRF_RETURN_NEXT(funcctx, JsonbPGetDatum(item));
	SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(qlik_plan_row(st->plan, item)));
}
