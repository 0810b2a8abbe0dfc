/*
 * spaces.c
 *		Qlik Cloud spaces (shared, managed, data) and their assignments:
 *		who may do what in a space.
 */
#include "qlikcloud.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "resource.h"

PG_FUNCTION_INFO_V1(qlik_list_spaces);
PG_FUNCTION_INFO_V1(qlik_get_space);
PG_FUNCTION_INFO_V1(qlik_create_space);
PG_FUNCTION_INFO_V1(qlik_create_space_assignment);
PG_FUNCTION_INFO_V1(qlik_list_space_assignments);
PG_FUNCTION_INFO_V1(qlik_update_space);
PG_FUNCTION_INFO_V1(qlik_update_space_assignment);

static const QlikField space_fields[] = {
	{"space", "*"},
	{NULL, NULL}
};

static const QlikField assignment_fields[] = {
	{"assignment", "*"},
	{NULL, NULL}
};

static const char *const space_types[] = {"shared", "managed", "data", NULL};

/* Space roles (RoleType), and which a space of each type takes. */
static const char *const all_roles[] = {
	"basicconsumer", "codeveloper", "consumer", "contributor", "dataconsumer",
	"datapreview", "facilitator", "operator", "producer", "publisher", NULL
};
static const char *const shared_roles[] = {
	"codeveloper", "consumer", "dataconsumer", "facilitator", "producer", NULL
};
static const char *const managed_roles[] = {
	"basicconsumer", "consumer", "contributor", "dataconsumer", "facilitator", "publisher", NULL
};
static const char *const data_roles[] = {
	"consumer", "dataconsumer", "datapreview", "facilitator", "operator", "producer", "publisher", NULL
};

static char *
space_path(const char *space_id)
{
	return psprintf("/api/v1/spaces/%s", qlik_seg(space_id));
}

/*
 * qlik_list_spaces(host, type, name, owner_id, roles, action, sort,
 * page_size).  type is one type or several, comma-separated
 * ("managed,shared"); name matches anywhere, without regard to case.
 */
static char *
list_spaces_path(FunctionCallInfo fcinfo, char **tenant)
{
	static const char *const sorts[] = {
		"type", "+type", "-type", "name", "+name", "-name",
		"createdAt", "+createdAt", "-createdAt", NULL
	};
	static const char *const actions[] = {"publish", NULL};
	char	   *type;
	char	   *name;
	char	   *owner_id;
	List	   *roles;
	char	   *action;
	char	   *sort;
	int			limit;
	StringInfoData path;

	*tenant = qlik_arg_text(fcinfo, 0, "host");
	type = qlik_arg_text_opt(fcinfo, 1, "type");
	name = qlik_arg_text_opt(fcinfo, 2, "name");
	owner_id = qlik_arg_id_opt(fcinfo, 3, "owner_id");
	roles = qlik_arg_text_array(fcinfo, 4, "roles");
	action = qlik_arg_text_opt(fcinfo, 5, "action");
	sort = qlik_arg_text_opt(fcinfo, 6, "sort");
	limit = qlik_arg_int(fcinfo, 7, "page_size", 100, 1, 100);
	qlik_check_enum_list(type, "type", space_types);
	qlik_check_enum(action, "action", actions);
	qlik_check_enum(sort, "sort", sorts);

	initStringInfo(&path);
	appendStringInfoString(&path, "/api/v1/spaces");
	qlik_query_add(&path, "type", type);
	qlik_query_add(&path, "name", name);
	qlik_query_add(&path, "ownerId", owner_id);
	if (roles != NIL)
	{
		StringInfoData list;
		ListCell   *lc;

		initStringInfo(&list);
		foreach(lc, roles)
		{
			qlik_check_enum(lfirst(lc), "role", all_roles);
			appendStringInfo(&list, "%s%s", list.len ? "," : "", (char *) lfirst(lc));
		}
		qlik_query_add(&path, "roles", list.data);
	}
	qlik_query_add(&path, "action", action);
	qlik_query_add(&path, "sort", sort);
	qlik_query_add(&path, "limit", psprintf("%d", limit));
	return path.data;
}

