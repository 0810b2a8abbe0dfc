/*
 * credentials.h
 *		OAuth clients from the qlikcloud.credentials table.
 */
#ifndef QLIKCLOUD_CREDENTIALS_H
#define QLIKCLOUD_CREDENTIALS_H

#include "postgres.h"

#include "datatype/timestamp.h"

typedef struct QlikCredential
{
	char	   *name;
	char	   *host_pattern;
	char	   *client_id;
	char	   *client_secret;	/* zeroed by qlik_credential_forget_secret */
	char	   *scopes;			/* space-separated, or NULL */
	TimestampTz updated_at;		/* changes when any field changes */
} QlikCredential;

extern QlikCredential *qlik_resolve_target(const char *tenant, char **host);
extern char *qlik_normalize_host(const char *text);
extern bool qlik_host_matches(const char *pattern, const char *host);
extern void qlik_credential_forget_secret(QlikCredential *cred);

#endif							/* QLIKCLOUD_CREDENTIALS_H */
