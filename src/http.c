/*
 * http.c
 *		HTTPS transport to Qlik Cloud over libcurl.
 *
 * One multi handle and one easy handle live for the life of the backend, so
 * that consecutive calls reuse the TCP connection and the TLS session (the
 * multi handle owns the connection cache, the easy handle the TLS session
 * cache).  After a transfer that failed or was interrupted both are thrown
 * away: a connection in an unknown state is never reused.
 *
 * The transfer is driven by curl_multi_perform/curl_multi_poll with a short
 * poll interval instead of curl_easy_perform, so that a query cancel or
 * statement_timeout is noticed within QLIK_POLL_MS even when the server sends
 * nothing at all, and is raised by CHECK_FOR_INTERRUPTS() with its proper
 * SQLSTATE (57014) and message.
 *
 * libcurl's callbacks never ereport: the body and headers are gathered in
 * malloc'd buffers, whose growth failures are flagged and reported once
 * libcurl has returned.  Everything malloc'd for a transfer is released on
 * every exit, ERROR included (PG_TRY below).
 *
 * One GET may be started ahead of the call that wants it (a list's next page,
 * fetched while the current one is turned into rows): see "Prefetch" below.
 */
#include "qlikcloud.h"

#include <curl/curl.h>

#include "common/pg_prng.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "dbtext.h"
#include "http.h"
#include "watch.h"

#define QLIK_POLL_MS		25		/* how often a transfer checks for cancel */
#define QLIK_MAX_REDIRECTS	5
#define QLIK_MAX_HEADER_BYTES (256 * 1024)

static CURLM *qlik_multi = NULL;
static CURL *qlik_easy = NULL;

/* What one transfer gathers; malloc'd so that callbacks never ereport. */
typedef struct XferBuffers
{
	char	   *body;
	size_t		body_len;
	size_t		body_cap;
	size_t		body_max;
	bool		body_too_big;
	bool		headers_too_big;
	bool		headers_done;	/* the blank line after the headers came */
	char	   *hdr;
	size_t		hdr_len;
	size_t		hdr_cap;
	bool		out_of_memory;
	char		errbuf[CURL_ERROR_SIZE];

	/* files, see QlikHttpRequest */
	CURL	   *easy;
	int			sink_fd;
	bool		sink_decided;	/* is this response's body for the sink? */
	bool		to_sink;
	uint64		sunk;
	int			source_fd;
	uint64		source_len;
	uint64		source_off;
	int			file_errno;		/* a write or read of a file failed */
} XferBuffers;

/* The outcome of one transfer, before it becomes a response or an error. */
typedef struct XferResult
{
	CURLcode	rc;
	long		status;
	bool		request_sent;	/* libcurl got as far as sending it */
	double		t_dns;
	double		t_connect;
	double		t_tls;
	double		t_total;
	char	   *redirect_url;	/* palloc'd, or NULL */
} XferResult;

/*
 * A GET started before anyone waits for it: the next page of a list, whose
 * transfer runs (driven by qlik_http_prefetch_pump) while the current page is
 * turned into rows.  At most one, on the one easy handle, writing into
 * buffers kept here.  The next transfer of the very same request (same URL,
 * token and every setting the transfer reads: the key) takes it over where it
 * stands, as its own first attempt: a failure is reported, or retried, when
 * the page is asked for, by the code that reports every other.  Any other
 * transfer drops it first.  Dropping one still under way discards the
 * handles, as any interrupted transfer does.
 */
typedef struct Prefetch
{
	bool		active;
	bool		done;			/* libcurl reported its end */
	CURLcode	rc;				/* its outcome, once done */
	char	   *key;			/* malloc'd; holds the token: zeroed first */
	struct curl_slist *headers;
	struct curl_slist *connect_to;
	XferBuffers xb;
} Prefetch;

static Prefetch prefetch;

static void qlik_discard_handles(void);
static void free_headers(struct curl_slist *list);

/* ----------------------------------------------------------------
 * libcurl callbacks: no palloc, no ereport, no longjmp.
 * ----------------------------------------------------------------
 */
static bool
buffer_append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
	if (*len + n + 1 > *cap)
	{
		size_t		newcap = *cap ? *cap : 8192;
		char	   *p;

		while (newcap < *len + n + 1)
			newcap *= 2;
		p = realloc(*buf, newcap);
		if (p == NULL)
			return false;
		*buf = p;
		*cap = newcap;
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
	return true;
}

/*
 * Release what a transfer gathered.  The body is zeroed first: it may be a
 * token endpoint's answer, or an API's answer holding a secret.
 */
static void
xfer_free(XferBuffers *xb)
{
	if (xb->body != NULL)
		explicit_bzero(xb->body, xb->body_len);
	free(xb->body);
	free(xb->hdr);
	xb->body = xb->hdr = NULL;
}

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
	XferBuffers *xb = (XferBuffers *) userdata;
	size_t		n = size * nmemb;

	if (xb->sink_fd >= 0 && !xb->sink_decided)
	{
		long		status = 0;

		curl_easy_getinfo(xb->easy, CURLINFO_RESPONSE_CODE, &status);
		xb->to_sink = (status >= 200 && status < 300);
		xb->sink_decided = true;
	}
	if (xb->to_sink)
	{
		size_t		done = 0;

		while (done < n)
		{
			ssize_t		w = pwrite(xb->sink_fd, data + done, n - done, (off_t) (xb->sunk + done));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
			{
				xb->file_errno = w < 0 ? errno : EIO;
				return 0;
			}
			done += w;
		}
		xb->sunk += n;
		return n;
	}

	if (xb->body_len + n > xb->body_max)
	{
		xb->body_too_big = true;
		return 0;				/* makes libcurl stop with CURLE_WRITE_ERROR */
	}
	if (!buffer_append(&xb->body, &xb->body_len, &xb->body_cap, data, n))
	{
		xb->out_of_memory = true;
		return 0;
	}
	return n;
}

