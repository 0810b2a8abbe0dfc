/*
 * answer.c
 *		Qlik Cloud's answers turned into jsonb, and every way an answer can
 *		be unusable turned into one documented error.
 *
 * An answer is Qlik's to get right, so whatever is wrong with one is
 * reported as QK006 with the usual detail (status, method, path, host,
 * traceId), never as an error about our own input with PostgreSQL's
 * SQLSTATE: not JSON (content type), not UTF-8, nested deeper than
 * QLIK_MAX_JSON_DEPTH (PostgreSQL's parser recurses per level and would
 * stop at max_stack_depth with 54001), and whatever jsonb input refuses
 * (syntax, truncation, trailing garbage, numbers beyond numeric's range,
 * \u0000, lone surrogates).  That last class is caught around jsonb_in
 * rather than foreseen one case at a time, so that no refusal of
 * PostgreSQL's can slip through with its own SQLSTATE; qlik_object_row
 * uses the same catch for values of the wrong type.
 *
 * JSON is UTF-8.  In a database of another encoding the text is converted
 * first, characters the encoding lacks (raw or \u-escaped) becoming '?' as
 * dbtext.c does for every text from Qlik, so that a name in Cyrillic does
 * not fail a call in a LATIN1 database.
 */
#include "qlikcloud.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "answer.h"
#include "dbtext.h"
#include "jsonb_parse.h"

/* What the latest answer was, for errors about its content found later. */
static char last_answer[512];

const char *
qlik_last_answer(void)
{
	return last_answer;
}

/*
 * "HTTP 200 from GET /api/v1/users on acme.us.qlikcloud.com, 120 bytes of
 * application/json. traceId: 1f2e."
 */
char *
qlik_answer_detail(const QlikHttpResponse *resp, const char *host, const char *what)
{
	const char *ctype = qlik_http_header(resp, "content-type");
	const char *trace = qlik_http_header(resp, "x-b3-traceid");
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "HTTP %ld from %s on %s, %zu bytes", resp->status, what, host,
					 resp->body_len);
	if (ctype != NULL)
		appendStringInfo(&buf, " of %s", qlik_db_text_bounded(ctype, strlen(ctype), 100));
	appendStringInfoChar(&buf, '.');
	if (trace != NULL)
		appendStringInfo(&buf, " traceId: %s.", qlik_db_text_bounded(trace, strlen(trace), 64));
	return buf.data;
}

/*
 * In a PG_CATCH: an error of the data exception or program limit classes
 * (or a conversion PostgreSQL does not support) was caused by the answer,
 * and becomes QK006 with message, detail and PostgreSQL's own words.  Any
 * other error (cancel, out of memory) goes on as it is.
 */
void
qlik_rethrow_as_bad_answer(MemoryContext cxt, const char *message, const char *detail)
{
	ErrorData  *ed;
	int			category;
	char	   *why;

	MemoryContextSwitchTo(cxt);
	ed = CopyErrorData();
	category = ERRCODE_TO_CATEGORY(ed->sqlerrcode);
	if (category != ERRCODE_DATA_EXCEPTION && category != ERRCODE_PROGRAM_LIMIT_EXCEEDED &&
		ed->sqlerrcode != ERRCODE_FEATURE_NOT_SUPPORTED)
	{
		FreeErrorData(ed);
		PG_RE_THROW();
	}
	FlushErrorState();
	/* Valid text already, but it can quote a value of any length. */
	why = psprintf("%s%s%s", ed->message, ed->detail ? ": " : "", ed->detail ? ed->detail : "");
	why = qlik_clip_text(why, 300);
	ereport(ERROR,
			(errcode(ERRCODE_QLIK_BAD_RESPONSE),
			 errmsg("%s", message),
			 errdetail_internal("%s %s", detail, why)));
	pg_unreachable();
}

/* application/json, application/problem+json; parameters after ';'. */
static bool
is_json_type(const char *ctype)
{
	size_t		n = strcspn(ctype, ";");

	while (n > 0 && (ctype[n - 1] == ' ' || ctype[n - 1] == '\t'))
		n--;
	return (n >= 5 && pg_strncasecmp(ctype + n - 5, "/json", 5) == 0) ||
		(n >= 5 && pg_strncasecmp(ctype + n - 5, "+json", 5) == 0);
}

/* The offset of the first bracket past the depth limit, or -1. */
static long
too_deep_at(const char *s, size_t len)
{
	int			depth = 0;
	bool		in_string = false;

	for (size_t i = 0; i < len; i++)
	{
		char		c = s[i];

		if (in_string)
		{
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		}
		else if (c == '"')
			in_string = true;
		else if (c == '[' || c == '{')
		{
			if (++depth > QLIK_MAX_JSON_DEPTH)
				return (long) i;
		}
		else if (c == ']' || c == '}')
			depth--;
	}
	return -1;
}

