/*
 * credentials.c
 *		Finding the OAuth client that serves a Qlik host.
 *
 * qlikcloud.credentials holds client secrets, so only its owner (the role
 * that created the extension) may read it.  Callers of the Qlik functions are
 * not its owner: this file reads the table directly (a heap scan, no SQL), so
 * that nothing the caller controls (a search_path, an operator, a temporary
 * object) takes part, and only the row that serves a call is handed out.
 *
 * Every call needs its credential, and a fleet may store thousands, so the
 * table is read once into a backend-local cache with two hash tables (by
 * host pattern, by name): a host is found by its exact pattern, else by the
 * one wildcard pattern that can serve it ("*." and the host without its first
 * label), in constant time whatever the table holds.  The cache is dropped,
 * its secrets zeroed first, when the table changes: a statement-level trigger
 * on the table (qlikcloud_internal.credentials_changed) queues a relcache
 * invalidation, which PostgreSQL delivers to this backend at the next command
 * and to every other backend at commit (or undoes at rollback), and each
 * lookup first takes the invalidations that are pending.  A changed or
 * dropped credential therefore serves the very next call, in every session.
 *
 * Callers get a palloc'd copy of one credential, and zero its secret as soon
 * as the token request has been sent.
 */
#include "qlikcloud.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "credentials.h"

#define QLIK_SCHEMA "qlikcloud"

/*
 * A host name as Qlik uses them: lower case letters, digits and hyphens in
 * dot-separated labels of 1 to 63 characters, at least two labels, no port.
 * Returns a lower-cased copy, or NULL if text is not one.  A leading
 * "https://" and a trailing "/" are forgiven, since people paste URLs.
 */
char *
qlik_normalize_host(const char *text)
{
	char	   *host;
	size_t		len;
	int			labels = 1;
	int			label_len = 0;

	if (pg_strncasecmp(text, "https://", 8) == 0)
		text += 8;
	host = pstrdup(text);
	len = strlen(host);
	if (len > 0 && host[len - 1] == '/')
		host[--len] = '\0';
	if (len == 0 || len > 253)
		return NULL;
	for (size_t i = 0; i < len; i++)
	{
		char		c = pg_tolower((unsigned char) host[i]);

		host[i] = c;
		if (c == '.')
		{
			if (label_len == 0 || host[i - 1] == '-')
				return NULL;
			labels++;
			label_len = 0;
		}
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
				 (c == '-' && label_len > 0))
		{
			if (++label_len > 63)
				return NULL;
		}
		else
			return NULL;
	}
	if (label_len == 0 || host[len - 1] == '-' || labels < 2)
		return NULL;
	return host;
}

/*
 * Does pattern serve host?  A pattern is a host name, or "*." and a host
 * name, where "*" stands for exactly one label, as in TLS certificates.
 */
bool
qlik_host_matches(const char *pattern, const char *host)
{
	if (pattern[0] == '*' && pattern[1] == '.')
	{
		const char *dot = strchr(host, '.');

		return dot != NULL && dot != host && pg_strcasecmp(dot + 1, pattern + 2) == 0;
	}
	return pg_strcasecmp(pattern, host) == 0;
}

void
qlik_credential_forget_secret(QlikCredential *cred)
{
	if (cred != NULL && cred->client_secret != NULL)
	{
		explicit_bzero(cred->client_secret, strlen(cred->client_secret));
		pfree(cred->client_secret);
		cred->client_secret = NULL;
	}
}

/* Patterns are at most 253 characters, names 63 (the table's checks). */
#define PATTERN_KEY_LEN 256
#define NAME_KEY_LEN NAMEDATALEN

typedef struct CachedCredential
{
	char		pattern[PATTERN_KEY_LEN];	/* hash key */
	QlikCredential cred;		/* strings in cred_cxt */
} CachedCredential;

typedef struct CachedName
{
	char		name[NAME_KEY_LEN]; /* hash key */
	CachedCredential *entry;	/* dynahash entries never move */
} CachedName;