static size_t
header_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
	XferBuffers *xb = (XferBuffers *) userdata;
	size_t		n = size * nmemb;

	/* A new status line starts a new response (after "100 Continue"). */
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
	{
		xb->hdr_len = 0;
		xb->headers_done = false;
	}
	if ((n == 2 && data[0] == '\r' && data[1] == '\n') || (n == 1 && data[0] == '\n'))
		xb->headers_done = true;
	if (xb->hdr_len + n > QLIK_MAX_HEADER_BYTES)
	{
		xb->headers_too_big = true;
		return 0;
	}
	if (!buffer_append(&xb->hdr, &xb->hdr_len, &xb->hdr_cap, data, n))
	{
		xb->out_of_memory = true;
		return 0;
	}
	return n;
}

static size_t
read_cb(char *buffer, size_t size, size_t nitems, void *userdata)
{
	XferBuffers *xb = (XferBuffers *) userdata;
	size_t		want = size * nitems;
	ssize_t		r;

	if (xb->source_off >= xb->source_len)
		return 0;
	if (want > xb->source_len - xb->source_off)
		want = xb->source_len - xb->source_off;
	do
		r = pread(xb->source_fd, buffer, want, (off_t) xb->source_off);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
	{
		xb->file_errno = r < 0 ? errno : EIO;	/* the file shrank */
		return CURL_READFUNC_ABORT;
	}
	xb->source_off += r;
	return r;
}

/* libcurl rewinds the body to send it again (e.g. on a redirect). */
static int
seek_cb(void *userdata, curl_off_t offset, int origin)
{
	XferBuffers *xb = (XferBuffers *) userdata;

	if (origin != SEEK_SET || offset < 0 || (uint64) offset > xb->source_len)
		return CURL_SEEKFUNC_CANTSEEK;
	xb->source_off = offset;
	return CURL_SEEKFUNC_OK;
}

/* ----------------------------------------------------------------
 * Handles
 * ----------------------------------------------------------------
 */

