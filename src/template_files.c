/*
 * template_files.c
 *		The files of template versions, kept on the database server: an app
 *		exported once per version and uploaded to every tenant from there.
 *
 * A rollout to 200 tenants would otherwise export and download the template
 * 200 times.  Instead the first deploy of a version downloads the export to a
 * file under the data directory (qlikcloud_templates/), and each tenant's
 * deploy uploads that file after checking its SHA-256 against the one
 * recorded when it was downloaded.
 *
 * The functions take a file *name*, never a path: the name is checked
 * (letters, digits, '-', '_', one ".qvf" at the end) and the file lives in the
 * extension's own directory.  So they need no right to read or write the
 * server's files (unlike qlik_upload_temp_content_file), and a member of
 * qlikcloud_user can reach no other file through them.
 */
#include "qlikcloud.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/builtins.h"

#include "resource.h"
#include "temp_contents.h"

PG_FUNCTION_INFO_V1(qlik_template_file_download);
PG_FUNCTION_INFO_V1(qlik_template_file_upload);
PG_FUNCTION_INFO_V1(qlik_template_file_info);
PG_FUNCTION_INFO_V1(qlik_template_file_remove);

#define TEMPLATE_DIR "qlikcloud_templates"
#define HASH_CHUNK (1024 * 1024)

/* The path of a template file, its name checked; the directory made if asked. */
static char *
template_path(FunctionCallInfo fcinfo, int n, bool make_dir)
{
	char	   *name = qlik_arg_text(fcinfo, n, "file_name");
	size_t		len = strlen(name);
	const char *dir;

	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) name[i];

		if (!(isalnum(c) || c == '-' || c == '_' || (c == '.' && i == len - 4)))
			len = 0;
	}
	if (len < 5 || len > 100 || strcmp(name + strlen(name) - 4, ".qvf") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bad template file name \"%s\"", name),
				 errhint("A template file name is 1 to 96 letters, digits, '-' or '_', then \".qvf\".")));
	/*
	 * Relative to the data directory, the backend's working directory: the
	 * messages that name the file must not tell a role that may not read
	 * data_directory where it is.
	 */
	dir = TEMPLATE_DIR;
	if (make_dir && MakePGDirectory(dir) != 0 && errno != EEXIST)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create directory \"%s\": %m", dir)));
	return psprintf("%s/%s", dir, name);
}

/* SHA-256 of an open file, read from its start, as lower-case hex; its size. */
static char *
file_sha256(int fd, const char *path, uint64 *size)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char	   *buf = palloc(HASH_CHUNK);
	char	   *hex = palloc(PG_SHA256_DIGEST_LENGTH * 2 + 1);
	ssize_t		got;

	*size = 0;
	if (ctx == NULL || pg_cryptohash_init(ctx) < 0)
		elog(ERROR, "could not start a SHA-256: %s", pg_cryptohash_error(ctx));
	if (lseek(fd, 0, SEEK_SET) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not seek in file \"%s\": %m", path)));
	while ((got = read(fd, buf, HASH_CHUNK)) != 0)
	{
		CHECK_FOR_INTERRUPTS();
		if (got < 0)
		{
			if (errno == EINTR)
				continue;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", path)));
		}
		if (pg_cryptohash_update(ctx, (uint8 *) buf, got) < 0)
			elog(ERROR, "could not compute a SHA-256: %s", pg_cryptohash_error(ctx));
		*size += got;
	}
	if (pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute a SHA-256: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
	pfree(buf);
	hex_encode((const char *) digest, sizeof(digest), hex);
	hex[PG_SHA256_DIGEST_LENGTH * 2] = '\0';
	if (lseek(fd, 0, SEEK_SET) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not seek in file \"%s\": %m", path)));
	return hex;
}

/* (size bigint, sha256 text) */
static Datum
size_and_hash(FunctionCallInfo fcinfo, uint64 size, const char *hex)
{
	TupleDesc	desc;
	Datum		values[2];
	bool		nulls[2] = {hex == NULL, hex == NULL};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	desc = BlessTupleDesc(desc);
	values[0] = Int64GetDatum((int64) size);
	values[1] = hex ? CStringGetTextDatum(hex) : (Datum) 0;
	return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

/*
 * Downloads a temporary content (an export) into the template file: first to
 * "<name>.part", then renamed (durably) once complete, so that the file under
 * its own name is always a whole download.
 */
Datum
qlik_template_file_download(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "temp_content_id");
	char	   *path = template_path(fcinfo, 2, true);
	char	   *part = psprintf("%s.part", path);
	int			fd;
	uint64		size;
	char	   *hex;

	fd = OpenTransientFile(part, O_RDWR | O_CREAT | O_TRUNC | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\" for writing: %m", part)));
	(void) qlik_temp_download_fd(host, id, fd);
	if (pg_fsync(fd) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not fsync file \"%s\": %m", part)));
	hex = file_sha256(fd, part, &size);
	CloseTransientFile(fd);
	(void) durable_rename(part, path, ERROR);
	PG_RETURN_DATUM(size_and_hash(fcinfo, size, hex));
}

/* The template file's size and SHA-256; NULLs if there is no such file. */
Datum
qlik_template_file_info(PG_FUNCTION_ARGS)
{
	char	   *path = template_path(fcinfo, 0, false);
	int			fd;
	uint64		size;
	char	   *hex;

	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0 && errno == ENOENT)
		PG_RETURN_DATUM(size_and_hash(fcinfo, 0, NULL));
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\" for reading: %m", path)));
	hex = file_sha256(fd, path, &size);
	CloseTransientFile(fd);
	PG_RETURN_DATUM(size_and_hash(fcinfo, size, hex));
}

/*
 * Uploads the template file as a temporary content, once its SHA-256 is the
 * one expected: a missing file is 58P01, a changed one XX001 (the caller
 * downloads it again).  Returns the temporary content's id.
 */
Datum
qlik_template_file_upload(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *path = template_path(fcinfo, 1, false);
	char	   *want = qlik_arg_text(fcinfo, 2, "sha256");
	char	   *filename = qlik_arg_text_opt(fcinfo, 3, "filename");
	int			fd;
	uint64		size;
	char	   *hex;
	char	   *id;

	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open template file \"%s\": %m", path),
				 errhint("The file of a template version is downloaded again from its source.")));
	hex = file_sha256(fd, path, &size);
	if (pg_strcasecmp(hex, want) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("template file \"%s\" has changed since it was downloaded", path),
				 errdetail("Its SHA-256 is %s, %s was recorded.", hex, want),
				 errhint("The file of a template version is downloaded again from its source.")));
	if (filename == NULL)
		filename = pstrdup(strrchr(path, '/') + 1);
	id = qlik_temp_upload_fd(host, fd, size, filename, 3600);
	CloseTransientFile(fd);
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

/* Removes a template file; false if there was none. */
Datum
qlik_template_file_remove(PG_FUNCTION_ARGS)
{
	char	   *path = template_path(fcinfo, 0, false);

	if (unlink(path) == 0)
		PG_RETURN_BOOL(true);
	if (errno != ENOENT)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not remove file \"%s\": %m", path)));
	(void) unlink(psprintf("%s.part", path));
	PG_RETURN_BOOL(false);
}