static MemoryContext cred_cxt = NULL;	/* everything below lives in it */
static HTAB *by_pattern = NULL;
static HTAB *by_name = NULL;
static Oid	cred_relid = InvalidOid;	/* the table the cache was read from */
static uint64 cred_generation = 0;	/* bumped by every invalidation */
static bool loading = false;	/* load() is filling the cache */
static bool callback_registered = false;

/* Zero every secret, then free the cache. */
static void
evict(void)
{
	HASH_SEQ_STATUS st;
	CachedCredential *e;

	if (cred_cxt == NULL)
		return;
	hash_seq_init(&st, by_pattern);
	while ((e = hash_seq_search(&st)) != NULL)
	{
		if (e->cred.client_secret != NULL)
			explicit_bzero(e->cred.client_secret, strlen(e->cred.client_secret));
	}
	MemoryContextDelete(cred_cxt);
	cred_cxt = NULL;
	by_pattern = NULL;
	by_name = NULL;
	cred_relid = InvalidOid;
}

/*
 * A relcache invalidation: of the credentials table (the trigger, TRUNCATE,
 * DDL, DROP EXTENSION) or of everything (the invalidation queue overflowed).
 * Freeing memory is all a callback may do, and all this one needs.
 */
static void
invalidate(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == cred_relid)
	{
		cred_generation++;
		/* load() must not lose its tables mid-scan: it evicts after. */
		if (!loading)
			evict();
	}
}

static Oid
credentials_relid(void)
{
	Oid			nsp = get_namespace_oid(QLIK_SCHEMA, true);
	Oid			relid = OidIsValid(nsp) ? get_relname_relid("credentials", nsp) : InvalidOid;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_CONFIG),
				 errmsg("table qlikcloud.credentials does not exist"),
				 errhint("Run CREATE EXTENSION qlikcloud in this database.")));
	return relid;
}

static char *
column_text(HeapTuple tup, TupleDesc desc, AttrNumber att)
{
	bool		isnull;
	Datum		d;

	if (att == InvalidAttrNumber)
		return NULL;
	d = heap_getattr(tup, att, desc, &isnull);
	return isnull ? NULL : TextDatumGetCString(d);
}

static AttrNumber
column(Oid relid, const char *name)
{
	AttrNumber	att = get_attnum(relid, name);

	if (att == InvalidAttrNumber)
		elog(ERROR, "qlikcloud.credentials has no column \"%s\"", name);
	return att;
}

/*
 * Whether a change to the table drops the caches: its statement trigger
 * (qlikcloud_internal.credentials_changed) is there and enabled.  It is not
 * in a database still at version 0.1.0, whose SQL runs on this library
 * between `make install` and ALTER EXTENSION qlikcloud UPDATE: there the
 * table is read at every call, as 0.1.0's library did, or a credential
 * changed or dropped would go on serving the sessions that had read it.
 */
static bool
changes_drop_cache(Relation rel)
{
	TriggerDesc *triggers = rel->trigdesc;

	if (triggers == NULL)
		return false;
	for (int i = 0; i < triggers->numtriggers; i++)
	{
		if (strcmp(triggers->triggers[i].tgname, "credentials_changed") == 0 &&
			triggers->triggers[i].tgenabled != TRIGGER_DISABLED)
			return true;
	}
	return false;
}

/*
 * Read the whole table into a new cache, with a snapshot taken after the
 * table is locked (which takes pending invalidations): a change committed
 * before is seen, a change committed after sends an invalidation that drops
 * what is read here.  Should an invalidation arrive while reading (a
 * catalog lookup takes them too), what was read still serves this call but
 * is dropped before the next.
 */
