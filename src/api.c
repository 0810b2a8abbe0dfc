/*
 * api.c
 *		The generic SQL functions: any Qlik Cloud endpoint from SQL.
 *
 *	qlik_api(host, method, path, body)			-> jsonb
 *	qlik_request(host, method, path, body, request_headers)
 *												-> (status, headers, body)
 *	qlik_request_bytes(host, method, path, body bytea, content_type,
 *					   request_headers)
 *									-> (status, headers, content_type, body)
 *	qlik_api_list(host, path)						-> SETOF jsonb, all pages
 *	qlik_url_encode(text)						-> text
 */
#include "qlikcloud.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "client.h"
#include "dbtext.h"
#include "http.h"
#include "resource.h"

PG_FUNCTION_INFO_V1(qlik_api);
PG_FUNCTION_INFO_V1(qlik_request);
PG_FUNCTION_INFO_V1(qlik_request_bytes);
PG_FUNCTION_INFO_V1(qlik_api_list);
PG_FUNCTION_INFO_V1(qlik_url_encode);

static char *
arg_text(FunctionCallInfo fcinfo, int n, const char *what)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/* Fill a call's target from (host, method, path) arguments. */
static void
call_target(FunctionCallInfo fcinfo, QlikCall *call)
{
	qlik_call_init(call);
	call->tenant = arg_text(fcinfo, 0, "host");
	call->method = arg_text(fcinfo, 1, "method");
	call->path = arg_text(fcinfo, 2, "path");
	if (strncmp(call->path, "https://", 8) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("path must be a path on the tenant, such as /api/v1/users/me, not a URL")));
}

/* Fill a call from (host, method, path, body jsonb) arguments. */
static void
call_from_args(FunctionCallInfo fcinfo, QlikCall *call)
{
	call_target(fcinfo, call);
	if (PG_NARGS() > 3 && !PG_ARGISNULL(3))
	{
		Jsonb	   *body = PG_GETARG_JSONB_P(3);
		char	   *text = JsonbToCString(NULL, &body->root, VARSIZE(body));

		qlik_call_json_body(call, text);
	}
}

Datum
qlik_api(PG_FUNCTION_ARGS)
{
	QlikCall	call;
	QlikHttpResponse *resp;
	char	   *host;
	Jsonb	   *result;

	call_from_args(fcinfo, &call);
	resp = qlik_call(&call, &host);
	result = qlik_response_jsonb(resp, host, call.what);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_JSONB_P(result);
}

/* Response headers as a jsonb object; a repeated header's values joined. */
static Jsonb *
headers_jsonb(const QlikHttpResponse *resp)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;
	ListCell   *lc;
	List	   *seen = NIL;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	foreach(lc, resp->headers)
	{
		QlikHttpHeader *h = lfirst(lc);
		StringInfoData joined;
		ListCell   *lc2;
		JsonbValue	k,
					v;
		bool		dup = false;

		foreach(lc2, seen)
			if (strcmp((char *) lfirst(lc2), h->name) == 0)
				dup = true;
		if (dup)
			continue;
		seen = lappend(seen, h->name);

		initStringInfo(&joined);
		for_each_cell(lc2, resp->headers, lc)
		{
			QlikHttpHeader *h2 = lfirst(lc2);

			if (strcmp(h2->name, h->name) != 0)
				continue;
			if (joined.len > 0)
				appendStringInfoString(&joined, ", ");
			appendStringInfoString(&joined, h2->value);
		}
		/* Header bytes are anything the server sent. */
		k.type = jbvString;
		k.val.string.val = qlik_db_text(h->name, strlen(h->name));
		k.val.string.len = strlen(k.val.string.val);
		v.type = jbvString;
		v.val.string.val = qlik_db_text(joined.data, joined.len);
		v.val.string.len = strlen(v.val.string.val);
		pushJsonbValue(&state, WJB_KEY, &k);
		pushJsonbValue(&state, WJB_VALUE, &v);
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/*
 * Extra request headers from a JSON object of names and string values, each
 * checked (qlik_check_header).  take_accept: an Accept header replaces the
 * default one instead of being sent beside it.
 */
static void
add_request_headers(QlikCall *call, Jsonb *hdrs, bool take_accept)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *name = NULL;

	if (!JB_ROOT_IS_OBJECT(hdrs))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("request_headers must be a JSON object of header names and string values")));
	it = JsonbIteratorInit(&hdrs->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *value;
		char	   *line;

		if (tok == WJB_KEY)
			name = pnstrdup(v.val.string.val, v.val.string.len);
		if (tok != WJB_VALUE)
			continue;
		if (v.type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value of request header \"%s\" must be a JSON string", name)));
		value = pnstrdup(v.val.string.val, v.val.string.len);
		line = qlik_check_header(name, value);
		if (take_accept && pg_strcasecmp(name, "accept") == 0)
			call->accept = value;
		else
			call->headers = lappend(call->headers, line);
	}
}