Datum
qlik_list_spaces(PG_FUNCTION_ARGS)
{
	return qlik_list_srf(fcinfo, list_spaces_path, space_fields);
}

Datum
qlik_get_space(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "space_id");

	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET", space_path(id), NULL, NIL, NULL),
									   space_fields));
}

/* Qlik's pattern for space names: at most 256 characters, none of " * ? < > / | \ : */
static void
check_space_name(const char *name)
{
	const char *bad;

	if ((bad = strpbrk(name, "\"*?<>/|\\:")) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a space name must not contain \"%c\"", *bad),
				 errdetail("Qlik refuses the characters \" * ? < > / | \\ : in space names.")));
	if (pg_mbstrlen(name) > 256)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a space name has at most 256 characters, not %d", pg_mbstrlen(name))));
}

/*
 * POST /api/v1/spaces (SpaceCreate): name at most 256 characters, none of
 * " * ? < > / | \ : (Qlik's pattern), unique in the tenant (409
 * otherwise); type shared, managed or data.
 */
Datum
qlik_create_space(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *name = qlik_arg_text(fcinfo, 1, "name");
	char	   *type = qlik_arg_text(fcinfo, 2, "type");
	char	   *description = qlik_arg_text_opt(fcinfo, 3, "description");
	QlikBody	b;

	check_space_name(name);
	qlik_check_enum(type, "type", space_types);

	qb_begin(&b, '{');
	qb_string(&b, "name", name);
	qb_string(&b, "type", type);
	qb_string(&b, "description", description);
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "POST", "/api/v1/spaces",
													  qb_end(&b), NIL, NULL),
									   space_fields));
}

static const char *const *
roles_of_type(const char *type)
{
	if (type == NULL)
		return NULL;
	if (strcmp(type, "shared") == 0)
		return shared_roles;
	if (strcmp(type, "managed") == 0)
		return managed_roles;
	if (strcmp(type, "data") == 0)
		return data_roles;
	return NULL;
}

/*
 * POST /api/v1/spaces/{spaceId}/assignments: {type, assigneeId, roles}.
 *
 * Which roles a space takes depends on its type, which the caller may not
 * know.  The roles are checked twice: against every space role before any
 * request (a typo sends nothing), then against the roles of the space's
 * type once the space has been read (one GET, which also answers 404 for a
 * space that is not there); a role the type does not take is refused
 * before the POST.  A space of a type this extension does not know is left
 * to Qlik to judge.
 */
Datum
qlik_create_space_assignment(PG_FUNCTION_ARGS)
{
	static const char *const assignee_types[] = {"user", "group", "bot", NULL};
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *space_id = qlik_arg_id(fcinfo, 1, "space_id");
	char	   *assignee_id = qlik_arg_id(fcinfo, 2, "assignee_id");
	List	   *roles = qlik_arg_text_array(fcinfo, 3, "roles");
	char	   *type = qlik_arg_text_opt(fcinfo, 4, "type");
	const char *const *allowed;
	char	   *space_type;
	ListCell   *lc;
	QlikBody	b;

	if (type == NULL)
		type = "group";
	qlik_check_enum(type, "type", assignee_types);
	if (roles == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("roles must not be empty"),
				 errhint("Give at least one space role, such as consumer.")));
	foreach(lc, roles)
		qlik_check_enum(lfirst(lc), "space role", all_roles);

	space_type = qlik_jsonb_text(qlik_json_call(host, "GET", space_path(space_id), NULL, NIL, NULL),
								 "type");
	allowed = roles_of_type(space_type);
	if (allowed != NULL)
	{
		foreach(lc, roles)
		{
			bool		ok = false;

			for (const char *const *a = allowed; *a && !ok; a++)
				ok = strcmp(*a, lfirst(lc)) == 0;
			if (!ok)
			{
				StringInfoData list;

				initStringInfo(&list);
				for (const char *const *a = allowed; *a; a++)
					appendStringInfo(&list, "%s%s", list.len ? ", " : "", *a);
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("a %s space has no role \"%s\"", space_type, (char *) lfirst(lc)),
						 errdetail("Space %s is a %s space.", space_id, space_type),
						 errhint("Use one of: %s.", list.data)));
			}
		}
	}

	qb_begin(&b, '{');
	qb_string(&b, "type", type);
	qb_string(&b, "assigneeId", assignee_id);
	qb_string_list(&b, "roles", roles);
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "POST",
													  psprintf("%s/assignments", space_path(space_id)),
													  qb_end(&b), NIL, NULL),
									   assignment_fields));
}

