/*
 * dbtext.c
 *		Text from Qlik Cloud, made valid in the database encoding before it
 *		goes into a message, a detail, a row or a jsonb value.
 *
 * Qlik sends UTF-8 (JSON is UTF-8 by RFC 8259, and header values are bytes),
 * but an answer can hold anything: invalid sequences, encoded surrogates,
 * control characters, characters the database encoding (LATIN1, say) lacks.
 * An ERROR message carrying such bytes is stored by the workflows in their
 * registry, where upper() fails on it and a dump does not restore; so every
 * text taken from an answer passes through here first.  Invalid sequences,
 * control characters other than tab (a newline or an escape sequence would
 * forge a log line or a terminal's output), and characters the
 * encoding cannot represent become U+FFFD in a UTF-8 database and '?' in any
 * other.  SQL_ASCII keeps valid UTF-8 as it is, since it keeps any byte.
 */
#include "qlikcloud.h"

#include "catalog/namespace.h"
#include "mb/pg_wchar.h"

#include "dbtext.h"

/* The UTF-8 to database encoding conversion, looked up once per backend. */
static Oid
conversion_proc(int encoding)
{
	static int	looked_up_for = -1;
	static Oid	proc = InvalidOid;

	if (looked_up_for != encoding)
	{
		proc = FindDefaultConversionProc(PG_UTF8, encoding);
		looked_up_for = encoding;
	}
	return proc;
}

static const char *
replacement(void)
{
	return GetDatabaseEncoding() == PG_UTF8 ? "\xEF\xBF\xBD" : "?";
}

/*
 * Append one valid UTF-8 character of n bytes, in the database encoding, or
 * '?' if that encoding lacks it.
 */
void
qlik_append_utf8_char(StringInfo out, const char *c, int n)
{
	int			encoding = GetDatabaseEncoding();
	unsigned char buf[32];
	Oid			proc;

	if (encoding == PG_UTF8 || encoding == PG_SQL_ASCII)
	{
		appendBinaryStringInfo(out, c, n);
		return;
	}
	proc = conversion_proc(encoding);
	if (OidIsValid(proc) &&
		pg_do_encoding_conversion_buf(proc, PG_UTF8, encoding, (unsigned char *) c, n,
									  buf, sizeof(buf), true) == n)
		appendStringInfoString(out, (char *) buf);
	else
		appendStringInfoChar(out, '?');
}

/* A palloc'd copy of len bytes from Qlik, valid in the database encoding. */
char *
qlik_db_text(const char *s, size_t len)
{
	StringInfoData out;
	const char *repl = replacement();
	size_t		i = 0;

	initStringInfo(&out);
	while (i < len)
	{
		const unsigned char *p = (const unsigned char *) s + i;
		int			n;

		if (*p < 0x80)
		{
			if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
				appendStringInfoString(&out, repl);
			else
				appendStringInfoChar(&out, (char) *p);
			i++;
			continue;
		}
		n = pg_utf_mblen(p);
		if (n >= 2 && (size_t) n <= len - i && pg_utf8_islegal(p, n))
		{
			qlik_append_utf8_char(&out, (const char *) p, n);
			i += n;
		}
		else
		{
			appendStringInfoString(&out, repl);
			i++;
		}
	}
	return out.data;
}

/*
 * Text already in the database encoding, cut to at most limit bytes at a
 * character boundary, with "..." after a cut.
 */
char *
qlik_clip_text(const char *s, size_t limit)
{
	size_t		len = strlen(s);

	if (len <= limit)
		return pstrdup(s);
	return psprintf("%.*s...", pg_mbcliplen(s, (int) len, (int) limit), s);
}

/*
 * As qlik_db_text, cut to at most limit bytes as qlik_clip_text does.  Only
 * about limit bytes of the input are looked at.
 */
char *
qlik_db_text_bounded(const char *s, size_t len, size_t limit)
{
	char	   *t = qlik_db_text(s, len > limit + 4 ? limit + 4 : len);

	return qlik_clip_text(t, limit);
}
