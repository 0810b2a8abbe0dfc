/*
 * auth.c
 *		Access tokens from Qlik's /oauth/token, cached in backend memory.
 *
 * A token is valid on the host that issued it only, so the cache is keyed by
 * (credential, host): a regional client used on fifty tenants holds fifty
 * tokens.  A token is reused until shortly before it expires, so any number
 * of calls costs one token request per token lifetime; when Qlik refuses a
 * cached token anyway (401), client.c drops it here and asks once more.
 *
 * Tokens live only in this backend's memory (and, when the library is
 * preloaded, in the server's shared memory, where the other backends find
 * them: shared_tokens.c), never in a table, a setting or a message, and are
 * zeroed when replaced.  A change to the credential's row
 * (new secret, scopes, client id) changes its updated_at, which retires the
 * tokens it issued.
 */
#include "qlikcloud.h"

#include <cjson/cJSON.h>

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "answer.h"
#include "auth.h"
#include "errors.h"
#include "http.h"
#include "shared_tokens.h"

#define TOKEN_KEY_LEN QLIK_TOKEN_KEY_LEN
#define MAX_TOKEN_LIFETIME (24 * 3600.0)	/* seconds */
#define MAX_TOKEN_LEN 16384

typedef struct TokenEntry
{
	char		key[TOKEN_KEY_LEN]; /* credential name, '\001', host */
	TimestampTz cred_updated_at;
	TimestampTz refresh_at;
	char	   *token;			/* in TopMemoryContext */
} TokenEntry;

static HTAB *token_cache = NULL;

static void
token_key(char *key, const QlikCredential *cred, const char *host)
{
	memset(key, 0, TOKEN_KEY_LEN);
	snprintf(key, TOKEN_KEY_LEN, "%s\001%s", cred->name, host);
}

static HTAB *
cache(void)
{
	if (token_cache == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = TOKEN_KEY_LEN;
		ctl.entrysize = sizeof(TokenEntry);
		token_cache = hash_create("qlikcloud tokens", 64, &ctl, HASH_ELEM | HASH_STRINGS);
	}
	return token_cache;
}

static void
clear_token(TokenEntry *e)
{
	if (e->token != NULL)
	{
		explicit_bzero(e->token, strlen(e->token));
		pfree(e->token);
		e->token = NULL;
	}
}

void
qlik_forget_token(const QlikCredential *cred, const char *host)
{
	char		key[TOKEN_KEY_LEN];
	TokenEntry *e;

	token_key(key, cred, host);
	e = hash_search(cache(), key, HASH_FIND, NULL);
	qlik_shared_token_forget(key, e != NULL ? e->token : NULL);
	if (e != NULL)
	{
		clear_token(e);
		hash_search(cache(), key, HASH_REMOVE, NULL);
	}
}

/*
 * How long the token may be used, in seconds: expires_in if given, else
 * expires_at (ISO 8601, UTC), else a conservative five minutes; -1 for an
 * expires_in that is not a positive number (a token already dead is no
 * token).  Never raises: it runs while cJSON memory is held.
 */
