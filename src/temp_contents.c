/*
 * temp_contents.c
 *		Qlik's temporary contents: upload a file for an import, download
 *		what an export produced.
 *
 * Files go straight between the server's disk and the network (http.c's
 * sink and source files); a bytea variant exists for small files and is
 * bounded by qlikcloud.max_response_size.  The file variants read and write
 * files on the database server, so they need the caller's own right to do
 * so (superuser, pg_read_server_files, pg_write_server_files), as COPY does.
 */
#include "qlikcloud.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/pg_authid_d.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "dbtext.h"
#include "resource.h"
#include "temp_contents.h"

PG_FUNCTION_INFO_V1(qlik_upload_temp_content);
PG_FUNCTION_INFO_V1(qlik_upload_temp_content_file);
PG_FUNCTION_INFO_V1(qlik_download_temp_content);
PG_FUNCTION_INFO_V1(qlik_download_temp_content_file);

#define QLIK_MAX_TTL 259200		/* three days, Qlik's maximum */

/*
 * The id in the Location of a 201: "/api/v1/temp-contents/<id>", or
 * "/v1/temp-contents/<id>" as older answers had it.  The last segment either
 * way.
 */
char *
qlik_temp_id_from_location(const QlikHttpResponse *resp, const char *what)
{
	const char *loc = qlik_http_header(resp, "location");
	const char *slash;
	char	   *id;
	char	   *q;

	if (loc == NULL || (slash = strrchr(loc, '/')) == NULL || slash[1] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("Qlik Cloud answered %s without the Location of the file", what),
				 errdetail("HTTP %ld; Location: %s.", resp->status,
						   loc ? qlik_db_text_bounded(loc, strlen(loc), 200) : "(none)")));
	id = pstrdup(slash + 1);
	if ((q = strpbrk(id, "?#")) != NULL)
		*q = '\0';
	/* The id goes into the next request's path: a Qlik id, or nothing. */
	for (q = id; *q; q++)
		if (!(isalnum((unsigned char) *q) || *q == '-' || *q == '_'))
			break;
	if (*q != '\0' || q == id || q - id > 64)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("Qlik Cloud answered %s with a Location that names no temporary content", what),
				 errdetail("HTTP %ld; Location: %s.", resp->status,
						   qlik_db_text_bounded(loc, strlen(loc), 200))));
	return id;
}

static char *
upload_path(const char *filename, int ttl)
{
	StringInfoData path;
	char		ttl_text[16];

	initStringInfo(&path);
	appendStringInfoString(&path, "/api/v1/temp-contents");
	qlik_query_add(&path, "filename", filename);
	snprintf(ttl_text, sizeof(ttl_text), "%d", ttl);
	qlik_query_add(&path, "ttl", ttl_text);
	return path.data;
}

static int
ttl_arg(FunctionCallInfo fcinfo, int n)
{
	int			ttl = PG_ARGISNULL(n) ? 3600 : PG_GETARG_INT32(n);

	if (ttl < 1 || ttl > QLIK_MAX_TTL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ttl must be between 1 and %d seconds, not %d", QLIK_MAX_TTL, ttl)));
	return ttl;
}

/* Upload len bytes of an open file; returns the temporary content's id. */
char *
qlik_temp_upload_fd(const char *host, int fd, uint64 len, const char *filename, int ttl)
{
	QlikCall	call;
	QlikHttpResponse *resp;

	/*
	 * An empty upload makes an empty temporary content, which imports as
	 * nothing useful (qlik-cli issue 19): refuse it here.
	 */
	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the file to upload is empty")));
	qlik_call_init(&call);
	call.tenant = host;
	call.method = "POST";
	call.path = upload_path(filename, ttl);
	call.content_type = "application/octet-stream";
	call.body = "";				/* marks the request as having a body */
	call.source_fd = fd;
	call.source_len = len;
	resp = qlik_call(&call, NULL);
	return qlik_temp_id_from_location(resp, call.what);
}

/* Download a temporary content into an open file; returns its size. */
uint64
qlik_temp_download_fd(const char *host, const char *temp_id, int fd)
{
	QlikCall	call;
	QlikHttpResponse *resp;

	qlik_call_init(&call);
	call.tenant = host;
	call.method = "GET";
	call.path = psprintf("/api/v1/temp-contents/%s", qlik_seg(temp_id));
	call.sink_fd = fd;
	resp = qlik_call(&call, NULL);
	if (resp->status != 200)
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("Qlik Cloud answered %s with HTTP %ld and no file", call.what, resp->status),
				 errhint("HTTP 204 means the upload of this temporary content is not finished.")));
	return resp->sunk;
}

