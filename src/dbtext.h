/*
 * dbtext.h
 *		Text from Qlik Cloud made valid in the database encoding.
 */
#ifndef QLIKCLOUD_DBTEXT_H
#define QLIKCLOUD_DBTEXT_H

#include "postgres.h"

#include "lib/stringinfo.h"

extern char *qlik_db_text(const char *s, size_t len);
extern char *qlik_clip_text(const char *s, size_t limit);
extern char *qlik_db_text_bounded(const char *s, size_t len, size_t limit);
extern void qlik_append_utf8_char(StringInfo out, const char *c, int n);

#endif							/* QLIKCLOUD_DBTEXT_H */