static double
token_lifetime(const cJSON *root)
{
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(root, "expires_in");
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(root, "expires_at");
	struct pg_tm tm;
	Timestamp	when;

	/*
	 * Bounded: refresh_at is computed in int64 microseconds, and cJSON reads
	 * "1e999" as infinity.
	 */
	if (cJSON_IsNumber(in) && in->valuedouble > 0)
		return Min(in->valuedouble, MAX_TOKEN_LIFETIME);
	if (in != NULL && !cJSON_IsNull(in))
		return -1;
	memset(&tm, 0, sizeof(tm));
	if (cJSON_IsString(at) && at->valuestring != NULL &&
		sscanf(at->valuestring, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6 &&
		tm2timestamp(&tm, 0, NULL, &when) == 0)
		return (double) (when - GetCurrentTimestamp()) / USECS_PER_SEC;
	return 300;
}

/*
 * A token goes into an Authorization header: printable ASCII only (RFC
 * 6750's b64token is narrower still), and of a sane length.
 */
static bool
bearer_token(const char *s)
{
	size_t		n = 0;

	for (; s[n] != '\0'; n++)
		if ((unsigned char) s[n] <= 0x20 || (unsigned char) s[n] >= 0x7f || n >= MAX_TOKEN_LEN)
			return false;
	return n > 0;
}

/* Ask the host's /oauth/token for a new token. */
static char *
request_token(QlikCredential *cred, const char *host, double *lifetime)
{
	StringInfoData body;
	QlikHttpRequest req;
	QlikHttpResponse *resp;
	cJSON	   *root;
	const cJSON *tok;
	char	   *volatile token = NULL;
	char	   *context;

	if (cred->client_secret == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_CONFIG),
				 errmsg("credential \"%s\" has no client secret", cred->name)));

	initStringInfo(&body);
	appendStringInfoString(&body, "{\"client_id\":");
	escape_json(&body, cred->client_id);
	appendStringInfoString(&body, ",\"client_secret\":");
	escape_json(&body, cred->client_secret);
	appendStringInfoString(&body, ",\"grant_type\":\"client_credentials\"");
	if (cred->scopes != NULL)
	{
		appendStringInfoString(&body, ",\"scope\":");
		escape_json(&body, cred->scopes);
	}
	appendStringInfoChar(&body, '}');

	qlik_http_request_init(&req);
	req.method = "POST";
	req.url = psprintf("https://%s/oauth/token", host);
	req.content_type = "application/json";
	req.body = body.data;
	req.body_len = body.len;
	/* Asking for a token twice has no effect beyond a second token. */
	req.idempotent = true;
	req.follow_redirects = false;
	req.what = "POST /oauth/token";

	PG_TRY();
	{
		resp = qlik_http_perform(&req);
	}
	PG_CATCH();
	{
		explicit_bzero(body.data, body.len);
		PG_RE_THROW();
	}
	PG_END_TRY();
	explicit_bzero(body.data, body.len);
	pfree(body.data);

	context = psprintf("could not get an access token for %s with credential \"%s\"",
					   host, cred->name);
	if (resp->status != 200)
		qlik_raise_http_error(resp, host, req.what, context, cred->client_secret);

	root = cJSON_ParseWithLength(resp->body, resp->body_len);
	tok = cJSON_GetObjectItemCaseSensitive(root, "access_token");
	if (cJSON_IsString(tok) && tok->valuestring != NULL && bearer_token(tok->valuestring))
	{
		*lifetime = token_lifetime(root);
		/* pstrdup could fail: nothing must be held in cJSON then. */
		token = malloc(strlen(tok->valuestring) + 1);
		if (token != NULL)
			strcpy(token, tok->valuestring);
		explicit_bzero(tok->valuestring, strlen(tok->valuestring));
	}
	cJSON_Delete(root);
	if (token != NULL)
	{
		char	   *copy = pstrdup(token);

		explicit_bzero(token, strlen(token));
		free(token);
		token = copy;
	}
	explicit_bzero(resp->body, resp->body_len);

	if (token == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("%s: the answer has no access_token", context),
				 errdetail_internal("%s A token is 1 to %d printable ASCII characters.",
									qlik_answer_detail(resp, host, req.what), MAX_TOKEN_LEN)));
	if (*lifetime < 0)
	{
		explicit_bzero(token, strlen(token));
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("%s: the answer's expires_in is not a positive number", context),
				 errdetail_internal("%s", qlik_answer_detail(resp, host, req.what))));
	}
	return token;
}

/* Keep a copy of token in this backend's cache until refresh_at. */
static void
remember(const char *key, const QlikCredential *cred, TimestampTz refresh_at, const char *token)
{
	TokenEntry *e;
	bool		found;

	e = hash_search(cache(), key, HASH_ENTER, &found);
	if (found)
		clear_token(e);
	else
		e->token = NULL;		/* in case the copy below fails */
	e->token = MemoryContextStrdup(TopMemoryContext, token);
	e->cred_updated_at = cred->updated_at;
	e->refresh_at = refresh_at;
}

/*
 * A token for this credential on this host: the cached one if it is not
 * near its expiry, else a new one.  Returns a palloc'd copy.  The
 * credential's secret is forgotten once used.
 */
char *
qlik_access_token(QlikCredential *cred, const char *host, bool *from_cache)
{
	char		key[TOKEN_KEY_LEN];
	TokenEntry *e;
	TimestampTz now = GetCurrentTimestamp();
	char	   *token;
	double		lifetime = 0;
	double		margin;
	TimestampTz refresh_at;

	token_key(key, cred, host);
	e = hash_search(cache(), key, HASH_FIND, NULL);
	if (e != NULL && e->token != NULL &&
		e->cred_updated_at == cred->updated_at && now < e->refresh_at)
	{
		*from_cache = true;
		qlik_credential_forget_secret(cred);
		return pstrdup(e->token);
	}

	/* Another backend's token (preloaded library), or this one asks. */
	token = qlik_shared_token_get(key, cred->updated_at, &refresh_at);
	if (token != NULL)
	{
		*from_cache = true;
		qlik_credential_forget_secret(cred);
		remember(key, cred, refresh_at, token);
		return token;
	}

	*from_cache = false;
	PG_TRY();
	{
		token = request_token(cred, host, &lifetime);
	}
	PG_CATCH();
	{
		/* A failed request (cancel, timeout, 401...) forgets it too. */
		qlik_credential_forget_secret(cred);
		qlik_shared_token_release(key);
		PG_RE_THROW();
	}
	PG_END_TRY();
	qlik_credential_forget_secret(cred);

	/* Refresh a little early: a tenth of the lifetime, a minute at most. */
	margin = Min(lifetime / 10.0, 60.0);
	refresh_at = now + (TimestampTz) ((lifetime - margin) * USECS_PER_SEC);
	qlik_shared_token_put(key, cred->updated_at, refresh_at, token);
	remember(key, cred, refresh_at, token);
	return token;
}
