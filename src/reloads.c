/*
 * reloads.c
 *		Qlik Cloud reloads (an app's data refreshed, with reload-time
 *		variables), waiting for one to end, its script log, and reload tasks
 *		(a reload schedule per app).
 *
 * A reload is QUEUED, then RELOADING (CANCELING after a cancel), then ends
 * SUCCEEDED, FAILED, CANCELED or EXCEEDED_LIMIT.  Qlik takes at most 20
 * variables, names and values strings of at most 256 characters: they are
 * checked here, before any request, so that a mistake costs nothing and a
 * workflow does not retry it.
 *
 * qlik_wait_reload polls with a growing delay.  Its sleeps wait on the
 * latch, so Ctrl-C and statement_timeout end it at once (57014); each poll
 * works in a memory context of its own, reset before the next, so a wait of
 * hours holds the memory of one answer.
 */
#include "qlikcloud.h"

#include "common/int.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "answer.h"
#include "dbtext.h"
#include "errors.h"
#include "http.h"
#include "resource.h"

PG_FUNCTION_INFO_V1(qlik_reload_app);
PG_FUNCTION_INFO_V1(qlik_get_reload);
PG_FUNCTION_INFO_V1(qlik_list_reloads);
PG_FUNCTION_INFO_V1(qlik_cancel_reload);
PG_FUNCTION_INFO_V1(qlik_wait_reload);
PG_FUNCTION_INFO_V1(qlik_reload_log);
PG_FUNCTION_INFO_V1(qlik_create_reload_task);
PG_FUNCTION_INFO_V1(qlik_get_reload_task);
PG_FUNCTION_INFO_V1(qlik_list_reload_tasks);
PG_FUNCTION_INFO_V1(qlik_update_reload_task);
PG_FUNCTION_INFO_V1(qlik_delete_reload_task);

/* Qlik's limits on reload-time variables (ReloadRequest.variables). */
#define MAX_VARIABLES 20
#define MAX_VARIABLE_CHARS 256

/* The wait's polls: the first after 250 ms, then each 1.5 times later, up to 5 s. */
#define WAIT_FIRST_MS 250
#define WAIT_MAX_MS 5000

static const QlikField reload_fields[] = {
	{"created_at", "creationTime"},
	{"started_at", "startTime"},
	{"ended_at", "endTime"},
	{"reload", "*"},
	{NULL, NULL}
};

static const QlikField task_fields[] = {
	{"task", "*"},
	{NULL, NULL}
};

static const char *const reload_statuses[] = {
	"QUEUED", "RELOADING", "CANCELING", "SUCCEEDED", "FAILED", "CANCELED", "EXCEEDED_LIMIT", NULL
};
static const char *const task_states[] = {"Enabled", "Disabled", "Completed", NULL};

static char *
reload_path(const char *reload_id, const char *suffix)
{
	return psprintf("/api/v1/reloads/%s%s", qlik_seg(reload_id), suffix ? suffix : "");
}

static char *
task_path(const char *task_id)
{
	return psprintf("/api/v1/reload-tasks/%s", qlik_seg(task_id));
}

static bool
arg_bool(FunctionCallInfo fcinfo, int n, bool *value)
{
	if (PG_NARGS() <= n || PG_ARGISNULL(n))
		return false;
	*value = PG_GETARG_BOOL(n);
	return true;
}

/*
 * The variables argument: a JSON object of at most 20 string values, names
 * and values of at most 256 characters.  Written into the body as
 * "variables"; NULL writes nothing.
 */