/* Forget a prefetch's memory (the caller sees to the handle). */
static void
prefetch_release(void)
{
	if (prefetch.key != NULL)
		explicit_bzero(prefetch.key, strlen(prefetch.key));
	free(prefetch.key);
	free_headers(prefetch.headers);
	curl_slist_free_all(prefetch.connect_to);
	xfer_free(&prefetch.xb);
	memset(&prefetch, 0, sizeof(prefetch));
}
static void
qlik_ensure_handles(void)
{
	if (qlik_multi == NULL)
	{
		qlik_multi = curl_multi_init();
		if (qlik_multi == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not create a libcurl multi handle")));
		/* Keep connections to a handful of tenants warm at once. */
		curl_multi_setopt(qlik_multi, CURLMOPT_MAXCONNECTS, 16L);
	}
	if (qlik_easy == NULL)
	{
		qlik_easy = curl_easy_init();
		if (qlik_easy == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not create a libcurl handle")));
	}
}

/*
 * Close every connection and forget the TLS sessions.  Safe to call in any
 * state, including from PG_CATCH with a transfer half done.
 */
static void
qlik_discard_handles(void)
{
	prefetch_release();
	if (qlik_multi != NULL && qlik_easy != NULL)
		curl_multi_remove_handle(qlik_multi, qlik_easy);
	if (qlik_easy != NULL)
		curl_easy_cleanup(qlik_easy);
	if (qlik_multi != NULL)
		curl_multi_cleanup(qlik_multi);
	qlik_easy = NULL;
	qlik_multi = NULL;
}

/* ----------------------------------------------------------------
 * Settings
 * ----------------------------------------------------------------
 */

/*
 * Split qlikcloud.connect_to into libcurl's list form.  Returns NULL for an
 * empty setting; the caller frees the list.  Entries were checked by the
 * GUC check hook, so this cannot fail but for memory.
 */
static struct curl_slist *
connect_to_list(void)
{
	struct curl_slist *list = NULL;
	char	   *copy;
	char	   *tok;
	char	   *save;

	if (qlik_connect_to == NULL || qlik_connect_to[0] == '\0')
		return NULL;
	copy = pstrdup(qlik_connect_to);
	for (tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
	{
		struct curl_slist *l = curl_slist_append(list, tok);

		if (l == NULL)
		{
			curl_slist_free_all(list);
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
							errmsg("out of memory")));
		}
		list = l;
	}
	pfree(copy);
	return list;
}

/* Count the fields of HOST:PORT:CONNECT-HOST:CONNECT-PORT, [v6] aware. */
static int
connect_to_fields(const char *entry)
{
	int			fields = 1;
	bool		bracket = false;

	for (const char *p = entry; *p; p++)
	{
		if (*p == '[')
			bracket = true;
		else if (*p == ']')
			bracket = false;
		else if (*p == ':' && !bracket)
			fields++;
	}
	return fields;
}

bool
qlik_http_check_connect_to(char **newval, void **extra, GucSource source)
{
	char	   *copy;
	char	   *tok;
	char	   *save;
	bool		ok = true;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	copy = pstrdup(*newval);
	for (tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
	{
		if (connect_to_fields(tok) != 4)
		{
			GUC_check_errdetail("Entry \"%s\" is not HOST:PORT:CONNECT-HOST:CONNECT-PORT.", tok);
			ok = false;
			break;
		}
	}
	pfree(copy);
	return ok;
}

/* ----------------------------------------------------------------
 * URLs
 * ----------------------------------------------------------------
 */

/*
 * The lower-cased host of an absolute https URL with no user info, or NULL
 * if it is not one.  A port other than 443 is kept as host:port so that it
 * never compares equal to the bare host.
 */
char *
qlik_url_host(const char *url)
{
	CURLU	   *u = curl_url();
	char	   *scheme = NULL;
	char	   *host = NULL;
	char	   *port = NULL;
	char	   *user = NULL;
	char	   *result = NULL;

	if (u == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
		pg_strcasecmp(scheme, "https") == 0 &&
		curl_url_get(u, CURLUPART_USER, &user, 0) != CURLUE_OK)
	{
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
			strcmp(port, "443") != 0)
			result = psprintf("%s:%s", host, port);
		else
			result = pstrdup(host);
		for (char *p = result; *p; p++)
			*p = pg_tolower((unsigned char) *p);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_url_cleanup(u);
	return result;
}

/* ----------------------------------------------------------------
 * One transfer
 * ----------------------------------------------------------------
 */
static const char *
user_agent(void)
{
	static char ua[128];

	if (ua[0] == '\0')
		snprintf(ua, sizeof(ua), "qlikcloud/%s (PostgreSQL %s; libcurl/%s)",
				 QLIKCLOUD_VERSION, PG_VERSION, curl_version_info(CURLVERSION_NOW)->version);
	return ua;
}

/* Free request headers, zeroed first: one of them holds the token. */
static void
free_headers(struct curl_slist *list)
{
	for (struct curl_slist *l = list; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

static struct curl_slist *
slist_add(struct curl_slist *list, const char *line)
{
	struct curl_slist *l = curl_slist_append(list, line);

	if (l == NULL)
	{
		free_headers(list);
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	}
	return l;
}

static struct curl_slist *
request_headers(const QlikHttpRequest *req, const char *method, bool send_body)
{
	struct curl_slist *list = NULL;
	ListCell   *lc;

	if (req->accept == NULL)
		list = slist_add(list, "Accept: application/json");
	else
	{
		/* qlik_request_bytes: any answer, or the caller's Accept (checked). */
		char	   *line = psprintf("Accept: %s", req->accept);

		list = slist_add(list, line);
		pfree(line);
	}
	/* Never wait for "100 Continue": Qlik does not need it. */
	list = slist_add(list, "Expect:");
	if (send_body && req->body != NULL && req->content_type != NULL && strcmp(method, "GET") != 0)
	{
		char	   *line = psprintf("Content-Type: %s", req->content_type);

		list = slist_add(list, line);
		pfree(line);
	}
	else
	{
		/*
		 * A POST without a body (an app export, an import by fileId) has no
		 * content type, as Qlik's own clients send it; libcurl would add
		 * application/x-www-form-urlencoded.
		 */
		list = slist_add(list, "Content-Type:");
	}
	foreach(lc, req->headers)
		list = slist_add(list, (const char *) lfirst(lc));
	if (req->bearer != NULL)
	{
		char	   *line = psprintf("Authorization: Bearer %s", req->bearer);

		list = slist_add(list, line);
		/* Leave no copy of the token in freed palloc memory. */
		explicit_bzero(line, strlen(line));
		pfree(line);
	}
	return list;
}

#define SETOPT(opt, val) \
	do { \
		CURLcode setopt_rc_ = curl_easy_setopt(qlik_easy, (opt), (val)); \
		if (setopt_rc_ != CURLE_OK) \
			ereport(ERROR, \
					(errcode(ERRCODE_QLIK_CONFIG), \
					 errmsg("could not set libcurl option %s: %s", #opt, \
							curl_easy_strerror(setopt_rc_)))); \
	} while (0)

static void
set_options(const char *method, const char *url, const QlikHttpRequest *req,
			bool send_body, struct curl_slist *headers,
			struct curl_slist *connect_to, XferBuffers *xb)
{
	curl_easy_reset(qlik_easy);

	SETOPT(CURLOPT_URL, url);
	SETOPT(CURLOPT_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	/* Redirects are followed by hand, so that the host can be checked. */
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	if (qlik_ca_file != NULL && qlik_ca_file[0] != '\0')
		SETOPT(CURLOPT_CAINFO, qlik_ca_file);
	if (connect_to != NULL)
		SETOPT(CURLOPT_CONNECT_TO, connect_to);

	/* A backend has its own uses for signals (SIGALRM above all). */
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, (long) qlik_connect_timeout_ms);
	if (req->sink_fd >= 0 || req->source_fd >= 0)
	{
		/* A file of any size: bound a stall, not the whole transfer. */
		SETOPT(CURLOPT_LOW_SPEED_LIMIT, 1L);
		SETOPT(CURLOPT_LOW_SPEED_TIME, (long) Max(qlik_timeout_ms / 1000, 1));
	}
	else
		SETOPT(CURLOPT_TIMEOUT_MS, (long) qlik_timeout_ms);
	SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(CURLOPT_USERAGENT, user_agent());
	SETOPT(CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(CURLOPT_HTTPHEADER, headers);
	SETOPT(CURLOPT_ERRORBUFFER, xb->errbuf);
	if (req->sink_fd < 0)
		SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) xb->body_max);
	/* Big buffers for big files: fewer callbacks, fewer system calls. */
	if (req->sink_fd >= 0)
		SETOPT(CURLOPT_BUFFERSIZE, (long) CURL_MAX_READ_SIZE);
	if (req->source_fd >= 0)
		SETOPT(CURLOPT_UPLOAD_BUFFERSIZE, 2L * 1024 * 1024);

	/*
	 * libcurl silently sends a request again when a reused connection turns
	 * out to be dead before any answer, which is wrong for a request that is
	 * not safe to repeat: the server may have acted on the first one.  Such
	 * requests get a connection of their own.
	 */
	if (!req->idempotent)
		SETOPT(CURLOPT_FRESH_CONNECT, 1L);

	SETOPT(CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(CURLOPT_WRITEDATA, xb);
	SETOPT(CURLOPT_HEADERFUNCTION, header_cb);
	SETOPT(CURLOPT_HEADERDATA, xb);

	if (strcmp(method, "GET") == 0)
		SETOPT(CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "HEAD") == 0)
		SETOPT(CURLOPT_NOBODY, 1L);
	else
	{
		/* POST mechanics carry the body; CUSTOMREQUEST names the method. */
		SETOPT(CURLOPT_POST, 1L);
		if (send_body && req->source_fd >= 0)
		{
			SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->source_len);
			SETOPT(CURLOPT_READFUNCTION, read_cb);
			SETOPT(CURLOPT_READDATA, xb);
			SETOPT(CURLOPT_SEEKFUNCTION, seek_cb);
			SETOPT(CURLOPT_SEEKDATA, xb);
		}
		else
		{
			SETOPT(CURLOPT_POSTFIELDSIZE_LARGE,
				   (curl_off_t) (send_body && req->body ? req->body_len : 0));
			SETOPT(CURLOPT_POSTFIELDS, send_body && req->body ? req->body : "");
		}
		if (strcmp(method, "POST") != 0)
			SETOPT(CURLOPT_CUSTOMREQUEST, method);
	}
}

static double
info_seconds(CURLINFO what)
{
	curl_off_t	us = 0;

	curl_easy_getinfo(qlik_easy, what, &us);
	return (double) us / 1000.0;	/* milliseconds */
}

/* A NOTICE on a long file transfer, every qlikcloud.progress_interval. */
static void
report_progress(const QlikHttpRequest *req, TimestampTz *last)
{
	TimestampTz now = GetCurrentTimestamp();
	curl_off_t	done = 0;
	curl_off_t	total = 0;
	curl_off_t	speed = 0;
	bool		up = req->source_fd >= 0;

	if (qlik_progress_interval_ms <= 0 ||
		!TimestampDifferenceExceeds(*last, now, qlik_progress_interval_ms))
		return;
	*last = now;
	curl_easy_getinfo(qlik_easy, up ? CURLINFO_SIZE_UPLOAD_T : CURLINFO_SIZE_DOWNLOAD_T, &done);
	curl_easy_getinfo(qlik_easy, up ? CURLINFO_CONTENT_LENGTH_UPLOAD_T : CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &total);
	curl_easy_getinfo(qlik_easy, up ? CURLINFO_SPEED_UPLOAD_T : CURLINFO_SPEED_DOWNLOAD_T, &speed);
	if (total > 0)
		ereport(NOTICE,
				(errmsg("qlikcloud: %s: %s %.1f of %.1f MB (%.0f%%), %.1f MB/s",
						req->what, up ? "sent" : "received", done / 1048576.0, total / 1048576.0,
						100.0 * done / total, speed / 1048576.0)));
	else
		ereport(NOTICE,
				(errmsg("qlikcloud: %s: %s %.1f MB, %.1f MB/s",
						req->what, up ? "sent" : "received", done / 1048576.0, speed / 1048576.0)));
}

/* The same progress in the query text another session sees (watch.c). */
static void
watch_progress(const QlikHttpRequest *req)
{
	curl_off_t	done = 0;
	curl_off_t	total = 0;
	bool		up = req->source_fd >= 0;

	curl_easy_getinfo(qlik_easy, up ? CURLINFO_SIZE_UPLOAD_T : CURLINFO_SIZE_DOWNLOAD_T, &done);
	curl_easy_getinfo(qlik_easy, up ? CURLINFO_CONTENT_LENGTH_UPLOAD_T : CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &total);
	qlik_watch_transfer(req->what, up, (int64) done, (int64) total);
}

/*
 * Set a transfer's options and hand it to the multi handle.  The lists are
 * stored in the caller's variables as soon as they exist: the caller frees
 * them, ERROR or not.
 */
static void
start_transfer(const char *method, const char *url, const QlikHttpRequest *req,
			   bool send_body, XferBuffers *xb, struct curl_slist *volatile *headers,
			   struct curl_slist *volatile *connect_to)
{
	CURLMcode	mc;

	*headers = request_headers(req, method, send_body);
	*connect_to = connect_to_list();
	set_options(method, url, req, send_body, *headers, *connect_to, xb);
	mc = curl_multi_add_handle(qlik_multi, qlik_easy);
	if (mc != CURLM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_CONNECTION),
				 errmsg("could not start a request to Qlik Cloud: %s",
						curl_multi_strerror(mc))));
}

