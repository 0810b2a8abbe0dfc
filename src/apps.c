/*
 * apps.c
 *		Qlik Sense apps: read, export, import, publish, republish, and copy
 *		from one tenant to another.
 *
 * An export answers 201 with the Location of a temporary content holding
 * the .qvf; an import takes the id of a temporary content and answers 200
 * with the new app.  A copy chains export, download, upload and import
 * through a temporary file of the backend (deleted at the end of the
 * transaction, whatever happens), so that apps of any size cost the backend
 * a fixed amount of memory.
 *
 * Publishing right after a space was created can fail for a moment: Qlik is
 * eventually consistent there, and its own scripts wait a second and try
 * again.  qlik_publish_app does the same, a bounded number of times.
 */
#include "qlikcloud.h"

#include "miscadmin.h"
#include "storage/fd.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "credentials.h"
#include "errors.h"
#include "resource.h"
#include "temp_contents.h"

PG_FUNCTION_INFO_V1(qlik_get_app);
PG_FUNCTION_INFO_V1(qlik_export_app);
PG_FUNCTION_INFO_V1(qlik_import_app);
PG_FUNCTION_INFO_V1(qlik_publish_app);
PG_FUNCTION_INFO_V1(qlik_republish_app);
PG_FUNCTION_INFO_V1(qlik_publish_or_republish_app);
PG_FUNCTION_INFO_V1(qlik_copy_app);

/* NxApp: the interesting fields live under "attributes". */
static const QlikField app_fields[] = {
	{"id", "attributes.id"},
	{"name", "attributes.name"},
	{"space_id", "attributes.spaceId"},
	{"owner_id", "attributes.ownerId"},
	{"published", "attributes.published"},
	{"publish_time", "attributes.publishTime"},
	{"origin_app_id", "attributes.originAppId"},
	{"created", "attributes.createdDate"},
	{"modified", "attributes.modifiedDate"},
	{"app", "*"},
	{NULL, NULL}
};

/* How often, and how far apart, a publish into a new space is tried. */
#define PUBLISH_ATTEMPTS 10
#define PUBLISH_DELAY_MS 1000

static char *
app_path(const char *app_id, const char *suffix)
{
	return psprintf("/api/v1/apps/%s%s", qlik_seg(app_id), suffix ? suffix : "");
}

Datum
qlik_get_app(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "app_id");

	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET", app_path(id, NULL), NULL, NIL, NULL),
									   app_fields));
}

/* Export: the id of the temporary content that holds the .qvf. */
static char *
export_app(const char *host, const char *app_id, bool no_data)
{
	QlikCall	call;
	QlikHttpResponse *resp;

	qlik_call_init(&call);
	call.tenant = host;
	call.method = "POST";
	call.path = app_path(app_id, no_data ? "/export?NoData=true" : "/export");
	resp = qlik_call(&call, NULL);
	return qlik_temp_id_from_location(resp, call.what);
}

Datum
qlik_export_app(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "app_id");
	bool		no_data = PG_ARGISNULL(2) ? false : PG_GETARG_BOOL(2);

	PG_RETURN_TEXT_P(cstring_to_text(export_app(host, id, no_data)));
}

static Jsonb *
import_app(const char *host, const char *space_id, const char *name, const char *temp_id)
{
	StringInfoData path;

	initStringInfo(&path);
	appendStringInfoString(&path, "/api/v1/apps/import");
	qlik_query_add(&path, "spaceId", space_id);
	qlik_query_add(&path, "name", name);
	qlik_query_add(&path, "fileId", temp_id);
	return qlik_json_call(host, "POST", path.data, NULL, NIL, NULL);
}

Datum
qlik_import_app(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *space_id = qlik_arg_id_opt(fcinfo, 1, "space_id");
	char	   *name = qlik_arg_text_opt(fcinfo, 2, "name");
	char	   *temp_id = qlik_arg_id(fcinfo, 3, "temp_content_id");

	PG_RETURN_DATUM(qlik_object_result(fcinfo, import_app(host, space_id, name, temp_id),
									   app_fields));
}

