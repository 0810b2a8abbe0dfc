/*
 * roles.c
 *		Qlik Cloud roles: the list, and a role's id by its name.
 */
#include "qlikcloud.h"

#include "utils/builtins.h"
#include "utils/json.h"

#include "resource.h"

PG_FUNCTION_INFO_V1(qlik_list_roles);
PG_FUNCTION_INFO_V1(qlik_role_id);

static const QlikField role_fields[] = {
	{"role", "*"},
	{NULL, NULL}
};

/* qlik_list_roles(host, filter, sort, page_size) */
static char *
list_roles_path(FunctionCallInfo fcinfo, char **tenant)
{
	char	   *filter;
	char	   *sort;
	int			limit;

	*tenant = qlik_arg_text(fcinfo, 0, "host");
	filter = qlik_arg_text_opt(fcinfo, 1, "filter");
	sort = qlik_arg_text_opt(fcinfo, 2, "sort");
	limit = qlik_arg_int(fcinfo, 3, "page_size", 100, 1, 100);
	qlik_check_sort_field(sort);
	return qlik_list_path("/api/v1/roles", filter, sort, limit);
}

Datum
qlik_list_roles(PG_FUNCTION_ARGS)
{
	return qlik_list_srf(fcinfo, list_roles_path, role_fields);
}

/*
 * The id of the role named name.  Qlik's filter compares without regard to
 * case, role names are case-sensitive: of what the filter returns, only the
 * exact name counts.  None: QK404, as for any object that is not there.
 */
Datum
qlik_role_id(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *name = qlik_arg_text(fcinfo, 1, "role_name");
	StringInfoData filter;
	QlikList   *list;
	Jsonb	   *role;
	char	   *other = NULL;

	initStringInfo(&filter);
	appendStringInfoString(&filter, "name eq ");
	escape_json(&filter, name);		/* a SCIM value is a JSON string */
	list = qlik_list_begin(host, qlik_list_path("/api/v1/roles", filter.data, NULL, 100));
	while ((role = qlik_list_next(list)) != NULL)
	{
		char	   *role_name = qlik_jsonb_text(role, "name");
		char	   *id = qlik_jsonb_text(role, "id");

		if (role_name != NULL && strcmp(role_name, name) == 0 && id != NULL)
			PG_RETURN_TEXT_P(cstring_to_text(id));
		if (role_name != NULL)
			other = role_name;
	}
	ereport(ERROR,
			(errcode(ERRCODE_QLIK_HTTP_404),
			 errmsg("Qlik Cloud has no role named \"%s\" on %s", name, host),
			 other ? errhint("Role names are case-sensitive: did you mean \"%s\"?", other)
			 : errhint("qlikcloud.qlik_list_roles() lists the roles of a tenant.")));
	PG_RETURN_NULL();			/* not reached */
}