/* A \uXXXX escape (one code point, a surrogate pair combined) at s[i]. */
static int
unicode_escape(const char *s, size_t len, size_t i, size_t *n)
{
	int			cp;
	int			lo;

	if (i + 6 > len || s[i + 1] != 'u' || (cp = qlik_hex4(s + i + 2)) < 0)
		return -1;
	*n = 6;
	if (cp >= 0xD800 && cp <= 0xDBFF && i + 12 <= len && s[i + 6] == '\\' &&
		s[i + 7] == 'u' && (lo = qlik_hex4(s + i + 8)) >= 0xDC00 && lo <= 0xDFFF)
	{
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		*n = 12;
	}
	return cp;
}

/*
 * Valid UTF-8 JSON text in the database encoding (not UTF-8).  Inside
 * strings, characters beyond ASCII, raw or escaped, are converted or become
 * '?'; escapes the parser must judge (\u0000, lone surrogates) stay as they
 * are.
 */
static char *
json_to_db(const char *s, size_t len)
{
	StringInfoData out;
	bool		in_string = false;
	size_t		i = 0;

	initStringInfo(&out);
	while (i < len)
	{
		unsigned char c = (unsigned char) s[i];
		size_t		n = 1;

		if (in_string && c == '\\' && i + 1 < len)
		{
			int			cp = unicode_escape(s, len, i, &n);

			if (cp > 0x7F && (cp < 0xD800 || cp > 0xDFFF))
			{
				unsigned char utf8[8];

				unicode_to_utf8((pg_wchar) cp, utf8);
				qlik_append_utf8_char(&out, (char *) utf8, pg_utf_mblen(utf8));
			}
			else
			{
				if (cp < 0)
					n = 2;
				appendBinaryStringInfo(&out, s + i, n);
			}
		}
		else if (c >= 0x80)
		{
			n = pg_utf_mblen(&c);	/* valid: checked before */
			qlik_append_utf8_char(&out, s + i, (int) n);
		}
		else
		{
			if (c == '"')
				in_string = !in_string;
			appendStringInfoChar(&out, (char) c);
		}
		i += n;
	}
	return out.data;
}

static void
remember(const QlikHttpResponse *resp, const char *host, const char *what)
{
	snprintf(last_answer, sizeof(last_answer), "HTTP %ld from %s on %s.",
			 resp->status, what, host);
}

/*
 * The response body as jsonb: NULL for an empty body, QK006 for a body that
 * is not usable JSON.
 */
Jsonb *
qlik_response_jsonb(const QlikHttpResponse *resp, const char *host, const char *what)
{
	const char *ctype = qlik_http_header(resp, "content-type");
	MemoryContext cxt = CurrentMemoryContext;
	char	   *detail;
	char	   *text;
	int			valid;
	long		deep;
	Jsonb	   *volatile result = NULL;

	remember(resp, host, what);
	if (resp->body_len == 0)
		return NULL;
	detail = qlik_answer_detail(resp, host, what);
	if (ctype != NULL && !is_json_type(ctype))
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("Qlik Cloud answered with %s, not JSON",
						qlik_db_text_bounded(ctype, strlen(ctype), 100)),
				 errdetail_internal("%s", detail)));

	/* Stops at a NUL byte too, which JSON text cannot hold raw. */
	valid = pg_encoding_verifymbstr(PG_UTF8, resp->body, (int) resp->body_len);
	if ((size_t) valid < resp->body_len)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("Qlik Cloud answered with JSON that is not valid UTF-8"),
				 errdetail_internal("%s The first byte that is not valid UTF-8 (or is NUL) is at offset %d.",
									detail, valid)));
	text = GetDatabaseEncoding() == PG_UTF8 ? resp->body :
		json_to_db(resp->body, resp->body_len);

	/*
	 * One pass (jsonb_parse.c), the same jsonb as jsonb_in's; it also stops
	 * past QLIK_MAX_JSON_DEPTH.  What it is not sure of goes to the depth
	 * check and jsonb_in, which accept it or say why not.
	 */
	PG_TRY();
	{
		result = qlik_parse_jsonb(text, text == resp->body ? resp->body_len : strlen(text),
								  QLIK_MAX_JSON_DEPTH);
	}
	PG_CATCH();
	{
		qlik_rethrow_as_bad_answer(cxt, "Qlik Cloud answered with malformed JSON", detail);
	}
	PG_END_TRY();
	if (result != NULL)
		return result;

	if ((deep = too_deep_at(resp->body, resp->body_len)) >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("Qlik Cloud answered with JSON nested deeper than %d levels",
						QLIK_MAX_JSON_DEPTH),
				 errdetail_internal("%s Level %d starts at offset %ld.", detail,
									QLIK_MAX_JSON_DEPTH + 1, deep)));
	PG_TRY();
	{
		result = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
	}
	PG_CATCH();
	{
		qlik_rethrow_as_bad_answer(cxt, "Qlik Cloud answered with malformed JSON", detail);
	}
	PG_END_TRY();
	return result;
}
