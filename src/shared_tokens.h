/*
 * shared_tokens.h
 *		Access tokens shared by the backends of one server when the library
 *		is preloaded; see shared_tokens.c.
 */
#ifndef QLIKCLOUD_SHARED_TOKENS_H
#define QLIKCLOUD_SHARED_TOKENS_H

#include "postgres.h"

#include "datatype/timestamp.h"

/* A token's key: credential name, '\001', host; NUL-padded. */
#define QLIK_TOKEN_KEY_LEN (NAMEDATALEN + 256 + 2)

extern void qlik_shared_tokens_init(void);
extern char *qlik_shared_token_get(const char *key, TimestampTz updated_at,
								   TimestampTz *refresh_at);
extern void qlik_shared_token_put(const char *key, TimestampTz updated_at,
								  TimestampTz refresh_at, const char *token);
extern void qlik_shared_token_release(const char *key);
extern void qlik_shared_token_forget(const char *key, const char *token);

#endif							/* QLIKCLOUD_SHARED_TOKENS_H */
