/*
 * items.c
 *		Qlik Cloud items: the catalogue of a tenant's resources (apps,
 *		datasets, automations, ...) across spaces.  An app's item carries its
 *		app id as resourceId.
 */
#include "qlikcloud.h"

#include "resource.h"

PG_FUNCTION_INFO_V1(qlik_list_items);

static const QlikField item_fields[] = {
	{"item", "*"},
	{NULL, NULL}
};

/* ItemResourceTypeEnum */
static const char *const resource_types[] = {
	"app", "qlikview", "qvapp", "genericlink", "sharingservicetask", "note",
	"dataasset", "dataset", "automation", "automl-experiment", "automl-deployment",
	"assistant", "dataproduct", "dataqualityrule", "glossary", "knowledgebase",
	"script", "semantictype", "page", NULL
};

/* SpaceTypeEnum of the items API */
static const char *const space_types[] = {"shared", "managed", "personal", "data", NULL};

static const char *const sorts[] = {
	"+createdAt", "-createdAt", "+name", "-name", "+updatedAt", "-updatedAt",
	"+recentlyUsed", "-recentlyUsed", NULL
};

/*
 * resourceType: one type or several, comma-separated; each may carry
 * subtypes in brackets ("app[qvd,chart-monitoring],qvapp", "app[]").  The
 * types are checked, the subtypes left to Qlik.
 */
static void
check_resource_types(const char *value)
{
	const char *p = value;

	if (value == NULL)
		return;
	for (;;)
	{
		size_t		len = strcspn(p, ",[");
		char	   *type = pnstrdup(p, len);

		qlik_check_enum(type, "resource_type", resource_types);
		p += len;
		if (*p == '[')
		{
			const char *close = strchr(p, ']');

			if (close == NULL || memchr(p + 1, '[', close - p - 1) != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid resource_type \"%s\"", value),
						 errdetail("Subtypes go in brackets after their type, as in app[qvd,chart-monitoring].")));
			p = close + 1;
			if (*p != ',' && *p != '\0')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid resource_type \"%s\"", value),
						 errdetail("Separate types with commas, as in app,qvapp.")));
		}
		if (*p == '\0')
			break;
		p++;					/* the comma */
	}
}

/*
 * qlik_list_items(host, resource_type, name, space_id, space_type,
 * resource_id, owner_id, query, collection_id, created_by_user_id, sort,
 * no_actions, page_size)
 */
static char *
list_items_path(FunctionCallInfo fcinfo, char **tenant)
{
	char	   *resource_type;
	char	   *name;
	char	   *space_id;
	char	   *space_type;
	char	   *resource_id;
	char	   *owner_id;
	char	   *query;
	char	   *collection_id;
	char	   *created_by;
	char	   *sort;
	int			limit;
	StringInfoData path;

	*tenant = qlik_arg_text(fcinfo, 0, "host");
	resource_type = qlik_arg_text_opt(fcinfo, 1, "resource_type");
	name = qlik_arg_text_opt(fcinfo, 2, "name");
	space_id = qlik_arg_id_opt(fcinfo, 3, "space_id");	/* or "personal" */
	space_type = qlik_arg_text_opt(fcinfo, 4, "space_type");
	resource_id = qlik_arg_id_opt(fcinfo, 5, "resource_id");
	owner_id = qlik_arg_id_opt(fcinfo, 6, "owner_id");
	query = qlik_arg_text_opt(fcinfo, 7, "query");
	collection_id = qlik_arg_id_opt(fcinfo, 8, "collection_id");
	created_by = qlik_arg_id_opt(fcinfo, 9, "created_by_user_id");
	sort = qlik_arg_text_opt(fcinfo, 10, "sort");
	limit = qlik_arg_int(fcinfo, 12, "page_size", 100, 1, 100);
	check_resource_types(resource_type);
	qlik_check_enum_list(space_type, "space_type", space_types);
	qlik_check_enum(sort, "sort", sorts);
	if (resource_id != NULL && resource_type == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("resource_id needs a resource_type"),
				 errhint("Qlik looks a resource id up within a type: give resource_type => 'app' for an app.")));

	initStringInfo(&path);
	appendStringInfoString(&path, "/api/v1/items");
	qlik_query_add(&path, "resourceType", resource_type);
	qlik_query_add(&path, "name", name);
	qlik_query_add(&path, "spaceId", space_id);
	qlik_query_add(&path, "spaceType", space_type);
	qlik_query_add(&path, "resourceId", resource_id);
	qlik_query_add(&path, "ownerId", owner_id);
	qlik_query_add(&path, "query", query);
	qlik_query_add(&path, "collectionId", collection_id);
	qlik_query_add(&path, "createdByUserId", created_by);
	qlik_query_add(&path, "sort", sort);
	if (!PG_ARGISNULL(11))
		qlik_query_add(&path, "noActions", PG_GETARG_BOOL(11) ? "true" : "false");
	qlik_query_add(&path, "limit", psprintf("%d", limit));
	return path.data;
}

Datum
qlik_list_items(PG_FUNCTION_ARGS)
{
	return qlik_list_srf(fcinfo, list_items_path, item_fields);
}
