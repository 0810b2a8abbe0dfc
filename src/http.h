/*
 * http.h
 *		The one place that talks HTTP: libcurl transport to Qlik Cloud.
 */
#ifndef QLIKCLOUD_HTTP_H
#define QLIKCLOUD_HTTP_H

#include "postgres.h"

#include "nodes/pg_list.h"
#include "utils/guc.h"

typedef struct QlikHttpHeader
{
	char	   *name;			/* lower case */
	char	   *value;
} QlikHttpHeader;

typedef struct QlikHttpRequest
{
	const char *method;			/* GET, POST, PUT, PATCH, DELETE, HEAD */
	const char *url;			/* absolute https:// URL */
	const char *bearer;			/* access token, or NULL: never logged */
	const char *content_type;	/* of body, or NULL */
	const char *accept;			/* Accept value; NULL: application/json */
	const char *body;			/* request body, or NULL */
	size_t		body_len;
	List	   *headers;		/* extra "Name: value" strings, checked by
								 * the caller */

	/*
	 * True if sending the request twice has the effect of sending it once,
	 * so that a failure whose outcome is unknown (connection reset, 502,
	 * 503, 504, timeout) may be retried.  A request that was never sent
	 * (connection refused, DNS) and a 429 are always retried.
	 */
	bool		idempotent;
	bool		follow_redirects;	/* to the same host only */
	const char *what;			/* for messages: "GET /api/v1/users" */

	/*
	 * Files instead of memory, for bodies of any size.  sink_fd >= 0: a 2xx
	 * body is written to this file (truncated first, and again before a
	 * retry) instead of memory; error bodies still come back in memory.
	 * source_fd >= 0: the request body is the first source_len bytes of this
	 * file.  For such transfers qlikcloud.timeout bounds a stall, not the
	 * whole transfer, and progress is reported as NOTICEs every
	 * qlikcloud.progress_interval.
	 */
	int			sink_fd;
	int			source_fd;
	uint64		source_len;
} QlikHttpRequest;

typedef struct QlikHttpResponse
{
	long		status;
	char	   *body;			/* NUL-terminated, palloc'd */
	size_t		body_len;
	List	   *headers;		/* QlikHttpHeader *, of the final response */
	char	   *url;			/* final URL, after same-host redirects */
	int			attempts;		/* requests sent, retries included */
	uint64		sunk;			/* bytes written to sink_fd */
} QlikHttpResponse;

/* A request with no file attached (sink_fd and source_fd -1). */
extern void qlik_http_request_init(QlikHttpRequest *req);

extern QlikHttpResponse *qlik_http_perform(const QlikHttpRequest *req);

/*
 * A GET started ahead of the qlik_http_perform that will want it (a list's
 * next page): started, moved on between rows without waiting, dropped when
 * no longer wanted (on every ERROR of its caller; never fails).  Its outcome,
 * success or failure, goes to that qlik_http_perform as its first attempt.
 */
extern void qlik_http_prefetch(const QlikHttpRequest *req);
extern void qlik_http_prefetch_pump(void);
extern void qlik_http_prefetch_drop(void);
extern const char *qlik_http_header(const QlikHttpResponse *resp,
									const char *name);
extern char *qlik_url_host(const char *url);
extern void qlik_interruptible_sleep(long ms);
extern bool qlik_http_check_connect_to(char **newval, void **extra,
									   GucSource source);

#endif							/* QLIKCLOUD_HTTP_H */