static void
add_variables(QlikBody *b, Jsonb *vars)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *name = NULL;
	int			count;

	if (vars == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(vars) || JB_ROOT_IS_SCALAR(vars))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("variables must be a JSON object of names and string values"),
				 errhint("For example '{\"vCustomer\": \"Acme\"}'.")));
	count = JB_ROOT_COUNT(vars);
	if (count > MAX_VARIABLES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a reload takes at most %d variables, not %d", MAX_VARIABLES, count),
				 errdetail("Qlik refuses more than %d reload-time variables.", MAX_VARIABLES)));

	qb_open(b, "variables", '{');
	it = JsonbIteratorInit(&vars->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			int			chars;

			name = pnstrdup(v.val.string.val, v.val.string.len);
			chars = pg_mbstrlen_with_len(v.val.string.val, v.val.string.len);
			if (chars == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("a reload variable's name must not be empty")));
			if (chars > MAX_VARIABLE_CHARS)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("reload variable name \"%.40s...\" has %d characters, more than %d",
								name, chars, MAX_VARIABLE_CHARS)));
		}
		else if (tok == WJB_VALUE)
		{
			char	   *value;
			int			chars;

			if (v.type != jbvString)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("reload variable \"%s\" must be a string", name),
						 errhint("Qlik takes variables as strings: write '\"42\"' rather than 42.")));
			value = pnstrdup(v.val.string.val, v.val.string.len);
			chars = pg_mbstrlen_with_len(v.val.string.val, v.val.string.len);
			if (chars > MAX_VARIABLE_CHARS)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("reload variable \"%s\" has a value of %d characters, more than %d",
								name, chars, MAX_VARIABLE_CHARS)));
			qb_string(b, name, value);
		}
	}
	qb_close(b, '}');
}

/* qlik_reload_app(host, app_id, variables, partial): POST /api/v1/reloads */
Datum
qlik_reload_app(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *app_id = qlik_arg_id(fcinfo, 1, "app_id");
	Jsonb	   *vars = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	bool		partial = false;
	QlikBody	b;

	(void) arg_bool(fcinfo, 3, &partial);
	qb_begin(&b, '{');
	qb_string(&b, "appId", app_id);
	qb_bool(&b, "partial", partial);
	add_variables(&b, vars);
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "POST", "/api/v1/reloads",
													  qb_end(&b), NIL, NULL),
									   reload_fields));
}

Datum
qlik_get_reload(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "reload_id");

	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET", reload_path(id, NULL), NULL, NIL, NULL),
									   reload_fields));
}

/*
 * qlik_list_reloads(host, app_id, status, partial, filter, sort, with_log,
 * page_size): status becomes Qlik's SCIM filter (status eq "..."), joined
 * to filter with "and" when both are given.
 */
static char *
list_reloads_path(FunctionCallInfo fcinfo, char **tenant)
{
	static const char *const sorts[] = {
		"creationTime", "+creationTime", "-creationTime", "status", "+status", "-status",
		"startTime", "+startTime", "-startTime", "endTime", "+endTime", "-endTime", NULL
	};
	char	   *app_id;
	char	   *status;
	bool		partial;
	bool		has_partial;
	char	   *filter;
	char	   *sort;
	bool		with_log = false;
	int			limit;
	StringInfoData path;

	*tenant = qlik_arg_text(fcinfo, 0, "host");
	app_id = qlik_arg_id_opt(fcinfo, 1, "app_id");
	status = qlik_arg_text_opt(fcinfo, 2, "status");
	has_partial = arg_bool(fcinfo, 3, &partial);
	filter = qlik_arg_text_opt(fcinfo, 4, "filter");
	sort = qlik_arg_text_opt(fcinfo, 5, "sort");
	(void) arg_bool(fcinfo, 6, &with_log);
	limit = qlik_arg_int(fcinfo, 7, "page_size", 100, 1, 100);
	qlik_check_enum(status, "status", reload_statuses);
	qlik_check_enum(sort, "sort", sorts);
	if (status != NULL)
		filter = filter ? psprintf("status eq \"%s\" and (%s)", status, filter)
			: psprintf("status eq \"%s\"", status);

	initStringInfo(&path);
	appendStringInfoString(&path, "/api/v1/reloads");
	qlik_query_add(&path, "appId", app_id);
	qlik_query_add(&path, "filter", filter);
	if (has_partial)
		qlik_query_add(&path, "partial", partial ? "true" : "false");
	qlik_query_add(&path, "sort", sort);
	if (with_log)
		qlik_query_add(&path, "log", "true");
	qlik_query_add(&path, "limit", psprintf("%d", limit));
	return path.data;
}

Datum
qlik_list_reloads(PG_FUNCTION_ARGS)
{
	return qlik_list_srf(fcinfo, list_reloads_path, reload_fields);
}

/*
 * POST .../actions/cancel: 204 when Qlik cancelled a queued reload at once,
 * 202 with {status: CANCELING} for one that was running.  Returns that
 * status.
 */
