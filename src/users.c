/*
 * users.c
 *		Qlik Cloud users: list, read, the caller itself, create.
 *
 * Qlik answers GET /users/me with a 301 to /users/{id}; the transport
 * follows it on the same host.
 */
#include "qlikcloud.h"

#include "resource.h"

PG_FUNCTION_INFO_V1(qlik_list_users);
PG_FUNCTION_INFO_V1(qlik_first_user);
PG_FUNCTION_INFO_V1(qlik_get_user);
PG_FUNCTION_INFO_V1(qlik_current_user);
PG_FUNCTION_INFO_V1(qlik_create_user);
PG_FUNCTION_INFO_V1(qlik_update_user);

/* Columns of every function that returns a user. */
static const QlikField user_fields[] = {
	{"role_names", "assignedRoles[].name"},
	{"user", "*"},
	{NULL, NULL}
};

/* GET /api/v1/users: sort takes these values only. */
static const char *const user_sorts[] = {
	"name", "+name", "-name", "_id", "+_id", "-_id", "id", "+id", "-id",
	"tenantId", "+tenantId", "-tenantId", "clientId", "+clientId", "-clientId",
	"status", "+status", "-status", "subject", "+subject", "-subject",
	"email", "+email", "-email", "inviteExpiry", "+inviteExpiry", "-inviteExpiry",
	"createdAt", "+createdAt", "-createdAt", NULL
};

/* qlik_list_users(host, filter, sort, page_size) */
static char *
list_users_path(FunctionCallInfo fcinfo, char **tenant)
{
	char	   *filter;
	char	   *sort;
	int			limit;

	*tenant = qlik_arg_text(fcinfo, 0, "host");
	filter = qlik_arg_text_opt(fcinfo, 1, "filter");
	sort = qlik_arg_text_opt(fcinfo, 2, "sort");
	limit = qlik_arg_int(fcinfo, 3, "page_size", 100, 1, 100);
	qlik_check_enum(sort, "sort", user_sorts);
	return qlik_list_path("/api/v1/users", filter, sort, limit);
}

Datum
qlik_list_users(PG_FUNCTION_ARGS)
{
	return qlik_list_srf(fcinfo, list_users_path, user_fields);
}

/*
 * The oldest user matching filter (all users when NULL): in a new tenant,
 * the one who created it.  NULL when there is none.
 */
Datum
qlik_first_user(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *filter = qlik_arg_text_opt(fcinfo, 1, "filter");
	Jsonb	   *user;

	user = qlik_list_next(qlik_list_begin(host, qlik_list_path("/api/v1/users", filter, "+createdAt", 1)));
	if (user == NULL)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(qlik_object_result(fcinfo, user, user_fields));
}

Datum
qlik_get_user(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "user_id");

	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET",
													  psprintf("/api/v1/users/%s", qlik_seg(id)),
													  NULL, NIL, NULL),
									   user_fields));
}

Datum
qlik_current_user(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");

	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET", "/api/v1/users/me",
													  NULL, NIL, NULL),
									   user_fields));
}

/*
 * POST /api/v1/users (UserPostSchema): subject required; status may only be
 * "invited", which needs an email; roles by id or by name, not both.
 */
Datum
qlik_create_user(PG_FUNCTION_ARGS)
{
	static const char *const statuses[] = {"invited", NULL};
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *subject = qlik_arg_text(fcinfo, 1, "subject");
	char	   *name = qlik_arg_text_opt(fcinfo, 2, "name");
	char	   *email = qlik_arg_text_opt(fcinfo, 3, "email");
	char	   *status = qlik_arg_text_opt(fcinfo, 4, "status");
	List	   *role_ids = qlik_arg_id_array(fcinfo, 5, "role_ids");
	List	   *role_names = qlik_arg_text_array(fcinfo, 6, "role_names");
	QlikBody	b;

	qlik_check_enum(status, "status", statuses);
	if (email != NULL && (strchr(email, '@') == NULL || strpbrk(email, " \t\n") != NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not an email address", email)));
	if (status != NULL && email == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an invited user needs an email"),
				 errhint("Qlik sends the invitation to email.")));

	qb_begin(&b, '{');
	qb_string(&b, "subject", subject);
	qb_string(&b, "name", name);
	qb_string(&b, "email", email);
	qb_string(&b, "status", status);
	qb_refs(&b, "assignedRoles", role_ids, "role_ids", role_names, "role_names");
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "POST", "/api/v1/users",
													  qb_end(&b), NIL, NULL),
									   user_fields));
}

/*
 * PATCH /api/v1/users/{userId} (JSONPatchArray): "replace" of /name and
 * /status (active or disabled), an "add" to /assignedRoles/- for each of
 * add_role_names (roles the user keeps its others beside); then the user
 * read back (Qlik answers 204).  Qlik's PATCH has no /email: a user's email
 * comes from its identity provider at login.
 */
Datum
qlik_update_user(PG_FUNCTION_ARGS)
{
	static const char *const statuses[] = {"active", "disabled", NULL};
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "user_id");
	char	   *name = qlik_arg_text_opt(fcinfo, 2, "name");
	char	   *status = qlik_arg_text_opt(fcinfo, 3, "status");
	List	   *add_roles = qlik_arg_text_array(fcinfo, 4, "add_role_names");
	char	   *path = psprintf("/api/v1/users/%s", qlik_seg(id));
	ListCell   *lc;
	QlikBody	b;

	qlik_check_enum(status, "status", statuses);
	if (name == NULL && status == NULL && add_roles == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nothing to update"),
				 errhint("Give name, status or add_role_names.")));

	qb_begin(&b, '[');
	if (name != NULL)
		qb_patch_string(&b, "replace", "/name", name);
	if (status != NULL)
		qb_patch_string(&b, "replace", "/status", status);
	foreach(lc, add_roles)
	{
		qb_patch_open(&b, "add", "/assignedRoles/-");
		qb_open(&b, "value", '{');
		qb_string(&b, "name", lfirst(lc));
		qb_close(&b, '}');
		qb_close(&b, '}');
	}
	(void) qlik_json_call(host, "PATCH", path, qb_end(&b), NIL, NULL);
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET", path, NULL, NIL, NULL),
									   user_fields));
}