static char *
server_path(FunctionCallInfo fcinfo, int n, Oid role, const char *right)
{
	char	   *path = qlik_arg_text(fcinfo, n, "path");

	if (!has_privs_of_role(GetUserId(), role))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be superuser or have privileges of the %s role to %s a file on the server",
						role == ROLE_PG_READ_SERVER_FILES ? "pg_read_server_files" : "pg_write_server_files",
						right)));
	if (!is_absolute_path(path))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("path \"%s\" must be absolute", path)));
	return path;
}

Datum
qlik_upload_temp_content(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	bytea	   *data;
	char	   *filename = qlik_arg_text_opt(fcinfo, 2, "filename");
	int			ttl = ttl_arg(fcinfo, 3);
	QlikCall	call;
	QlikHttpResponse *resp;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("data must not be null")));
	data = PG_GETARG_BYTEA_PP(1);
	if (VARSIZE_ANY_EXHDR(data) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("data must not be empty")));

	qlik_call_init(&call);
	call.tenant = host;
	call.method = "POST";
	call.path = upload_path(filename, ttl);
	call.content_type = "application/octet-stream";
	call.body = VARDATA_ANY(data);
	call.body_len = VARSIZE_ANY_EXHDR(data);
	resp = qlik_call(&call, NULL);
	PG_RETURN_TEXT_P(cstring_to_text(qlik_temp_id_from_location(resp, call.what)));
}

Datum
qlik_upload_temp_content_file(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *path = server_path(fcinfo, 1, ROLE_PG_READ_SERVER_FILES, "read");
	char	   *filename = qlik_arg_text_opt(fcinfo, 2, "filename");
	int			ttl = ttl_arg(fcinfo, 3);
	int			fd;
	struct stat st;
	char	   *id;

	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\" for reading: %m", path)));
	if (fstat(fd, &st) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat file \"%s\": %m", path)));
	if (filename == NULL)
	{
		const char *base = strrchr(path, '/');

		filename = pstrdup(base ? base + 1 : path);
	}
	id = qlik_temp_upload_fd(host, fd, (uint64) st.st_size, filename, ttl);
	CloseTransientFile(fd);
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

Datum
qlik_download_temp_content(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "temp_content_id");
	QlikCall	call;
	QlikHttpResponse *resp;
	bytea	   *result;

	qlik_call_init(&call);
	call.tenant = host;
	call.method = "GET";
	call.path = psprintf("/api/v1/temp-contents/%s", qlik_seg(id));
	resp = qlik_call(&call, NULL);
	result = palloc(VARHDRSZ + resp->body_len);
	SET_VARSIZE(result, VARHDRSZ + resp->body_len);
	memcpy(VARDATA(result), resp->body, resp->body_len);
	PG_RETURN_BYTEA_P(result);
}

Datum
qlik_download_temp_content_file(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "temp_content_id");
	char	   *path = server_path(fcinfo, 2, ROLE_PG_WRITE_SERVER_FILES, "write");
	int			fd;
	uint64		size;

	fd = OpenTransientFile(path, O_WRONLY | O_CREAT | O_TRUNC | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\" for writing: %m", path)));
	size = qlik_temp_download_fd(host, id, fd);
	if (pg_fsync(fd) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not fsync file \"%s\": %m", path)));
	CloseTransientFile(fd);
	PG_RETURN_INT64((int64) size);
}
