/*
 * errors.h
 *		Turning Qlik Cloud's error answers into ereports.
 */
#ifndef QLIKCLOUD_ERRORS_H
#define QLIKCLOUD_ERRORS_H

#include "http.h"

typedef struct QlikErrorInfo
{
	char	   *code;			/* Qlik's errors[0].code, or NULL */
	char	   *title;			/* errors[0].title, or NULL */
	char	   *detail;			/* errors[0].detail, or NULL */
	char	   *trace_id;		/* traceId, or the X-B3-Traceid header */
} QlikErrorInfo;

extern void qlik_parse_error(const QlikHttpResponse *resp, QlikErrorInfo *info);
extern int	qlik_http_sqlstate(long status);
extern void qlik_raise_http_error(const QlikHttpResponse *resp, const char *host,
								  const char *what, const char *context,
								  const char *scrub) pg_attribute_noreturn();
extern char *qlik_scrub(const char *text, const char *secret);

#endif							/* QLIKCLOUD_ERRORS_H */