Datum
qlik_request(PG_FUNCTION_ARGS)
{
	QlikCall	call;
	QlikHttpResponse *resp;
	char	   *host;
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	Jsonb	   *body;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "qlik_request must return a record");
	tupdesc = BlessTupleDesc(tupdesc);

	call_from_args(fcinfo, &call);
	if (!PG_ARGISNULL(4))
		add_request_headers(&call, PG_GETARG_JSONB_P(4), false);

	resp = qlik_call(&call, &host);
	values[0] = Int32GetDatum((int32) resp->status);
	values[1] = JsonbPGetDatum(headers_jsonb(resp));
	body = qlik_response_jsonb(resp, host, call.what);
	if (body == NULL)
		nulls[2] = true;
	else
		values[2] = JsonbPGetDatum(body);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * qlik_request_bytes: any body, any answer.  The body is sent from the
 * argument's own memory (detoasted once if it was stored compressed or out
 * of line); the answer is returned as it came, with its content type, for
 * endpoints that take multipart forms or files and answer with text, zip
 * files or images.  Error statuses raise ERROR as everywhere (Qlik's error
 * bodies are JSON); the transport's guarantees are qlik_call's.
 */
Datum
qlik_request_bytes(PG_FUNCTION_ARGS)
{
	QlikCall	call;
	QlikHttpResponse *resp;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	const char *ctype;
	const char *method;
	char	   *host;
	HeapTuple	tuple;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "qlik_request_bytes must return a record");
	tupdesc = BlessTupleDesc(tupdesc);

	call_target(fcinfo, &call);
	method = qlik_check_method(call.method);
	/* Any answer unless the caller names what it accepts. */
	call.accept = "*/*";
	if (!PG_ARGISNULL(5))
		add_request_headers(&call, PG_GETARG_JSONB_P(5), true);
	if (!PG_ARGISNULL(4))
		call.content_type = qlik_check_media_type(text_to_cstring(PG_GETARG_TEXT_PP(4)),
												  "content_type");
	if (!PG_ARGISNULL(3))
	{
		bytea	   *body = PG_GETARG_BYTEA_PP(3);

		if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a %s request has no body", method),
					 errhint("Pass body => NULL, or use POST, PUT or PATCH.")));
		call.body = VARDATA_ANY(body);
		call.body_len = VARSIZE_ANY_EXHDR(body);
		if (call.content_type == NULL)
			call.content_type = "application/octet-stream";
	}
	else if (call.content_type != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("content_type is given but there is no body")));

	resp = qlik_call(&call, &host);
	/* qlikcloud.max_response_size may reach 1 GB; a bytea holds 4 bytes less. */
	if (resp->body_len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_TOO_LARGE),
				 errmsg("response from Qlik Cloud host %s is too large for a bytea", host),
				 errdetail("%s answered %zu bytes.", call.what, resp->body_len)));
	values[0] = Int32GetDatum((int32) resp->status);
	values[1] = JsonbPGetDatum(headers_jsonb(resp));
	ctype = qlik_http_header(resp, "content-type");
	if (ctype == NULL)
		nulls[2] = true;
	else
		values[2] = CStringGetTextDatum(qlik_db_text(ctype, strlen(ctype)));
	if (resp->body_len == 0)
		nulls[3] = true;
	else
	{
		bytea	   *answer = palloc(VARHDRSZ + resp->body_len);

		SET_VARSIZE(answer, VARHDRSZ + resp->body_len);
		memcpy(VARDATA(answer), resp->body, resp->body_len);
		/* Held twice at most: the answer here, then in the result tuple. */
		pfree(resp->body);
		resp->body = NULL;
		values[3] = PointerGetDatum(answer);
	}
	tuple = heap_form_tuple(tupdesc, values, nulls);
	if (!nulls[3])
		pfree(DatumGetPointer(values[3]));
	PG_RETURN_DATUM(HeapTupleGetDatum(tuple));
}

/* qlik_api_list: one row per item of "data", following links.next.href */
static char *
list_path(FunctionCallInfo fcinfo, char **tenant)
{
	char	   *path;

	*tenant = arg_text(fcinfo, 0, "host");
	path = arg_text(fcinfo, 1, "path");
	if (strncmp(path, "https://", 8) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("path must be a path on the tenant, such as /api/v1/users, not a URL")));
	return path;
}

Datum
qlik_api_list(PG_FUNCTION_ARGS)
{
	return qlik_list_srf(fcinfo, list_path, NULL);
}

Datum
qlik_url_encode(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_TEXT_P(cstring_to_text(qlik_url_encode_text(VARDATA_ANY(t),
														  VARSIZE_ANY_EXHDR(t))));
}