/* ----------------------------------------------------------------
 * Prefetch (see struct Prefetch)
 * ----------------------------------------------------------------
 */

/* Only a plain GET, whose every input is in its key, is fetched ahead. */
static bool
prefetchable(const char *method, const QlikHttpRequest *req)
{
	return strcmp(method, "GET") == 0 && req->body == NULL && req->headers == NIL &&
		req->sink_fd < 0 && req->source_fd < 0;
}

/*
 * What a GET's transfer depends on, as one string: the URL, the token, and
 * every setting set_options and transfer read.  palloc'd; it holds the token,
 * so the caller zeroes it (forget_key).
 */
static char *
request_key(const char *url, const QlikHttpRequest *req)
{
	return psprintf("%s\n%s\n%s\n%s\n%d %d %d", url, req->bearer ? req->bearer : "",
					qlik_ca_file ? qlik_ca_file : "", qlik_connect_to ? qlik_connect_to : "",
					qlik_connect_timeout_ms, qlik_timeout_ms, qlik_max_response_kb);
}

static void
forget_key(char *key)
{
	explicit_bzero(key, strlen(key));
	pfree(key);
}

static bool
prefetch_matches(const char *method, const char *url, const QlikHttpRequest *req)
{
	char	   *key;
	bool		same;

	if (!prefetch.active || !prefetchable(method, req))
		return false;
	key = request_key(url, req);
	same = strcmp(key, prefetch.key) == 0;
	forget_key(key);
	return same;
}