Datum
qlik_cancel_reload(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "reload_id");
	QlikHttpResponse *resp;
	Jsonb	   *answer;
	char	   *status = NULL;

	answer = qlik_json_call(host, "POST", reload_path(id, "/actions/cancel"), NULL, NIL, &resp);
	if (answer != NULL && JB_ROOT_IS_OBJECT(answer) && !JB_ROOT_IS_SCALAR(answer))
		status = qlik_jsonb_text(answer, "status");
	if (status == NULL)
		status = resp->status == 204 ? "CANCELED" : "CANCELING";
	PG_RETURN_TEXT_P(cstring_to_text(status));
}

static bool
reload_active(const char *status)
{
	return status != NULL &&
		(strcmp(status, "QUEUED") == 0 || strcmp(status, "RELOADING") == 0 ||
		 strcmp(status, "CANCELING") == 0);
}

/*
 * qlik_wait_reload(host, reload_id, timeout): the reload once it has ended,
 * whatever its end (SUCCEEDED, FAILED, ...).  Still running after timeout
 * (NULL: only statement_timeout bounds the wait): QKR02.
 */
Datum
qlik_wait_reload(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "reload_id");
	char	   *path = reload_path(id, NULL);
	TimestampTz start = GetCurrentTimestamp();
	TimestampTz deadline = 0;
	bool		has_deadline = false;
	long		delay = WAIT_FIRST_MS;
	MemoryContext poll_cxt;
	MemoryContext old;
	Jsonb	   *result;

	if (!PG_ARGISNULL(2))
	{
		Interval   *timeout = PG_GETARG_INTERVAL_P(2);
		int64		days_us;
		int64		months_us;
		int64		us;
		Interval	zero = {0};

		/*
		 * The sign by interval_lt (which cannot overflow), the length in int64
		 * microseconds with checks: '2147483647 days' overflowed into a
		 * negative timeout, and '-2147483647 days' into a positive one.  A
		 * wait longer than a timestamp can count has no deadline, as NULL.
		 */
		if (DatumGetBool(DirectFunctionCall2(interval_lt, IntervalPGetDatum(timeout),
											 IntervalPGetDatum(&zero))))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("timeout must not be negative")));
		has_deadline = !(pg_mul_s64_overflow(timeout->day, USECS_PER_DAY, &days_us) ||
						 pg_mul_s64_overflow((int64) timeout->month * DAYS_PER_MONTH,
											 USECS_PER_DAY, &months_us) ||
						 pg_add_s64_overflow(timeout->time, days_us, &us) ||
						 pg_add_s64_overflow(us, months_us, &us));
		if (has_deadline && pg_add_s64_overflow(start, us, &deadline))
			has_deadline = false;
	}

	poll_cxt = AllocSetContextCreate(CurrentMemoryContext, "qlikcloud reload wait",
									 ALLOCSET_SMALL_SIZES);
	for (;;)
	{
		Jsonb	   *obj;
		char	   *status;
		long		left;

		MemoryContextReset(poll_cxt);
		old = MemoryContextSwitchTo(poll_cxt);
		obj = qlik_json_call(host, "GET", path, NULL, NIL, NULL);
		status = obj != NULL && JB_ROOT_IS_OBJECT(obj) && !JB_ROOT_IS_SCALAR(obj)
			? qlik_jsonb_text(obj, "status") : NULL;
		MemoryContextSwitchTo(old);
		if (!reload_active(status))
		{
			/* ended (or an answer the row will judge): keep it, drop the rest */
			result = NULL;
			if (obj != NULL)
			{
				result = palloc(VARSIZE(obj));
				memcpy(result, obj, VARSIZE(obj));
			}
			break;
		}
		if (has_deadline)
		{
			left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
			if (left <= 0)
				ereport(ERROR,
						(errcode(ERRCODE_QLIK_RELOAD_WAIT),
						 errmsg("reload %s is still %s after the wait's timeout", id,
								qlik_db_text_bounded(status, strlen(status), 32)),
						 errdetail("Waited %ld ms on %s.",
								   (long) ((GetCurrentTimestamp() - start) / 1000), host),
						 errhint("Wait again with qlikcloud.qlik_wait_reload, or cancel it with qlikcloud.qlik_cancel_reload.")));
			if (delay > left)
				delay = left;
		}
		qlik_interruptible_sleep(delay);
		delay = Min(delay * 3 / 2, WAIT_MAX_MS);
	}
	MemoryContextDelete(poll_cxt);
	PG_RETURN_DATUM(qlik_object_result(fcinfo, result, reload_fields));
}

