/*
 * resource.h
 *		What every typed Qlik function needs: argument checks, request
 *		bodies, paths and queries (resource.c); Qlik objects turned into
 *		rows, and lists followed page after page (rows.c).
 */
#ifndef QLIKCLOUD_RESOURCE_H
#define QLIKCLOUD_RESOURCE_H

#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/jsonb.h"

#include "client.h"

/* ---- arguments: checked before any request goes out ---- */
extern char *qlik_arg_text(FunctionCallInfo fcinfo, int n, const char *name);
extern char *qlik_arg_text_opt(FunctionCallInfo fcinfo, int n, const char *name);
extern char *qlik_arg_id(FunctionCallInfo fcinfo, int n, const char *name);
extern char *qlik_arg_id_opt(FunctionCallInfo fcinfo, int n, const char *name);
extern List *qlik_arg_text_array(FunctionCallInfo fcinfo, int n, const char *name);
extern void qlik_check_enum(const char *value, const char *name,
							const char *const *allowed);
extern void qlik_check_enum_list(const char *value, const char *name,
								 const char *const *allowed);
extern int32 qlik_arg_int(FunctionCallInfo fcinfo, int n, const char *name,
						  int32 dflt, int32 min, int32 max);
extern List *qlik_arg_id_array(FunctionCallInfo fcinfo, int n, const char *name);
extern void qlik_check_sort_field(const char *sort);

/* ---- request bodies, written as JSON text ---- */
typedef struct QlikBody
{
	StringInfoData buf;
	bool		need_comma[16];
	int			depth;
} QlikBody;

extern void qb_begin(QlikBody *b, char open);	/* '{' or '[' */
extern char *qb_end(QlikBody *b);
extern void qb_key(QlikBody *b, const char *key);
extern void qb_open(QlikBody *b, const char *key, char open);
extern void qb_close(QlikBody *b, char close);
extern void qb_string(QlikBody *b, const char *key, const char *value);
extern void qb_bool(QlikBody *b, const char *key, bool value);
extern void qb_int(QlikBody *b, const char *key, int64 value);
extern void qb_raw(QlikBody *b, const char *key, const char *json);
extern void qb_string_list(QlikBody *b, const char *key, List *values);
/* JSON Patch operations, in a body begun with '[': {"op", "path", "value"} */
extern void qb_patch_open(QlikBody *b, const char *op, const char *path);
extern void qb_patch_string(QlikBody *b, const char *op, const char *path, const char *value);
extern void qb_refs(QlikBody *b, const char *key, List *ids, const char *ids_name,
					List *names, const char *names_name);

/* ---- paths and query strings ---- */
extern char *qlik_seg(const char *value);	/* a path segment, escaped */
extern void qlik_query_add(StringInfo path, const char *name, const char *value);
extern char *qlik_list_path(const char *base, const char *filter, const char *sort, int limit);

/* ---- calls ---- */
extern Jsonb *qlik_json_call(const char *tenant, const char *method, const char *path,
							 const char *body, List *headers,
							 QlikHttpResponse **resp_out);

/* ---- Qlik objects as rows ----
 *
 * A column is filled from the object by a path: "name", "a.b", "a[0]",
 * "a[].name" (the name of every element, for a text[] column) or "*" (the
 * whole object, for a jsonb column).  A column without a field entry takes
 * the camelCase of its own name ("tenant_id" -> "tenantId").
 */
typedef struct QlikField
{
	const char *column;
	const char *path;
} QlikField;

extern HeapTuple qlik_object_row(TupleDesc tupdesc, Jsonb *obj,
								 const QlikField *fields);

/* The same for many objects of one result type: the columns planned once. */
typedef struct QlikRowPlan QlikRowPlan;
extern QlikRowPlan *qlik_row_plan(TupleDesc tupdesc, const QlikField *fields);
extern HeapTuple qlik_plan_row(QlikRowPlan *plan, Jsonb *obj);
extern Datum qlik_object_result(FunctionCallInfo fcinfo, Jsonb *obj,
								const QlikField *fields);
extern Jsonb *qlik_jsonb_get(Jsonb *obj, const char *path);
extern char *qlik_jsonb_text(Jsonb *obj, const char *path);

/* ---- lists, followed page after page ---- */
typedef struct QlikList QlikList;

extern QlikList *qlik_list_begin(const char *tenant, const char *path);
extern Jsonb *qlik_list_next(QlikList *list);

/*
 * A set-returning function over a Qlik list: build_path runs once, on the
 * first call, in the function's long-lived memory, and returns the path of
 * the first page (NULL: return no rows).  Rows are typed by the function's
 * result type and filled as qlik_object_row does.
 */
typedef char *(*QlikPathBuilder) (FunctionCallInfo fcinfo, char **tenant);
extern Datum qlik_list_srf(FunctionCallInfo fcinfo, QlikPathBuilder build_path,
						   const QlikField *fields);

#endif							/* QLIKCLOUD_RESOURCE_H */
