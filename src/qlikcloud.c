/*
 * qlikcloud.c
 *		Module entry point: settings and libcurl's process-wide setup.
 *
 * Settings that decide where traffic goes or which certificates are
 * trusted (ca_file, connect_to) are superuser-only: an ordinary role that
 * could change them could send a tenant's OAuth token to a server of its own.
 * The rest (timeouts, retries, size limit) only affect the caller's own
 * requests and may be set by anyone.
 */
#include "qlikcloud.h"

#include <curl/curl.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "http.h"
#include "shared_tokens.h"

PG_MODULE_MAGIC;

int			qlik_connect_timeout_ms = 10000;
int			qlik_timeout_ms = 120000;
int			qlik_max_attempts = 5;
int			qlik_retry_base_delay_ms = 500;
int			qlik_retry_max_delay_ms = 30000;
int			qlik_retry_max_total_wait_ms = 120000;
int			qlik_max_response_kb = 64 * 1024;
char	   *qlik_ca_file = NULL;
char	   *qlik_connect_to = NULL;
int			qlik_progress_interval_ms = 10000;

void		_PG_init(void);

void
_PG_init(void)
{
	CURLcode	rc;

	/*
	 * curl_global_init is not thread-safe and must run once per process; a
	 * backend loads this library once, so _PG_init is the place.
	 */
	rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_CONFIG),
				 errmsg("qlikcloud could not initialise libcurl: %s",
						curl_easy_strerror(rc))));

	DefineCustomIntVariable("qlikcloud.connect_timeout",
							"Time allowed to resolve, connect and finish the TLS handshake with Qlik Cloud.",
							NULL,
							&qlik_connect_timeout_ms,
							10000, 1, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("qlikcloud.timeout",
							"Time allowed for one HTTP request to Qlik Cloud, from connecting to the last byte of the answer.",
							"Each retry gets this much again; statement_timeout bounds the whole statement.",
							&qlik_timeout_ms,
							120000, 1, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("qlikcloud.max_attempts",
							"How many times a request that is safe to repeat is tried before its failure is reported.",
							"1 turns retries off.",
							&qlik_max_attempts,
							5, 1, 100,
							PGC_USERSET, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("qlikcloud.retry_base_delay",
							"First backoff delay between attempts; it doubles with each retry, with jitter.",
							NULL,
							&qlik_retry_base_delay_ms,
							500, 0, 3600 * 1000,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("qlikcloud.retry_max_delay",
							"Longest backoff delay between two attempts.",
							NULL,
							&qlik_retry_max_delay_ms,
							30000, 0, 3600 * 1000,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("qlikcloud.retry_max_total_wait",
							"Longest time one call may spend waiting between retries, Retry-After included.",
							"A 429 whose Retry-After would exceed what is left is reported at once.",
							&qlik_retry_max_total_wait_ms,
							120000, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("qlikcloud.max_response_size",
							"Largest response body accepted from Qlik Cloud; a larger one is refused.",
							NULL,
							&qlik_max_response_kb,
							64 * 1024, 1, 1024 * 1024,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomIntVariable("qlikcloud.progress_interval",
							"How often a long file transfer reports its progress as a NOTICE; 0 turns the reports off.",
							NULL,
							&qlik_progress_interval_ms,
							10000, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomStringVariable("qlikcloud.ca_file",
							   "File of CA certificates that verify Qlik Cloud's TLS certificates, instead of the system's.",
							   "Verification itself cannot be turned off.",
							   &qlik_ca_file,
							   "",
							   PGC_SUSET, GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("qlikcloud.connect_to",
							   "Routes Qlik host names to another address, as curl's --connect-to: HOST:PORT:CONNECT-HOST:CONNECT-PORT, comma-separated.",
							   "The request keeps the real host name for TLS (SNI, certificate check) and the Host header. "
							   "An empty HOST or PORT matches any.",
							   &qlik_connect_to,
							   "",
							   PGC_SUSET, GUC_SUPERUSER_ONLY,
							   qlik_http_check_connect_to, NULL, NULL);

	MarkGUCPrefixReserved("qlikcloud");

	/* Tokens shared by the server's backends, if preloaded. */
	qlik_shared_tokens_init();
}