/*
 * GET /api/v1/apps/{appId}/reloads/logs/{reloadId}: the script log of an
 * ended reload: UTF-8 text, which Qlik serves as application/octet-stream
 * (whatever the content type, it is read as text).  Lines are kept; every other control
 * character and invalid byte is made valid as any text from Qlik is.
 */
Datum
qlik_reload_log(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *app_id = qlik_arg_id(fcinfo, 1, "app_id");
	char	   *reload_id = qlik_arg_id(fcinfo, 2, "reload_id");
	QlikCall	call;
	QlikHttpResponse *resp;
	char	   *rhost;
	StringInfoData out;
	const char *p;
	const char *end;

	qlik_call_init(&call);
	call.tenant = host;
	call.method = "GET";
	call.path = psprintf("/api/v1/apps/%s/reloads/logs/%s", qlik_seg(app_id), qlik_seg(reload_id));
	resp = qlik_call(&call, &rhost);

	initStringInfo(&out);
	p = resp->body;
	end = resp->body + resp->body_len;
	while (p < end)
	{
		const char *nl = memchr(p, '\n', end - p);
		size_t		len = (nl ? nl : end) - p;

		if (len > 0 && p[len - 1] == '\r')
			len--;
		appendStringInfoString(&out, qlik_db_text(p, len));
		if (nl == NULL)
			break;
		appendStringInfoChar(&out, '\n');
		p = nl + 1;
	}
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out.data, out.len));
}

/* ---- reload tasks ---- */

/* time_zone: an IANA name PostgreSQL knows too ("Europe/Zurich", "UTC"). */
static void
check_time_zone(const char *tz)
{
	if (tz != NULL && pg_tzset(tz) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time_zone \"%s\" is not a time zone name", tz),
				 errhint("Use an IANA name such as Europe/Zurich (SELECT name FROM pg_timezone_names).")));
}

/* recurrence: RFC 5545 RRULE lines; Qlik refuses DTSTART and DTEND there. */
static void
check_recurrence(List *lines)
{
	ListCell   *lc;

	foreach(lc, lines)
	{
		const char *s = lfirst(lc);

		if (strncmp(s, "RRULE:", 6) != 0 || s[6] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("recurrence line \"%.60s\" is not an RRULE", s),
					 errhint("Write lines such as 'RRULE:FREQ=DAILY;BYHOUR=3;BYMINUTE=0'; the start and end go in start_date_time and end_date_time.")));
	}
}

/*
 * The body of a create (existing NULL) or an update (existing: the task as
 * Qlik has it, whose fields fill in what the caller left NULL, so that the
 * PUT carries the whole task).  Arguments from index first: time_zone,
 * recurrence, start_date_time, end_date_time, partial, auto_reload,
 * auto_reload_partial.
 */
static void
task_body(QlikBody *b, FunctionCallInfo fcinfo, int first, Jsonb *existing)
{
	static const char *const text_keys[] = {"timeZone", NULL, "startDateTime", "endDateTime"};
	static const char *const bool_keys[] = {"partial", "autoReload", "autoReloadPartial"};
	List	   *recurrence;

	for (int i = 0; i < 4; i++)
	{
		char	   *v;

		if (i == 1)
		{
			recurrence = qlik_arg_text_array(fcinfo, first + 1, "recurrence");
			check_recurrence(recurrence);
			if (!PG_ARGISNULL(first + 1))
				qb_string_list(b, "recurrence", recurrence);
			else if (existing != NULL && qlik_jsonb_get(existing, "recurrence") != NULL)
			{
				Jsonb	   *r = qlik_jsonb_get(existing, "recurrence");

				qb_raw(b, "recurrence", JsonbToCString(NULL, &r->root, VARSIZE(r)));
			}
			continue;
		}
		/* start and end may be '' (Qlik: not set), so read them as they are */
		v = PG_ARGISNULL(first + i) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(first + i));
		if (v != NULL && i == 0)
			check_time_zone(v);
		if (v == NULL && existing != NULL)
			v = qlik_jsonb_text(existing, text_keys[i]);
		qb_string(b, text_keys[i], v);
	}
	for (int i = 0; i < 3; i++)
	{
		bool		v;

		if (arg_bool(fcinfo, first + 4 + i, &v))
			qb_bool(b, bool_keys[i], v);
		else if (existing != NULL)
		{
			char	   *old = qlik_jsonb_text(existing, bool_keys[i]);

			if (old != NULL)
				qb_bool(b, bool_keys[i], strcmp(old, "true") == 0);
		}
	}
}

