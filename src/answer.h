/*
 * answer.h
 *		Qlik Cloud's successful answers, read with suspicion.
 */
#ifndef QLIKCLOUD_ANSWER_H
#define QLIKCLOUD_ANSWER_H

#include "http.h"
#include "utils/jsonb.h"

/* Deeper nesting is refused: PostgreSQL's parser recurses per level. */
#define QLIK_MAX_JSON_DEPTH 1000

extern Jsonb *qlik_response_jsonb(const QlikHttpResponse *resp, const char *host,
								  const char *what);
extern char *qlik_answer_detail(const QlikHttpResponse *resp, const char *host,
								const char *what);
extern const char *qlik_last_answer(void);
extern void qlik_rethrow_as_bad_answer(MemoryContext cxt, const char *message,
									   const char *detail) pg_attribute_noreturn();

#endif							/* QLIKCLOUD_ANSWER_H */