/* Read libcurl's news of the prefetch without waiting. */
static void
prefetch_collect(CURLMcode mc, int running)
{
	CURLMsg    *msg;
	int			left;

	if (mc != CURLM_OK)
	{
		prefetch.done = true;
		prefetch.rc = CURLE_RECV_ERROR;
	}
	while ((msg = curl_multi_info_read(qlik_multi, &left)) != NULL)
	{
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == qlik_easy)
		{
			prefetch.done = true;
			prefetch.rc = msg->data.result;
		}
	}
	if (running == 0)
		prefetch.done = true;
}

/*
 * Drop the prefetch, if any: its memory freed, its token zeroed, and, unless
 * it ended cleanly (its connection back in the cache, ready for reuse), the
 * handles discarded.  Never fails: callers run it on their way out of an
 * ERROR.
 */
void
qlik_http_prefetch_drop(void)
{
	if (!prefetch.active)
		return;
	if (!prefetch.done || prefetch.rc != CURLE_OK)
		qlik_discard_handles();
	else
	{
		curl_multi_remove_handle(qlik_multi, qlik_easy);
		curl_easy_reset(qlik_easy);
		prefetch_release();
	}
}

/*
 * Start a GET that a later qlik_http_perform of the same request will take
 * over (see struct Prefetch).  Returns at once; the transfer moves on when
 * qlik_http_prefetch_pump is called.  Whatever becomes of the transfer is
 * only reported to the caller that asks for it.  A request that cannot be
 * fetched ahead (not a plain GET) is ignored.
 */
void
qlik_http_prefetch(const QlikHttpRequest *req)
{
	struct curl_slist *volatile headers = NULL;
	struct curl_slist *volatile connect_to = NULL;
	char	   *key;

	if (!prefetchable(req->method, req))
		return;
	qlik_http_prefetch_drop();
	qlik_ensure_handles();
	key = request_key(req->url, req);
	memset(&prefetch.xb, 0, sizeof(prefetch.xb));
	prefetch.xb.body_max = Min((size_t) qlik_max_response_kb * 1024, MaxAllocSize - 1);
	prefetch.xb.sink_fd = -1;
	prefetch.xb.source_fd = -1;
	prefetch.xb.easy = qlik_easy;

	PG_TRY();
	{
		prefetch.key = strdup(key);
		if (prefetch.key == NULL)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		start_transfer("GET", req->url, req, true, &prefetch.xb, &headers, &connect_to);
	}
	PG_CATCH();
	{
		forget_key(key);
		qlik_discard_handles();
		free_headers(headers);
		curl_slist_free_all(connect_to);
		PG_RE_THROW();
	}
	PG_END_TRY();
	forget_key(key);
	prefetch.headers = headers;
	prefetch.connect_to = connect_to;
	prefetch.active = true;
	prefetch.done = false;
	prefetch.rc = CURLE_OK;
	qlik_http_prefetch_pump();	/* sends the request */
}

/*
 * Move the prefetch on as far as it goes without waiting: cheap enough to
 * call between rows.  Never fails, never waits.
 */
void
qlik_http_prefetch_pump(void)
{
	CURLMcode	mc;
	int			running = 1;

	if (!prefetch.active || prefetch.done)
		return;
	mc = curl_multi_perform(qlik_multi, &running);
	prefetch_collect(mc, running);
}

/*
 * Run one request to completion, or until an interrupt.  Transport failures
 * come back in res->rc; an interrupt raises its ERROR after the handles are
 * discarded.  A prefetch of this very request is taken over where it stands;
 * any other is dropped first.
 */
