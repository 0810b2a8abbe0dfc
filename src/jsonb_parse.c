/*
 * jsonb_parse.c
 *		Qlik's answers read into jsonb in one pass.
 *
 * jsonb_in is made for any input: its lexer copies every string one
 * character at a time and it calls back through a general parser for every
 * token, which makes reading a page of a list cost several times receiving
 * it.  This parser reads what Qlik sends (UTF-8 JSON, in a UTF-8 database)
 * straight into the JsonbValue tree jsonb_in would build: strings decoded as
 * its lexer decodes them, numbers read by numeric_in, keys sorted and a
 * repeated key keeping its last value as pushJsonbValue does.  So the result
 * is the same jsonb, byte for byte (checked against jsonb_in on every page
 * of the benchmark's 100,000 users and on edge cases).
 * It gives up (returns NULL) on anything it is not sure to read exactly as
 * jsonb_in would: malformed JSON, \u0000, a lone surrogate, a string too long
 * for jsonb, nesting beyond the limit, another database encoding.  The caller
 * then hands the text to jsonb_in, which accepts it or says why not.
 */
#include "qlikcloud.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "jsonb_parse.h"

typedef struct Parser
{
	const char *p;
	const char *end;
	int			depth;
	int			max_depth;
	StringInfoData buf;			/* a string with escapes, being decoded */
} Parser;

static bool parse_value(Parser *ps, JsonbValue *v);

