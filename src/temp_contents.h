/*
 * temp_contents.h
 *		Qlik's temporary contents: files uploaded for an import, or
 *		produced by an export.
 */
#ifndef QLIKCLOUD_TEMP_CONTENTS_H
#define QLIKCLOUD_TEMP_CONTENTS_H

#include "postgres.h"

#include "http.h"

extern char *qlik_temp_id_from_location(const QlikHttpResponse *resp, const char *what);
extern char *qlik_temp_upload_fd(const char *host, int fd, uint64 len,
								 const char *filename, int ttl);
extern uint64 qlik_temp_download_fd(const char *host, const char *temp_id, int fd);

#endif							/* QLIKCLOUD_TEMP_CONTENTS_H */
