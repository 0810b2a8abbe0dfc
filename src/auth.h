/*
 * auth.h
 *		OAuth client-credentials tokens, cached per backend.
 */
#ifndef QLIKCLOUD_AUTH_H
#define QLIKCLOUD_AUTH_H

#include "credentials.h"

extern char *qlik_access_token(QlikCredential *cred, const char *host,
							   bool *from_cache);
extern void qlik_forget_token(const QlikCredential *cred, const char *host);

#endif							/* QLIKCLOUD_AUTH_H */