static void
transfer(const char *method, const char *url, const QlikHttpRequest *req,
		 bool send_body, XferBuffers *xb, XferResult *res)
{
	struct curl_slist *volatile headers = NULL;
	struct curl_slist *volatile connect_to = NULL;
	XferBuffers *volatile live = xb;	/* where libcurl writes */
	volatile bool ended = false;	/* a prefetch that had already ended */
	volatile CURLcode ended_rc = CURLE_OK;

	memset(res, 0, sizeof(*res));
	if (prefetch_matches(method, url, req))
	{
		/* Its lists and buffers are this transfer's now. */
		live = &prefetch.xb;
		headers = prefetch.headers;
		connect_to = prefetch.connect_to;
		ended = prefetch.done;
		ended_rc = prefetch.rc;
		prefetch.headers = NULL;
		prefetch.connect_to = NULL;
		explicit_bzero(prefetch.key, strlen(prefetch.key));
		free(prefetch.key);
		prefetch.key = NULL;
		prefetch.active = false;
	}
	else
	{
		qlik_http_prefetch_drop();
		qlik_ensure_handles();
		xb->easy = qlik_easy;
	}

	PG_TRY();
	{
		CURLMcode	mc = CURLM_OK;
		int			running = 1;
		CURLMsg    *msg;
		int			left;
		char	   *redirect = NULL;
		curl_off_t	pretransfer = 0;
		TimestampTz last_report = GetCurrentTimestamp();

		if (live == xb)
			start_transfer(method, url, req, send_body, xb, &headers, &connect_to);

		pgstat_report_wait_start(PG_WAIT_EXTENSION);
		while (!ended)
		{
			mc = curl_multi_perform(qlik_multi, &running);
			if (mc != CURLM_OK || running == 0)
				break;
			mc = curl_multi_poll(qlik_multi, NULL, 0, QLIK_POLL_MS, NULL);
			if (mc != CURLM_OK)
				break;
			/* Raises 57014 on cancel or statement_timeout; see PG_CATCH. */
			CHECK_FOR_INTERRUPTS();
			if (req->sink_fd >= 0 || req->source_fd >= 0)
			{
				report_progress(req, &last_report);
				watch_progress(req);
			}
		}
		pgstat_report_wait_end();
		qlik_watch_transfer_end();

		res->rc = ended ? ended_rc : CURLE_OK;
		if (mc != CURLM_OK)
			res->rc = CURLE_RECV_ERROR;
		while ((msg = curl_multi_info_read(qlik_multi, &left)) != NULL)
		{
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == qlik_easy)
				res->rc = msg->data.result;
		}
		/* libcurl takes a connection closed inside the headers for an end. */
		if (res->rc == CURLE_OK && !live->headers_done)
		{
			res->rc = CURLE_PARTIAL_FILE;
			strlcpy(live->errbuf, "the answer ended inside its headers", sizeof(live->errbuf));
		}
		curl_multi_remove_handle(qlik_multi, qlik_easy);

		curl_easy_getinfo(qlik_easy, CURLINFO_RESPONSE_CODE, &res->status);
		curl_easy_getinfo(qlik_easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
		res->request_sent = pretransfer > 0;
		res->t_dns = info_seconds(CURLINFO_NAMELOOKUP_TIME_T);
		res->t_connect = info_seconds(CURLINFO_CONNECT_TIME_T);
		res->t_tls = info_seconds(CURLINFO_APPCONNECT_TIME_T);
		res->t_total = info_seconds(CURLINFO_TOTAL_TIME_T);
		if (res->rc == CURLE_OK &&
			curl_easy_getinfo(qlik_easy, CURLINFO_REDIRECT_URL, &redirect) == CURLE_OK &&
			redirect != NULL)
			res->redirect_url = pstrdup(redirect);
	}
	PG_CATCH();
	{
		/* Whatever went wrong, the connection's state is unknown. */
		pgstat_report_wait_end();
		qlik_watch_transfer_end();
		qlik_discard_handles();
		free_headers(headers);
		curl_slist_free_all(connect_to);
		xfer_free(live);
		PG_RE_THROW();
	}
	PG_END_TRY();

	/* The easy handle may keep pointers to these until reset; it is done. */
	curl_easy_reset(qlik_easy);
	free_headers(headers);
	curl_slist_free_all(connect_to);
	if (live != xb)
	{
		/* What the prefetch gathered is the caller's to free now. */
		*xb = *live;
		memset(live, 0, sizeof(*live));
	}

	if (res->rc != CURLE_OK)
		qlik_discard_handles();
}

/* ----------------------------------------------------------------
 * Errors, retries
 * ----------------------------------------------------------------
 */
static bool
is_tls_failure(CURLcode rc)
{
	switch (rc)
	{
		case CURLE_SSL_CONNECT_ERROR:
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CERTPROBLEM:
		case CURLE_SSL_CIPHER:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_ENGINE_NOTFOUND:
		case CURLE_SSL_ENGINE_SETFAILED:
		case CURLE_SSL_ENGINE_INITFAILED:
		case CURLE_SSL_ISSUER_ERROR:
		case CURLE_SSL_CRL_BADFILE:
		case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		case CURLE_SSL_INVALIDCERTSTATUS:
		case CURLE_SSL_CLIENTCERT:
		case CURLE_USE_SSL_FAILED:
			return true;
		default:
			return false;
	}
}

/* May this failed transfer be tried again? */
static bool
transport_retryable(const XferResult *res, const XferBuffers *xb,
					const QlikHttpRequest *req)
{
	if (xb->body_too_big || xb->headers_too_big || xb->out_of_memory || xb->file_errno != 0 ||
		is_tls_failure(res->rc))
		return false;
	switch (res->rc)
	{
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_CONNECT:
			return true;		/* nothing reached the server */
		case CURLE_OPERATION_TIMEDOUT:
		case CURLE_GOT_NOTHING:
		case CURLE_RECV_ERROR:
		case CURLE_SEND_ERROR:
		case CURLE_PARTIAL_FILE:
		case CURLE_HTTP2:
		case CURLE_HTTP2_STREAM:
		case CURLE_WEIRD_SERVER_REPLY:
			return req->idempotent || !res->request_sent;
		default:
			return false;
	}
}