static bool
load(Oid relid)
{
	MemoryContext cxt;
	MemoryContext old;
	HASHCTL		ctl;
	HTAB	   *patterns;
	HTAB	   *names;
	Relation	rel;
	Snapshot	snap;
	TableScanDesc scan;
	HeapTuple	tup;
	TupleDesc	desc;
	AttrNumber	a_name, a_pattern, a_client, a_secret, a_scopes, a_updated;
	uint64		generation;
	bool		keep;
	MemoryContext caller_cxt = CurrentMemoryContext;

	a_name = column(relid, "name");
	a_pattern = column(relid, "host_pattern");
	a_client = column(relid, "client_id");
	a_secret = column(relid, "client_secret");
	a_scopes = column(relid, "scopes");
	a_updated = column(relid, "updated_at");

	rel = table_open(relid, AccessShareLock);
	generation = cred_generation;
	snap = RegisterSnapshot(GetLatestSnapshot());

	cxt = AllocSetContextCreate(TopMemoryContext, "qlikcloud credentials",
								ALLOCSET_SMALL_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = PATTERN_KEY_LEN;
	ctl.entrysize = sizeof(CachedCredential);
	ctl.hcxt = cxt;
	patterns = hash_create("qlikcloud credentials by pattern", 16, &ctl,
						   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	ctl.keysize = NAME_KEY_LEN;
	ctl.entrysize = sizeof(CachedName);
	names = hash_create("qlikcloud credentials by name", 16, &ctl,
						HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	/*
	 * Install before reading, so that an ERROR while reading leaves the
	 * secrets read so far where evict() zeroes them.
	 */
	evict();
	cred_cxt = cxt;
	by_pattern = patterns;
	by_name = names;
	cred_relid = relid;

	desc = RelationGetDescr(rel);
	loading = true;
	PG_TRY();
	{
		scan = table_beginscan(rel, snap, 0, NULL);
		while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
		{
			char	   *pattern = column_text(tup, desc, a_pattern);
			char	   *name = column_text(tup, desc, a_name);
			CachedCredential *e;
			CachedName *n;
			bool		isnull;
			bool		found;

			/* The table's checks make both short and non-null. */
			if (pattern == NULL || name == NULL ||
				strlen(pattern) >= PATTERN_KEY_LEN || strlen(name) >= NAME_KEY_LEN)
				continue;
			old = MemoryContextSwitchTo(cxt);
			e = hash_search(patterns, pattern, HASH_ENTER, &found);
			memset(&e->cred, 0, sizeof(e->cred));
			e->cred.name = pstrdup(name);
			e->cred.host_pattern = e->pattern;
			e->cred.client_id = column_text(tup, desc, a_client);
			e->cred.client_secret = column_text(tup, desc, a_secret);
			e->cred.scopes = column_text(tup, desc, a_scopes);
			if (e->cred.scopes != NULL && e->cred.scopes[0] == '\0')
				e->cred.scopes = NULL;
			e->cred.updated_at = DatumGetTimestampTz(heap_getattr(tup, a_updated, desc, &isnull));
			n = hash_search(names, name, HASH_ENTER, &found);
			n->entry = e;
			MemoryContextSwitchTo(old);
			pfree(pattern);
			pfree(name);
		}
		table_endscan(scan);
	}
	PG_CATCH();
	{
		loading = false;
		MemoryContextSwitchTo(caller_cxt);
		evict();
		PG_RE_THROW();
	}
	PG_END_TRY();
	loading = false;
	UnregisterSnapshot(snap);
	keep = changes_drop_cache(rel);
	table_close(rel, AccessShareLock);

	/* Read with an invalidation in between: good for this call only. */
	return keep && cred_generation == generation;
}

/* A palloc'd copy of a cached credential, secret included. */
static QlikCredential *
copy_credential(const QlikCredential *c)
{
	QlikCredential *copy = palloc0(sizeof(QlikCredential));

	copy->name = pstrdup(c->name);
	copy->host_pattern = pstrdup(c->host_pattern);
	copy->client_id = c->client_id ? pstrdup(c->client_id) : NULL;
	copy->client_secret = c->client_secret ? pstrdup(c->client_secret) : NULL;
	copy->scopes = c->scopes ? pstrdup(c->scopes) : NULL;
	copy->updated_at = c->updated_at;
	return copy;
}

/*
 * Which credential serves this host, or which host does this credential
 * name?  With by_name false, the host's exact pattern wins, else the
 * wildcard for its parent domain: "*" is one label, so that is the only
 * other pattern that can match (and the longest).
 */
static QlikCredential *
lookup(const char *key, bool by_name_key)
{
	Oid			relid;
	CachedCredential *e = NULL;
	bool		keep = true;
	QlikCredential *found;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(invalidate, (Datum) 0);
		callback_registered = true;
	}
	/* Changes committed by other sessions since the last call. */
	AcceptInvalidationMessages();
	relid = credentials_relid();
	if (cred_cxt == NULL || cred_relid != relid)
		keep = load(relid);

	if (by_name_key)
	{
		CachedName *n = strlen(key) < NAME_KEY_LEN ?
			hash_search(by_name, key, HASH_FIND, NULL) : NULL;

		e = n ? n->entry : NULL;
	}
	else if (strlen(key) < PATTERN_KEY_LEN)
	{
		const char *dot = strchr(key, '.');

		e = hash_search(by_pattern, key, HASH_FIND, NULL);
		if (e == NULL && dot != NULL && dot != key)
		{
			char		wildcard[PATTERN_KEY_LEN + 2];

			snprintf(wildcard, sizeof(wildcard), "*%s", dot);
			if (strlen(wildcard) < PATTERN_KEY_LEN)
				e = hash_search(by_pattern, wildcard, HASH_FIND, NULL);
		}
	}
	found = e ? copy_credential(&e->cred) : NULL;
	if (!keep)
		evict();
	return found;
}

/*
 * The trigger on qlikcloud.credentials, after every statement that changes
 * it: every backend's cache of the table is dropped (this one's at the next
 * command, the others' at commit), so that the change serves the next call.
 */
PG_FUNCTION_INFO_V1(qlik_credentials_changed);
Datum
qlik_credentials_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "qlik_credentials_changed: not called as a trigger");
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}

