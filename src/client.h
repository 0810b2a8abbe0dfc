/*
 * client.h
 *		One authenticated call to a Qlik Cloud host: the layer every SQL
 *		function stands on.
 */
#ifndef QLIKCLOUD_CLIENT_H
#define QLIKCLOUD_CLIENT_H

#include "answer.h"
#include "http.h"

typedef struct QlikCall
{
	const char *tenant;			/* host name or credential name */
	const char *method;			/* checked and upper-cased by qlik_call */
	const char *path;			/* "/api/v1/...", or an https URL on the
								 * same host (paging links) */
	const char *content_type;	/* of body */
	const char *accept;			/* Accept header; NULL: application/json */
	const char *body;			/* or NULL */
	size_t		body_len;
	List	   *headers;		/* extra "Name: value" lines, checked */
	bool		return_errors;	/* return an error status instead of raising */
	char	   *what;			/* set by qlik_call: "GET /api/v1/users" */
	int			sink_fd;		/* files instead of memory: see http.h */
	int			source_fd;
	uint64		source_len;
} QlikCall;

extern void qlik_call_init(QlikCall *call);
extern void qlik_call_json_body(QlikCall *call, const char *json);
extern const char *qlik_text_to_utf8(const char *s, size_t *len);

extern QlikHttpResponse *qlik_call(QlikCall *call, char **host_out);
extern void qlik_call_prefetch(QlikCall *call);
extern const char *qlik_check_method(const char *method);
extern char *qlik_check_path(const char *path);
extern char *qlik_check_link(const char *link, const char *host);
extern char *qlik_check_header(const char *name, const char *value);
extern const char *qlik_check_media_type(const char *value, const char *what);
extern char *qlik_url_encode_text(const char *s, size_t len);

#endif							/* QLIKCLOUD_CLIENT_H */