static inline void
skip_ws(Parser *ps)
{
	while (ps->p < ps->end &&
		   (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
		ps->p++;
}

/*
 * The value of four hex digits at s, or -1: the XXXX of a \uXXXX escape.
 * answer.c reads escapes with it too.
 */
int
qlik_hex4(const char *s)
{
	int			v = 0;

	for (int i = 0; i < 4; i++)
	{
		char		c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * The first '"', '\\' or control character from q on (end if none): the end
 * of a run of characters a string keeps as they are.  Eight bytes at a time
 * while none of them can be one (a byte is flagged by the classic "has a
 * zero byte" test on the word xor'ed with '"', with '\\', and on the word
 * itself less 0x20; a flag can be wrong only after a right one, and the
 * bytewise loop then finds the exact place).
 */
static inline const char *
plain_run(const char *q, const char *end)
{
	const uint64 ones = UINT64CONST(0x0101010101010101);
	const uint64 highs = ones * 0x80;

	while (end - q >= 8)
	{
		uint64		w;
		uint64		quote;
		uint64		bslash;

		memcpy(&w, q, 8);
		quote = w ^ (ones * '"');
		bslash = w ^ (ones * '\\');
		if ((((quote - ones) & ~quote) | ((bslash - ones) & ~bslash) |
			 ((w - ones * 0x20) & ~w)) & highs)
			break;
		q += 8;
	}
	while (q < end && *q != '"' && *q != '\\' && (unsigned char) *q >= 0x20)
		q++;
	return q;
}

/*
 * A string at ps->p (its opening quote): *out and *len point into the text
 * when it has no escape, else into a palloc'd copy with escapes decoded as
 * json_lex_string does in a UTF-8 database.
 */
static bool
parse_string(Parser *ps, char **out, int *len)
{
	const char *start = ++ps->p;
	const char *q;

	/* The common case: no escape, no control character. */
	q = plain_run(start, ps->end);
	if (q >= ps->end || (unsigned char) *q < 0x20)
		return false;
	if (*q == '"')
	{
		if (q - start > JENTRY_OFFLENMASK)
			return false;
		*out = (char *) start;
		*len = (int) (q - start);
		ps->p = q + 1;
		return true;
	}

	resetStringInfo(&ps->buf);
	appendBinaryStringInfo(&ps->buf, start, (int) (q - start));
	while (q < ps->end)
	{
		const char *run = q;

		q = plain_run(q, ps->end);
		if (q > run)
			appendBinaryStringInfo(&ps->buf, run, (int) (q - run));
		if (q >= ps->end || (unsigned char) *q < 0x20)
			return false;
		if (*q == '"')
		{
			if (ps->buf.len > JENTRY_OFFLENMASK)
				return false;
			*out = pnstrdup(ps->buf.data, ps->buf.len);
			*len = ps->buf.len;
			ps->p = q + 1;
			return true;
		}
		/* An escape. */
		if (q + 1 >= ps->end)
			return false;
		switch (q[1])
		{
			case '"':
			case '\\':
			case '/':
				appendStringInfoChar(&ps->buf, q[1]);
				q += 2;
				break;
			case 'b':
				appendStringInfoChar(&ps->buf, '\b');
				q += 2;
				break;
			case 'f':
				appendStringInfoChar(&ps->buf, '\f');
				q += 2;
				break;
			case 'n':
				appendStringInfoChar(&ps->buf, '\n');
				q += 2;
				break;
			case 'r':
				appendStringInfoChar(&ps->buf, '\r');
				q += 2;
				break;
			case 't':
				appendStringInfoChar(&ps->buf, '\t');
				q += 2;
				break;
			case 'u':
				{
					int			cp;
					unsigned char utf8[8];

					if (q + 6 > ps->end || (cp = qlik_hex4(q + 2)) < 0)
						return false;
					q += 6;
					if (cp >= 0xDC00 && cp <= 0xDFFF)
						return false;	/* a lone low surrogate */
					if (cp >= 0xD800 && cp <= 0xDBFF)
					{
						int			lo;

						if (q + 6 > ps->end || q[0] != '\\' || q[1] != 'u' ||
							(lo = qlik_hex4(q + 2)) < 0xDC00 || lo > 0xDFFF)
							return false;
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
						q += 6;
					}
					if (cp == 0)
						return false;	/* jsonb cannot hold \u0000 */
					unicode_to_utf8((pg_wchar) cp, utf8);
					appendBinaryStringInfo(&ps->buf, (char *) utf8, pg_utf_mblen(utf8));
					break;
				}
			default:
				return false;
		}
	}
	return false;
}

/* A number as JSON writes them, read by numeric_in as jsonb_in does. */
static bool
parse_number(Parser *ps, JsonbValue *v)
{
	const char *s = ps->p;
	const char *q = s;
	char		small[64];
	char	   *text;

	if (q < ps->end && *q == '-')
		q++;
	if (q >= ps->end)
		return false;
	if (*q == '0')
		q++;
	else if (*q >= '1' && *q <= '9')
		while (q < ps->end && *q >= '0' && *q <= '9')
			q++;
	else
		return false;
	if (q < ps->end && *q == '.')
	{
		const char *d = ++q;

		while (q < ps->end && *q >= '0' && *q <= '9')
			q++;
		if (q == d)
			return false;
	}
	if (q < ps->end && (*q == 'e' || *q == 'E'))
	{
		const char *d;

		q++;
		if (q < ps->end && (*q == '+' || *q == '-'))
			q++;
		d = q;
		while (q < ps->end && *q >= '0' && *q <= '9')
			q++;
		if (q == d)
			return false;
	}
	/* A number runs into the next token only through a delimiter. */
	if (q < ps->end && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
						(*q >= '0' && *q <= '9') || *q == '_' || *q == '.' ||
						(unsigned char) *q >= 0x80))
		return false;
	if (q - s < (long) sizeof(small))
	{
		memcpy(small, s, q - s);
		small[q - s] = '\0';
		text = small;
	}
	else
		text = pnstrdup(s, q - s);
	v->type = jbvNumeric;
	v->val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
														 ObjectIdGetDatum(InvalidOid),
														 Int32GetDatum(-1)));
	ps->p = q;
	return true;
}

static bool
literal(Parser *ps, const char *word, int n)
{
	if (ps->end - ps->p < n || memcmp(ps->p, word, n) != 0)
		return false;
	ps->p += n;
	/* "truex" is one bad token for jsonb_in, not true and then x. */
	if (ps->p < ps->end && ((*ps->p >= 'a' && *ps->p <= 'z') || (*ps->p >= 'A' && *ps->p <= 'Z') ||
							(*ps->p >= '0' && *ps->p <= '9') || *ps->p == '_' ||
							(unsigned char) *ps->p >= 0x80))
		return false;
	return true;
}

/* jsonb's order of keys: shorter first, then bytewise. */
static inline int
key_cmp(const JsonbValue *a, const JsonbValue *b)
{
	if (a->val.string.len != b->val.string.len)
		return a->val.string.len > b->val.string.len ? 1 : -1;
	return memcmp(a->val.string.val, b->val.string.val, a->val.string.len);
}

static int
pair_cmp(const void *a, const void *b)
{
	const JsonbPair *pa = a;
	const JsonbPair *pb = b;
	int			r = key_cmp(&pa->key, &pb->key);

	return r != 0 ? r : (pa->order > pb->order ? 1 : -1);
}

/*
 * Keys sorted as jsonb keeps them, a repeated key keeping its last value:
 * what pushJsonbValue's uniqueifyJsonbObject does, with an insertion sort
 * for the small objects Qlik sends instead of a qsort per object.
 */
static int
sort_pairs(JsonbPair *pairs, int n)
{
	int			out;

	if (n <= 32)
	{
		for (int i = 1; i < n; i++)
		{
			JsonbPair	tmp = pairs[i];
			int			j = i;

			while (j > 0 && key_cmp(&pairs[j - 1].key, &tmp.key) > 0)
			{
				pairs[j] = pairs[j - 1];
				j--;
			}
			pairs[j] = tmp;
		}
	}
	else
		qsort(pairs, n, sizeof(JsonbPair), pair_cmp);
	/* Stable: of equal keys, the last one written comes last; keep it. */
	out = 0;
	for (int i = 0; i < n; i++)
	{
		if (i + 1 < n && key_cmp(&pairs[i].key, &pairs[i + 1].key) == 0)
			continue;
		if (out != i)
			pairs[out] = pairs[i];
		out++;
	}
	return out;
}

/*
 * Room for one more item in a growing list of items of elem_size bytes:
 * doubles *cap when full; NULL when the list would pass MaxAllocSize.
 */
static void *
grow_items(void *items, int n, int *cap, size_t elem_size)
{
	if (n < *cap)
		return items;
	if (*cap >= (int) (MaxAllocSize / elem_size / 2))
		return NULL;
	*cap *= 2;
	return repalloc(items, elem_size * *cap);
}

/*
 * After an item of an object or array: 1 at a comma (another item follows),
 * 0 at the closing character (consumed), -1 at anything else.
 */
static int
after_item(Parser *ps, char close)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return -1;
	if (*ps->p == ',' || *ps->p == close)
		return *ps->p++ == ',' ? 1 : 0;
	return -1;
}