/*
 * Resolve what a caller names as the target of a call: a host name (with
 * the credential serving it), or a credential name whose pattern is a single
 * host.  Returns the credential and sets *host; raises a clear error before
 * any request when neither works.
 */
QlikCredential *
qlik_resolve_target(const char *tenant, char **host)
{
	QlikCredential *cred;

	if (tenant == NULL || tenant[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("host must name a Qlik Cloud host or a credential")));

	if (strchr(tenant, '.') == NULL && strchr(tenant, '/') == NULL)
	{
		cred = lookup(tenant, true);
		if (cred == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_QLIK_NO_CREDENTIAL),
					 errmsg("no Qlik Cloud credential is named \"%s\"", tenant),
					 errhint("Name the tenant by its host name, such as acme.us.qlikcloud.com, "
							 "or add a credential with qlikcloud.qlik_set_credential().")));
		if (cred->host_pattern[0] == '*')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("credential \"%s\" serves the host pattern %s, not one host",
							tenant, cred->host_pattern),
					 errhint("Name the tenant by its host name.")));
		*host = pstrdup(cred->host_pattern);
		return cred;
	}

	*host = qlik_normalize_host(tenant);
	if (*host == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a valid Qlik Cloud host name", tenant),
				 errdetail("A host name is made of letters, digits and hyphens in dot-separated labels, "
						   "such as acme.us.qlikcloud.com, with no port, path or user name.")));
	cred = lookup(*host, false);
	if (cred == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_NO_CREDENTIAL),
				 errmsg("no Qlik Cloud credential serves host %s", *host),
				 errhint("Add one with qlikcloud.qlik_set_credential(), for this host or for a pattern "
						 "such as *.us.qlikcloud.com.")));
	return cred;
}