static void
report_transport_error(const char *host, const QlikHttpRequest *req,
					   const XferResult *res, const XferBuffers *xb,
					   int attempts)
{
	const char *raw = xb->errbuf[0] ? xb->errbuf : curl_easy_strerror(res->rc);
	/* libcurl's words can quote what the server sent. */
	const char *reason = qlik_db_text_bounded(raw, strlen(raw), 300);
	char	   *timing = psprintf("DNS %.0f ms, connect %.0f ms, TLS %.0f ms, total %.0f ms",
								  res->t_dns, res->t_connect, res->t_tls, res->t_total);

	if (xb->file_errno != 0)
	{
		errno = xb->file_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not %s a file during a transfer with Qlik Cloud host %s: %m",
						req->sink_fd >= 0 ? "write" : "read", host),
				 errdetail("%s.", req->what)));
	}
	if (xb->out_of_memory)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while receiving a response from Qlik Cloud host %s", host),
				 errdetail("%s.", req->what)));
	/*
	 * libcurl refuses a header line over 100 kB as "out of memory"; ours are
	 * bounded in all by QLIK_MAX_HEADER_BYTES.
	 */
	if (xb->headers_too_big || (res->rc == CURLE_OUT_OF_MEMORY && res->request_sent))
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_TOO_LARGE),
				 errmsg("response headers from Qlik Cloud host %s are too large", host),
				 errdetail("%s; %d attempt(s). The headers of an answer may take %d kB in all, one line 100 kB.",
						   req->what, attempts, QLIK_MAX_HEADER_BYTES / 1024)));
	if (xb->body_too_big || res->rc == CURLE_FILESIZE_EXCEEDED)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_TOO_LARGE),
				 errmsg("response from Qlik Cloud host %s is larger than qlikcloud.max_response_size (%d kB)",
						host, qlik_max_response_kb),
				 errdetail("%s.", req->what),
				 errhint("Raise qlikcloud.max_response_size, or ask for smaller pages with a limit parameter.")));
	if (is_tls_failure(res->rc))
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_TLS),
				 errmsg("TLS failure talking to Qlik Cloud host %s: %s", host, reason),
				 errdetail("%s; %d attempt(s); %s.", req->what, attempts, timing),
				 errhint("TLS verification cannot be turned off. If a private CA signs the server's certificate, "
						 "a superuser can name its file in qlikcloud.ca_file.")));
	if (res->rc == CURLE_OPERATION_TIMEDOUT)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_TIMEOUT),
				 errmsg("request to Qlik Cloud host %s timed out: %s", host, reason),
				 errdetail("%s; %d attempt(s); %s.", req->what, attempts, timing),
				 errhint("qlikcloud.connect_timeout is %d ms and qlikcloud.timeout is %d ms.",
						 qlik_connect_timeout_ms, qlik_timeout_ms)));
	/* A status line or framing no HTTP server sends. */
	if (res->rc == CURLE_WEIRD_SERVER_REPLY || res->rc == CURLE_BAD_CONTENT_ENCODING ||
		(res->rc == CURLE_UNSUPPORTED_PROTOCOL && res->request_sent))
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("Qlik Cloud host %s sent a malformed HTTP answer: %s", host, reason),
				 errdetail("%s; %d attempt(s); %s.", req->what, attempts, timing)));
	if (res->rc == CURLE_URL_MALFORMAT || res->rc == CURLE_UNSUPPORTED_PROTOCOL)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_CONFIG),
				 errmsg("invalid request URL for Qlik Cloud host %s: %s", host, reason)));
	ereport(ERROR,
			(errcode(ERRCODE_QLIK_CONNECTION),
			 errmsg("could not reach Qlik Cloud host %s: %s", host, reason),
			 errdetail("%s; %d attempt(s); %s.", req->what, attempts, timing),
			 !res->request_sent ?
			 errhint("Check the host name and the network; a superuser can route hosts with qlikcloud.connect_to.") :
			 !req->idempotent ?
			 errhint("The request may have reached Qlik Cloud; it was not repeated because repeating it is not safe.") :
			 errhint("The connection failed during the exchange; qlikcloud.max_attempts sets how often it is tried.")));
}

/* Delay before attempt "attempt + 1": exponential, capped, equal jitter. */
static long
backoff_ms(int attempt)
{
	double		cap = (double) qlik_retry_base_delay_ms;
	long		half;

	for (int i = 1; i < attempt && cap < qlik_retry_max_delay_ms; i++)
		cap *= 2;
	if (cap > qlik_retry_max_delay_ms)
		cap = qlik_retry_max_delay_ms;
	half = (long) (cap / 2);
	return half + (long) pg_prng_uint64_range(&pg_global_prng_state, 0, (uint64) half);
}

/* Retry-After in ms: delta-seconds or an HTTP date; -1 if absent or bad. */
static long
retry_after_ms(const char *value)
{
	char	   *end;
	long		secs;

	if (value == NULL || *value == '\0')
		return -1;
	secs = strtol(value, &end, 10);
	if (end != value && *end == '\0' && secs >= 0)
		return secs > LONG_MAX / 1000 ? LONG_MAX : secs * 1000;
	else
	{
		time_t		when = curl_getdate(value, NULL);

		if (when > 0)
		{
			time_t		now = time(NULL);

			return when > now ? (long) (when - now) * 1000 : 0;
		}
	}
	return -1;
}

/*
 * Sleep on the latch, waking for interrupts (cancel, statement_timeout raise
 * their ERROR here at once).  Retries wait so; so does qlik_wait_reload.
 */
void
qlik_interruptible_sleep(long ms)
{
	TimestampTz end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);

	for (;;)
	{
		long		left;

		CHECK_FOR_INTERRUPTS();
		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), end);
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * Wait before another attempt, if the budget allows.  delay_ms < 0 means
 * "use the backoff".  Returns false (without waiting) when no attempt is
 * left or the wait would exceed qlikcloud.retry_max_total_wait.
 */
static bool
wait_to_retry(int attempt, long delay_ms, long *waited_ms,
			  const QlikHttpRequest *req, const char *why)
{
	if (attempt >= qlik_max_attempts)
		return false;
	if (delay_ms < 0)
		delay_ms = backoff_ms(attempt);
	/* Not *waited_ms + delay_ms: a Retry-After can be as large as LONG_MAX. */
	if (delay_ms > qlik_retry_max_total_wait_ms - *waited_ms)
		return false;
	elog(DEBUG1, "qlikcloud: %s: %s; attempt %d of %d, retrying in %ld ms",
		 req->what, why, attempt, qlik_max_attempts, delay_ms);
	qlik_interruptible_sleep(delay_ms);
	*waited_ms += delay_ms;
	return true;
}

/* ----------------------------------------------------------------
 * Responses
 * ----------------------------------------------------------------
 */
static List *
parse_headers(const char *raw, size_t len)
{
	List	   *result = NIL;
	const char *p = raw;
	const char *end = raw + len;
	bool		first = true;

	while (p < end)
	{
		const char *eol = memchr(p, '\n', end - p);
		const char *line_end = eol ? eol : end;
		const char *colon;
		size_t		n = line_end - p;

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (!first && n > 0 && (colon = memchr(p, ':', n)) != NULL)
		{
			QlikHttpHeader *h = palloc(sizeof(QlikHttpHeader));
			const char *v = colon + 1;
			const char *vend = p + n;

			h->name = pnstrdup(p, colon - p);
			for (char *c = h->name; *c; c++)
				*c = pg_tolower((unsigned char) *c);
			while (v < vend && (*v == ' ' || *v == '\t'))
				v++;
			while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
				vend--;
			h->value = pnstrdup(v, vend - v);
			result = lappend(result, h);
		}
		first = false;
		p = eol ? eol + 1 : end;
	}
	return result;
}

