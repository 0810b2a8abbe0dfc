/*
 * qlikcloud.h
 *		Settings and SQLSTATEs shared by every part of the extension.
 *
 * Each failure class a caller may want to handle has its own SQLSTATE in
 * class QK, so that a PL/pgSQL block can say
 * "EXCEPTION WHEN SQLSTATE 'QK409' THEN ..." and carry on.  README.md lists
 * them; keep the two in step.
 */
#ifndef QLIKCLOUD_H
#define QLIKCLOUD_H

#include "postgres.h"

#ifndef QLIKCLOUD_VERSION
#define QLIKCLOUD_VERSION "unknown"
#endif

/* Client-side failures */
#define ERRCODE_QLIK_CONFIG			MAKE_SQLSTATE('Q','K','0','0','0')
#define ERRCODE_QLIK_NO_CREDENTIAL	MAKE_SQLSTATE('Q','K','0','0','1')
#define ERRCODE_QLIK_CONNECTION		MAKE_SQLSTATE('Q','K','0','0','2')
#define ERRCODE_QLIK_TLS			MAKE_SQLSTATE('Q','K','0','0','3')
#define ERRCODE_QLIK_TIMEOUT		MAKE_SQLSTATE('Q','K','0','0','4')
#define ERRCODE_QLIK_TOO_LARGE		MAKE_SQLSTATE('Q','K','0','0','5')
#define ERRCODE_QLIK_BAD_RESPONSE	MAKE_SQLSTATE('Q','K','0','0','6')
#define ERRCODE_QLIK_REDIRECT		MAKE_SQLSTATE('Q','K','0','0','7')

/* Qlik Cloud answered with an HTTP error status */
#define ERRCODE_QLIK_HTTP_400		MAKE_SQLSTATE('Q','K','4','0','0')
#define ERRCODE_QLIK_HTTP_401		MAKE_SQLSTATE('Q','K','4','0','1')
#define ERRCODE_QLIK_HTTP_403		MAKE_SQLSTATE('Q','K','4','0','3')
#define ERRCODE_QLIK_HTTP_404		MAKE_SQLSTATE('Q','K','4','0','4')
#define ERRCODE_QLIK_HTTP_409		MAKE_SQLSTATE('Q','K','4','0','9')
#define ERRCODE_QLIK_HTTP_412		MAKE_SQLSTATE('Q','K','4','1','2')
#define ERRCODE_QLIK_HTTP_429		MAKE_SQLSTATE('Q','K','4','2','9')
#define ERRCODE_QLIK_HTTP_4XX		MAKE_SQLSTATE('Q','K','4','X','X')
#define ERRCODE_QLIK_HTTP_5XX		MAKE_SQLSTATE('Q','K','5','X','X')
/* 501: Qlik does not implement the method or path; retrying cannot help. */
#define ERRCODE_QLIK_HTTP_501		MAKE_SQLSTATE('Q','K','5','0','1')

/* Reloads: a wait that ran out (reloads.c); QKR01, a reload that failed, is raised in SQL. */
#define ERRCODE_QLIK_RELOAD_WAIT	MAKE_SQLSTATE('Q','K','R','0','2')

/* Settings (qlikcloud.c) */
extern int	qlik_connect_timeout_ms;
extern int	qlik_timeout_ms;
extern int	qlik_max_attempts;
extern int	qlik_retry_base_delay_ms;
extern int	qlik_retry_max_delay_ms;
extern int	qlik_retry_max_total_wait_ms;
extern int	qlik_max_response_kb;
extern char *qlik_ca_file;
extern char *qlik_connect_to;
extern int	qlik_progress_interval_ms;

#endif							/* QLIKCLOUD_H */
