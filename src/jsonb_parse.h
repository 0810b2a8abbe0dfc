/*
 * jsonb_parse.h
 *		Qlik's answers read into jsonb in one pass.
 */
#ifndef QLIKCLOUD_JSONB_PARSE_H
#define QLIKCLOUD_JSONB_PARSE_H

#include "utils/jsonb.h"

extern int	qlik_hex4(const char *s);
extern Jsonb *qlik_parse_jsonb(const char *text, size_t len, int max_depth);

#endif							/* QLIKCLOUD_JSONB_PARSE_H */