/*
 * qlik_create_reload_task(host, app_id, time_zone, recurrence,
 * start_date_time, end_date_time, partial, auto_reload, auto_reload_partial)
 */
Datum
qlik_create_reload_task(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *app_id = qlik_arg_id(fcinfo, 1, "app_id");
	QlikBody	b;

	(void) qlik_arg_text(fcinfo, 2, "time_zone");
	qb_begin(&b, '{');
	qb_string(&b, "appId", app_id);
	task_body(&b, fcinfo, 2, NULL);
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "POST", "/api/v1/reload-tasks",
													  qb_end(&b), NIL, NULL),
									   task_fields));
}

Datum
qlik_get_reload_task(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "task_id");

	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET", task_path(id), NULL, NIL, NULL),
									   task_fields));
}

/* qlik_list_reload_tasks(host, app_id, partial, page_size) */
static char *
list_tasks_path(FunctionCallInfo fcinfo, char **tenant)
{
	char	   *app_id;
	bool		partial;
	bool		has_partial;
	int			limit;
	StringInfoData path;

	*tenant = qlik_arg_text(fcinfo, 0, "host");
	app_id = qlik_arg_id_opt(fcinfo, 1, "app_id");
	has_partial = arg_bool(fcinfo, 2, &partial);
	limit = qlik_arg_int(fcinfo, 3, "page_size", 100, 1, 100);

	initStringInfo(&path);
	appendStringInfoString(&path, "/api/v1/reload-tasks");
	qlik_query_add(&path, "appId", app_id);
	if (has_partial)
		qlik_query_add(&path, "partial", partial ? "true" : "false");
	qlik_query_add(&path, "limit", psprintf("%d", limit));
	return path.data;
}

Datum
qlik_list_reload_tasks(PG_FUNCTION_ARGS)
{
	return qlik_list_srf(fcinfo, list_tasks_path, task_fields);
}

/*
 * qlik_update_reload_task(host, task_id, time_zone, recurrence,
 * start_date_time, end_date_time, partial, auto_reload,
 * auto_reload_partial, state): the task is read first and sent back whole
 * with the given fields changed, since PUT replaces it.
 */
Datum
qlik_update_reload_task(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "task_id");
	char	   *state = qlik_arg_text_opt(fcinfo, 9, "state");
	Jsonb	   *existing;
	QlikBody	b;

	qlik_check_enum(state, "state", task_states);
	if (!PG_ARGISNULL(2))
		check_time_zone(text_to_cstring(PG_GETARG_TEXT_PP(2)));
	check_recurrence(qlik_arg_text_array(fcinfo, 3, "recurrence"));

	existing = qlik_json_call(host, "GET", task_path(id), NULL, NIL, NULL);
	if (existing == NULL || !JB_ROOT_IS_OBJECT(existing) || JB_ROOT_IS_SCALAR(existing))
		ereport(ERROR,
				(errcode(ERRCODE_QLIK_BAD_RESPONSE),
				 errmsg("Qlik Cloud answered with no reload task where one was expected"),
				 errdetail_internal("%s", qlik_last_answer())));
	qb_begin(&b, '{');
	qb_string(&b, "appId", qlik_jsonb_text(existing, "appId"));
	task_body(&b, fcinfo, 2, existing);
	qb_string(&b, "state", state ? state : qlik_jsonb_text(existing, "state"));
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "PUT", task_path(id),
													  qb_end(&b), NIL, NULL),
									   task_fields));
}

Datum
qlik_delete_reload_task(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "task_id");

	(void) qlik_json_call(host, "DELETE", task_path(id), NULL, NIL, NULL);
	PG_RETURN_VOID();
}
