/*
 * credentials.c
 *		Finding the OAuth client that serves a Qlik host.
 *
 * qlikcloud.credentials holds client secrets, so only its owner (the role
 * that created the extension) may read it.  Callers of the Qlik functions are
 * not its owner: the lookup below switches to the table's owner for the one
 * query it runs, as pg_cron does for its own tables, with
 * SECURITY_RESTRICTED_OPERATION so that nothing the caller controls (a
 * search_path, a temporary object) can run with those rights.  The query has
 * no operator or function for a hostile search_path to replace: the matching
 * is done here in C.
 *
 * Only the matching row's secret is copied out, and callers zero it as soon
 * as the token request has been sent.
 */
#include "qlikcloud.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
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

static Oid
credentials_table_owner(Oid *relid)
{
	Oid			nsp = get_namespace_oid(QLIK_SCHEMA, true);
	HeapTuple	tp;
	Oid			owner;

	*relid = OidIsValid(nsp) ? get_relname_relid("credentials", nsp) : InvalidOid;
	if (!OidIsValid(*relid))
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_CONFIG),
				 errmsg("table qlikcloud.credentials does not exist"),
				 errhint("Run CREATE EXTENSION qlikcloud in this database.")));
	tp = SearchSysCache1(RELOID, ObjectIdGetDatum(*relid));
	if (!HeapTupleIsValid(tp))
		elog(ERROR, "cache lookup failed for relation %u", *relid);
	owner = ((Form_pg_class) GETSTRUCT(tp))->relowner;
	ReleaseSysCache(tp);
	return owner;
}

static char *
spi_text(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * Which credential serves this host, or which host does this credential
 * name?  With by_name false, an exact pattern beats a wildcard and, among
 * wildcards, the longest wins; patterns are unique, so there is no tie.
 */
static QlikCredential *
lookup(const char *key, bool by_name)
{
	MemoryContext caller_cxt = CurrentMemoryContext;
	Oid			relid;
	Oid			owner = credentials_table_owner(&relid);
	Oid			save_userid;
	int			save_sec;
	QlikCredential *found = NULL;
	int			best_rank = -1;
	int			best_row = -1;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT name, host_pattern, client_id, client_secret, scopes, updated_at "
					"FROM " QLIK_SCHEMA ".credentials", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read qlikcloud.credentials");

	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *name = spi_text(tup, desc, 1);
		char	   *pattern = spi_text(tup, desc, 2);
		int			rank;

		if (by_name)
			rank = (strcmp(name, key) == 0) ? 1 : -1;
		else if (!qlik_host_matches(pattern, key))
			rank = -1;
		else if (pattern[0] == '*')
			rank = (int) strlen(pattern);
		else
			rank = INT_MAX;
		if (rank > best_rank)
		{
			best_rank = rank;
			best_row = (int) i;
		}
	}

	if (best_row >= 0)
	{
		HeapTuple	tup = SPI_tuptable->vals[best_row];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		MemoryContext spi_cxt = MemoryContextSwitchTo(caller_cxt);
		bool		isnull;
		char	   *secret;

		found = palloc0(sizeof(QlikCredential));
		found->name = spi_text(tup, desc, 1);
		found->host_pattern = spi_text(tup, desc, 2);
		found->client_id = spi_text(tup, desc, 3);
		secret = spi_text(tup, desc, 4);
		found->client_secret = secret;
		found->scopes = spi_text(tup, desc, 5);
		if (found->scopes != NULL && found->scopes[0] == '\0')
			found->scopes = NULL;
		found->updated_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 6, &isnull));
		MemoryContextSwitchTo(spi_cxt);
	}

	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec);
	return found;
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
				 errmsg("tenant must name a Qlik Cloud host or a credential")));

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
