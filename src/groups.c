/*
 * groups.c
 *		Qlik Cloud groups: list, create, and the tenant's group settings
 *		(whether groups are created from the identity provider at login).
 */
#include "qlikcloud.h"

#include "mb/pg_wchar.h"

#include "resource.h"

PG_FUNCTION_INFO_V1(qlik_list_groups);
PG_FUNCTION_INFO_V1(qlik_create_group);
PG_FUNCTION_INFO_V1(qlik_group_settings);
PG_FUNCTION_INFO_V1(qlik_update_group_settings);

#define GROUP_SETTINGS_PATH "/api/v1/groups/settings"

static const QlikField group_fields[] = {
	{"role_names", "assignedRoles[].name"},
	{"group", "*"},
	{NULL, NULL}
};

static const QlikField settings_fields[] = {
	{"settings", "*"},
	{NULL, NULL}
};

/* qlik_list_groups(host, filter, sort, page_size) */
static char *
list_groups_path(FunctionCallInfo fcinfo, char **tenant)
{
	char	   *filter;
	char	   *sort;
	int			limit;
	StringInfoData path;

	*tenant = qlik_arg_text(fcinfo, 0, "host");
	filter = qlik_arg_text_opt(fcinfo, 1, "filter");
	sort = qlik_arg_text_opt(fcinfo, 2, "sort");
	limit = qlik_arg_int(fcinfo, 3, "page_size", 100, 1, 100);
	qlik_check_sort_field(sort);

	initStringInfo(&path);
	appendStringInfoString(&path, "/api/v1/groups");
	qlik_query_add(&path, "filter", filter);
	qlik_query_add(&path, "sort", sort);
	qlik_query_add(&path, "limit", psprintf("%d", limit));
	return path.data;
}

Datum
qlik_list_groups(PG_FUNCTION_ARGS)
{
	return qlik_list_srf(fcinfo, list_groups_path, group_fields);
}

/*
 * POST /api/v1/groups (GroupPostSchema): name required, at most 256
 * characters, unique (case-sensitive; 409 otherwise); status only
 * "active"; providerType idp (Qlik's default) or custom; roles by id or by
 * name, at most 100.
 */
Datum
qlik_create_group(PG_FUNCTION_ARGS)
{
	static const char *const statuses[] = {"active", NULL};
	static const char *const provider_types[] = {"idp", "custom", NULL};
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *name = qlik_arg_text(fcinfo, 1, "name");
	char	   *status = qlik_arg_text_opt(fcinfo, 2, "status");
	char	   *description = qlik_arg_text_opt(fcinfo, 3, "description");
	List	   *role_ids = qlik_arg_id_array(fcinfo, 4, "role_ids");
	List	   *role_names = qlik_arg_text_array(fcinfo, 5, "role_names");
	char	   *provider_type = qlik_arg_text_opt(fcinfo, 6, "provider_type");
	QlikBody	b;

	if (pg_mbstrlen(name) > 256)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a group name has at most 256 characters, not %d", pg_mbstrlen(name))));
	qlik_check_enum(status, "status", statuses);
	qlik_check_enum(provider_type, "provider_type", provider_types);
	if (list_length(role_ids) > 100 || list_length(role_names) > 100)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a group has at most 100 roles")));

	qb_begin(&b, '{');
	qb_string(&b, "name", name);
	qb_string(&b, "status", status);
	qb_string(&b, "description", description);
	qb_string(&b, "providerType", provider_type);
	qb_refs(&b, "assignedRoles", role_ids, "role_ids", role_names, "role_names");
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "POST", "/api/v1/groups",
													  qb_end(&b), NIL, NULL),
									   group_fields));
}

Datum
qlik_group_settings(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");

	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET", GROUP_SETTINGS_PATH,
													  NULL, NIL, NULL),
									   settings_fields));
}

/*
 * PATCH what was given (JSON Patch "replace" operations), then read the
 * settings back: Qlik answers the PATCH with 204 and no body.
 */
Datum
qlik_update_group_settings(PG_FUNCTION_ARGS)
{
	static const char *const paths[] = {"/autoCreateGroups", "/syncIdpGroups"};
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	QlikBody	b;
	int			ops = 0;

	qb_begin(&b, '[');
	for (int i = 0; i < (int) lengthof(paths); i++)
	{
		if (PG_ARGISNULL(1 + i))
			continue;
		qb_open(&b, NULL, '{');
		qb_string(&b, "op", "replace");
		qb_string(&b, "path", paths[i]);
		qb_bool(&b, "value", PG_GETARG_BOOL(1 + i));
		qb_close(&b, '}');
		ops++;
	}
	if (ops == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nothing to update"),
				 errhint("Give auto_create_groups, sync_idp_groups or both.")));

	(void) qlik_json_call(host, "PATCH", GROUP_SETTINGS_PATH, qb_end(&b), NIL, NULL);
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET", GROUP_SETTINGS_PATH,
													  NULL, NIL, NULL),
									   settings_fields));
}