static bool
parse_object(Parser *ps, JsonbValue *v)
{
	int			cap = 16;
	int			n = 0;
	JsonbPair  *pairs = palloc(sizeof(JsonbPair) * cap);

	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}')
		ps->p++;
	else
	{
		for (;;)
		{
			JsonbPair  *pair;

			int			next;

			if ((pairs = grow_items(pairs, n, &cap, sizeof(JsonbPair))) == NULL)
				return false;
			pair = &pairs[n];
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != '"' ||
				!parse_string(ps, &pair->key.val.string.val, &pair->key.val.string.len))
				return false;
			pair->key.type = jbvString;
			pair->order = n;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return false;
			ps->p++;
			if (!parse_value(ps, &pair->value))
				return false;
			n++;
			if ((next = after_item(ps, '}')) < 0)
				return false;
			if (next == 0)
				break;
		}
	}
	v->type = jbvObject;
	v->val.object.nPairs = n > 1 ? sort_pairs(pairs, n) : n;
	v->val.object.pairs = pairs;
	return true;
}

static bool
parse_array(Parser *ps, JsonbValue *v)
{
	int			cap = 8;
	int			n = 0;
	JsonbValue *elems = palloc(sizeof(JsonbValue) * cap);

	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']')
		ps->p++;
	else
	{
		for (;;)
		{
			int			next;

			if ((elems = grow_items(elems, n, &cap, sizeof(JsonbValue))) == NULL)
				return false;
			if (!parse_value(ps, &elems[n]))
				return false;
			n++;
			if ((next = after_item(ps, ']')) < 0)
				return false;
			if (next == 0)
				break;
		}
	}
	v->type = jbvArray;
	v->val.array.nElems = n;
	v->val.array.elems = elems;
	v->val.array.rawScalar = false;
	return true;
}

static bool
parse_value(Parser *ps, JsonbValue *v)
{
	bool		ok;

	skip_ws(ps);
	if (ps->p >= ps->end)
		return false;
	switch (*ps->p)
	{
		case '{':
		case '[':
			if (++ps->depth > ps->max_depth)
				return false;
			check_stack_depth();
			ok = (*ps->p == '{') ? parse_object(ps, v) : parse_array(ps, v);
			ps->depth--;
			return ok;
		case '"':
			v->type = jbvString;
			return parse_string(ps, &v->val.string.val, &v->val.string.len);
		case 't':
			v->type = jbvBool;
			v->val.boolean = true;
			return literal(ps, "true", 4);
		case 'f':
			v->type = jbvBool;
			v->val.boolean = false;
			return literal(ps, "false", 5);
		case 'n':
			v->type = jbvNull;
			return literal(ps, "null", 4);
		default:
			return parse_number(ps, v);
	}
}

/*
 * text (len bytes of UTF-8, no NUL inside) as jsonb, or NULL when it is not
 * JSON this parser reads exactly as jsonb_in does (see above): then ask
 * jsonb_in.  Errors numeric_in raises for a number (out of range) are
 * jsonb_in's own, and are raised.
 */
Jsonb *
qlik_parse_jsonb(const char *text, size_t len, int max_depth)
{
	Parser		ps;
	JsonbValue	root;

	if (GetDatabaseEncoding() != PG_UTF8)
		return NULL;
	memset(&ps, 0, sizeof(ps));
	ps.p = text;
	ps.end = text + len;
	ps.max_depth = max_depth;
	initStringInfo(&ps.buf);
	if (!parse_value(&ps, &root))
		return NULL;
	skip_ws(&ps);
	if (ps.p != ps.end)
		return NULL;
	pfree(ps.buf.data);
	/* A scalar becomes a raw scalar array there, as in jsonb_in. */
	return JsonbValueToJsonb(&root);
}