/*
 * A response in palloc'd memory from what a transfer gathered.  The malloc'd
 * buffers are released whatever happens: palloc can fail.
 */
static QlikHttpResponse *
copy_response(XferBuffers *xb)
{
	QlikHttpResponse *resp;

	PG_TRY();
	{
		resp = palloc0(sizeof(QlikHttpResponse));
		resp->body = palloc(xb->body_len + 1);
		if (xb->body_len > 0)
			memcpy(resp->body, xb->body, xb->body_len);
		resp->body[xb->body_len] = '\0';
		resp->body_len = xb->body_len;
		resp->headers = parse_headers(xb->hdr ? xb->hdr : "", xb->hdr_len);
	}
	PG_CATCH();
	{
		xfer_free(xb);
		PG_RE_THROW();
	}
	PG_END_TRY();
	xfer_free(xb);
	return resp;
}

void
qlik_http_request_init(QlikHttpRequest *req)
{
	memset(req, 0, sizeof(*req));
	req->sink_fd = -1;
	req->source_fd = -1;
}

const char *
qlik_http_header(const QlikHttpResponse *resp, const char *name)
{
	ListCell   *lc;

	foreach(lc, resp->headers)
	{
		QlikHttpHeader *h = lfirst(lc);

		if (pg_strcasecmp(h->name, name) == 0)
			return h->value;
	}
	return NULL;
}

static bool
is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 ||
		status == 307 || status == 308;
}

/* ----------------------------------------------------------------
 * Entry point
 * ----------------------------------------------------------------
 */

/*
 * Send a request and return Qlik's answer, whatever its status (callers turn
 * error statuses into ERRORs; see errors.c).  Transport failures, refused
 * redirects and oversized bodies raise ERROR here.  429 is retried for any
 * method, 502/503/504 and broken connections only for idempotent requests.
 */
QlikHttpResponse *
qlik_http_perform(const QlikHttpRequest *req)
{
	const char *method = req->method;
	const char *url = req->url;
	bool		send_body = true;
	char	   *host = qlik_url_host(req->url);
	int			attempts = 0;
	int			redirects = 0;
	long		waited_ms = 0;

	if (host == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_CONFIG),
				 errmsg("invalid Qlik Cloud URL"),
				 errdetail("Only absolute https URLs are used.")));

	for (;;)
	{
		XferBuffers xb;
		XferResult	res;
		QlikHttpResponse *resp;

		memset(&xb, 0, sizeof(xb));
		/* The body is copied to palloc'd memory: it must fit MaxAllocSize. */
		xb.body_max = Min((size_t) qlik_max_response_kb * 1024, MaxAllocSize - 1);
		xb.sink_fd = req->sink_fd;
		xb.source_fd = req->source_fd;
		xb.source_len = req->source_len;
		if (req->sink_fd >= 0 && ftruncate(req->sink_fd, 0) != 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not truncate the file receiving %s: %m", req->what)));
		attempts++;
		transfer(method, url, req, send_body, &xb, &res);

		if (res.rc != CURLE_OK)
		{
			bool		retry = transport_retryable(&res, &xb, req);

			/*
			 * Nothing a failed transfer received is needed any more: free it
			 * before the wait, which a cancel or statement_timeout can end
			 * with an ERROR.
			 */
			xfer_free(&xb);
			if (retry && wait_to_retry(attempts, -1, &waited_ms, req,
									   curl_easy_strerror(res.rc)))
				continue;
			report_transport_error(host, req, &res, &xb, attempts);
		}

		resp = copy_response(&xb);
		resp->status = res.status;
		resp->url = pstrdup(url);
		resp->attempts = attempts;
		resp->sunk = xb.sunk;

		if (is_redirect(res.status) && req->follow_redirects)
		{
			char	   *target = res.redirect_url;
			char	   *target_host = target ? qlik_url_host(target) : NULL;

			if (target == NULL)
				return resp;	/* no Location: the caller reports the status */
			if (target_host == NULL || strcmp(target_host, host) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_QLIK_REDIRECT),
						 errmsg("Qlik Cloud host %s redirected to another host; the redirect was not followed",
								host),
						 errdetail("%s answered HTTP %ld with a Location on %s.",
								   req->what, res.status,
								   target_host ? qlik_db_text_bounded(target_host, strlen(target_host), 255) :
								   "a non-https URL"),
						 errhint("The access token is only ever sent to the host it was issued for.")));
			if (++redirects > QLIK_MAX_REDIRECTS)
				ereport(ERROR,
						(errcode(ERRCODE_QLIK_REDIRECT),
						 errmsg("too many redirects from Qlik Cloud host %s", host),
						 errdetail("%s was redirected more than %d times.", req->what,
								   QLIK_MAX_REDIRECTS)));
			/* As browsers and curl do: 303, and 301/302 after POST, GET. */
			if (res.status == 303 ||
				((res.status == 301 || res.status == 302) && strcmp(method, "POST") == 0))
			{
				method = "GET";
				send_body = false;
			}
			url = target;
			attempts--;			/* a redirect is not a failed attempt */
			continue;
		}

		if (res.status == 429 ||
			(req->idempotent && (res.status == 502 || res.status == 503 || res.status == 504)))
		{
			long		delay = retry_after_ms(qlik_http_header(resp, "retry-after"));
			char	   *why = psprintf("HTTP %ld", res.status);

			if (res.status == 429)
				qlik_watch_429(host, method, delay);
			if (wait_to_retry(attempts, delay, &waited_ms, req, why))
				continue;
		}
		return resp;
	}
}
