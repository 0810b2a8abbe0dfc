/*
 * watch.h
 *		What another session can see of this one (watch.c).
 */
#ifndef QLIKCLOUD_WATCH_H
#define QLIKCLOUD_WATCH_H

#include "postgres.h"

extern void qlik_watch_transfer(const char *what, bool up, int64 done, int64 total);
extern void qlik_watch_transfer_end(void);
extern void qlik_watch_429(const char *host, const char *method, long retry_after_ms);

#endif							/* QLIKCLOUD_WATCH_H */