/* qlik_list_space_assignments(host, space_id, type, assignee_id, page_size) */
static char *
list_assignments_path(FunctionCallInfo fcinfo, char **tenant)
{
	static const char *const assignee_types[] = {"user", "group", "bot", NULL};
	char	   *space_id;
	char	   *type;
	char	   *assignee_id;
	int			limit;
	StringInfoData path;

	*tenant = qlik_arg_text(fcinfo, 0, "host");
	space_id = qlik_arg_id(fcinfo, 1, "space_id");
	type = qlik_arg_text_opt(fcinfo, 2, "type");
	assignee_id = qlik_arg_id_opt(fcinfo, 3, "assignee_id");
	limit = qlik_arg_int(fcinfo, 4, "page_size", 100, 1, 100);
	qlik_check_enum(type, "type", assignee_types);

	initStringInfo(&path);
	appendStringInfo(&path, "%s/assignments", space_path(space_id));
	qlik_query_add(&path, "type", type);
	qlik_query_add(&path, "assigneeId", assignee_id);
	qlik_query_add(&path, "limit", psprintf("%d", limit));
	return path.data;
}

Datum
qlik_list_space_assignments(PG_FUNCTION_ARGS)
{
	return qlik_list_srf(fcinfo, list_assignments_path, assignment_fields);
}

/*
 * PATCH /api/v1/spaces/{spaceId}: "replace" of /name and /description, what
 * was given; Qlik answers with the space.  A space's type cannot change.
 */
Datum
qlik_update_space(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "space_id");
	char	   *name = qlik_arg_text_opt(fcinfo, 2, "name");
	char	   *description = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	QlikBody	b;

	if (name == NULL && description == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nothing to update"),
				 errhint("Give name, description or both.")));
	if (name != NULL)
		check_space_name(name);

	qb_begin(&b, '[');
	if (name != NULL)
		qb_patch_string(&b, "replace", "/name", name);
	if (description != NULL)
		qb_patch_string(&b, "replace", "/description", description);
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "PATCH", space_path(id), qb_end(&b), NIL, NULL),
									   space_fields));
}

/*
 * PUT /api/v1/spaces/{spaceId}/assignments/{assignmentId}: {roles}, the
 * whole new list; Qlik answers with the assignment.  Roles are checked
 * against every space role before the request (Qlik judges the space's type).
 */
Datum
qlik_update_space_assignment(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *space_id = qlik_arg_id(fcinfo, 1, "space_id");
	char	   *assignment_id = qlik_arg_id(fcinfo, 2, "assignment_id");
	List	   *roles = qlik_arg_text_array(fcinfo, 3, "roles");
	ListCell   *lc;
	QlikBody	b;

	if (roles == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("roles must not be empty"),
				 errhint("Give at least one space role, such as consumer.")));
	foreach(lc, roles)
		qlik_check_enum(lfirst(lc), "space role", all_roles);

	qb_begin(&b, '{');
	qb_string_list(&b, "roles", roles);
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "PUT",
													  psprintf("%s/assignments/%s", space_path(space_id),
															   qlik_seg(assignment_id)),
													  qb_end(&b), NIL, NULL),
									   assignment_fields));
}