/* The body of a publish (POST) or a republish (PUT). */
static char *
publish_body(const char *space_id, const char *target_id, const char *name,
			 const char *description, const char *data, int check_origin)
{
	static const char *const data_values[] = {"source", "target", NULL};
	QlikBody	b;

	qlik_check_enum(data, "data", data_values);
	qb_begin(&b, '{');
	qb_string(&b, "spaceId", space_id);
	qb_string(&b, "targetId", target_id);
	if (check_origin >= 0)
		qb_bool(&b, "checkOriginAppId", check_origin != 0);
	if (name != NULL || description != NULL)
	{
		qb_open(&b, "attributes", '{');
		qb_string(&b, "name", name);
		qb_string(&b, "description", description);
		qb_close(&b, '}');
	}
	qb_string(&b, "data", data);
	return qb_end(&b);
}

static void
sleep_ms(long ms)
{
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, ms,
					 PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/*
 * POST .../publish, trying again while Qlik has not yet caught up with a
 * space created a moment ago (it answers 403 or 404 for the space then).  A
 * publish that failed published nothing, so trying again is safe.
 */
static Jsonb *
publish_app(const char *host, const char *app_id, const char *body)
{
	QlikCall	call;
	QlikHttpResponse *resp;
	char	   *rhost;

	for (int attempt = 1;; attempt++)
	{
		qlik_call_init(&call);
		call.tenant = host;
		call.method = "POST";
		call.path = app_path(app_id, "/publish");
		qlik_call_json_body(&call, body);
		call.return_errors = true;
		resp = qlik_call(&call, &rhost);
		if (resp->status < 300)
			return qlik_response_jsonb(resp, rhost, call.what);
		if ((resp->status != 403 && resp->status != 404) || attempt >= PUBLISH_ATTEMPTS)
			qlik_raise_http_error(resp, rhost, call.what, NULL, NULL);
		elog(DEBUG1, "qlikcloud: %s on %s: HTTP %ld, publish attempt %d of %d; Qlik may not know the space yet",
			 call.what, rhost, resp->status, attempt, PUBLISH_ATTEMPTS);
		sleep_ms(PUBLISH_DELAY_MS);
	}
}

Datum
qlik_publish_app(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *app_id = qlik_arg_id(fcinfo, 1, "app_id");
	char	   *space_id = qlik_arg_id(fcinfo, 2, "space_id");
	char	   *name = qlik_arg_text_opt(fcinfo, 3, "name");
	char	   *description = qlik_arg_text_opt(fcinfo, 4, "description");
	char	   *data = qlik_arg_text_opt(fcinfo, 5, "data");
	char	   *body = publish_body(space_id, NULL, name, description, data, -1);

	PG_RETURN_DATUM(qlik_object_result(fcinfo, publish_app(host, app_id, body), app_fields));
}

static Jsonb *
republish_app(const char *host, const char *app_id, const char *body)
{
	return qlik_json_call(host, "PUT", app_path(app_id, "/publish"), body, NIL, NULL);
}

Datum
qlik_republish_app(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *app_id = qlik_arg_id(fcinfo, 1, "app_id");
	char	   *target_id = qlik_arg_id(fcinfo, 2, "target_app_id");
	char	   *name = qlik_arg_text_opt(fcinfo, 3, "name");
	char	   *description = qlik_arg_text_opt(fcinfo, 4, "description");
	char	   *data = qlik_arg_text_opt(fcinfo, 5, "data");
	int			check = PG_ARGISNULL(6) ? -1 : PG_GETARG_BOOL(6);
	char	   *body = publish_body(NULL, target_id, name, description, data, check);

	PG_RETURN_DATUM(qlik_object_result(fcinfo, republish_app(host, app_id, body), app_fields));
}

/*
 * Publish an app to a managed space, or republish it over the copy it
 * published there before: the published copy is the app of that space whose
 * originAppId is this app (found through the items API), as Qlik's own
 * deployment scripts decide.
 */
Datum
qlik_publish_or_republish_app(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *app_id = qlik_arg_id(fcinfo, 1, "app_id");
	char	   *space_id = qlik_arg_id(fcinfo, 2, "space_id");
	char	   *name = qlik_arg_text_opt(fcinfo, 3, "name");
	char	   *description = qlik_arg_text_opt(fcinfo, 4, "description");
	char	   *data = qlik_arg_text_opt(fcinfo, 5, "data");
	StringInfoData path;
	QlikList   *items;
	Jsonb	   *item;
	char	   *target = NULL;
	Jsonb	   *result;

	(void) publish_body(space_id, NULL, name, description, data, -1);	/* checks */

	initStringInfo(&path);
	appendStringInfoString(&path, "/api/v1/items?resourceType=app&limit=100");
	qlik_query_add(&path, "spaceId", space_id);
	items = qlik_list_begin(host, path.data);
	while (target == NULL && (item = qlik_list_next(items)) != NULL)
	{
		char	   *origin = qlik_jsonb_text(item, "resourceAttributes.originAppId");

		if (origin != NULL && strcmp(origin, app_id) == 0)
			target = qlik_jsonb_text(item, "resourceId");
	}

	if (target != NULL)
		result = republish_app(host, app_id, publish_body(NULL, target, name, description, data, 1));
	else
		result = publish_app(host, app_id, publish_body(space_id, NULL, name, description, data, -1));
	PG_RETURN_DATUM(qlik_object_result(fcinfo, result, app_fields));
}

/*
 * Copy an app between tenants: export on the source, download the .qvf to
 * a temporary file, upload it to the target, import it into a space.
 */
Datum
qlik_copy_app(PG_FUNCTION_ARGS)
{
	char	   *source = qlik_arg_text(fcinfo, 0, "source_host");
	char	   *app_id = qlik_arg_id(fcinfo, 1, "app_id");
	char	   *target = qlik_arg_text(fcinfo, 2, "target_host");
	char	   *space_id = qlik_arg_id_opt(fcinfo, 3, "space_id");
	char	   *name = qlik_arg_text_opt(fcinfo, 4, "name");
	bool		no_data = PG_ARGISNULL(5) ? false : PG_GETARG_BOOL(5);
	char	   *export_id;
	char	   *upload_id;
	File		file;
	int			fd;
	uint64		size;

	/*
	 * The target is checked (a host name, a credential that serves it)
	 * before anything is exported: a mistake there must not cost a
	 * download of the whole app first.
	 */
	{
		char	   *target_host;

		qlik_credential_forget_secret(qlik_resolve_target(target, &target_host));
	}

	/*
	 * The name is checked here, not after a download of the whole app, and
	 * defaults to the source app's.
	 */
	if (name == NULL)
	{
		Jsonb	   *app = qlik_json_call(source, "GET", app_path(app_id, NULL), NULL, NIL, NULL);

		name = qlik_jsonb_text(app, "attributes.name");
	}

	/*
	 * Deleted at the end of the transaction, whatever happens.  The
	 * transfers use a descriptor of their own: a virtual file's descriptor
	 * can be closed at any time to make room for another file (opening the
	 * credentials table can do it), and its number then given to that file.
	 * A transient descriptor stays open until closed, or until the end of
	 * the (sub)transaction.
	 */
	file = OpenTemporaryFile(false);
	fd = OpenTransientFile(FilePathName(file), O_RDWR | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open temporary file \"%s\": %m", FilePathName(file))));
	export_id = export_app(source, app_id, no_data);
	size = qlik_temp_download_fd(source, export_id, fd);
	upload_id = qlik_temp_upload_fd(target, fd, size, psprintf("%s.qvf", app_id), 3600);
	CloseTransientFile(fd);
	FileClose(file);

	PG_RETURN_DATUM(qlik_object_result(fcinfo, import_app(target, space_id, name, upload_id),
									   app_fields));
}
