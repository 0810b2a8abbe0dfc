/*
 * licenses.c
 *		Qlik Cloud licenses: the overview (whose signed licenseKey creates
 *		tenants) and the auto-assign settings.
 *
 * The licenses API has an error shape of its own ({"error", "errors",
 * "message"}); errors.c reads it.
 */
#include "qlikcloud.h"

#include "resource.h"

PG_FUNCTION_INFO_V1(qlik_license_overview);
PG_FUNCTION_INFO_V1(qlik_license_settings);
PG_FUNCTION_INFO_V1(qlik_update_license_settings);

#define LICENSE_SETTINGS_PATH "/api/v1/licenses/settings"

static const QlikField overview_fields[] = {
	{"overview", "*"},
	{NULL, NULL}
};

static const QlikField settings_fields[] = {
	{"settings", "*"},
	{NULL, NULL}
};

Datum
qlik_license_overview(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");

	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET", "/api/v1/licenses/overview",
													  NULL, NIL, NULL),
									   overview_fields));
}

Datum
qlik_license_settings(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");

	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET", LICENSE_SETTINGS_PATH,
													  NULL, NIL, NULL),
									   settings_fields));
}

/*
 * A boolean setting: the argument when given, else the value Qlik has now
 * (read once, lazily), else false (Qlik's documents give no default; an
 * absent setting is off).
 */
static bool
setting_value(FunctionCallInfo fcinfo, int n, const char *host, Jsonb **current,
			  const char *key)
{
	char	   *text;

	if (!PG_ARGISNULL(n))
		return PG_GETARG_BOOL(n);
	if (*current == NULL)
		*current = qlik_json_call(host, "GET", LICENSE_SETTINGS_PATH, NULL, NIL, NULL);
	text = qlik_jsonb_text(*current, key);
	return text != NULL && strcmp(text, "true") == 0;
}

/*
 * PUT /licenses/settings replaces the settings: a field left out of the
 * body is not "unchanged" but absent.  So an argument left NULL keeps the
 * tenant's current value: read first (one GET), then PUT both.  Giving both
 * sends the PUT alone.
 */
Datum
qlik_update_license_settings(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	Jsonb	   *current = NULL;
	QlikBody	b;
	bool		professional;
	bool		analyzer;

	if (PG_ARGISNULL(1) && PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nothing to update"),
				 errhint("Give auto_assign_professional, auto_assign_analyzer or both.")));
	professional = setting_value(fcinfo, 1, host, &current, "autoAssignProfessional");
	analyzer = setting_value(fcinfo, 2, host, &current, "autoAssignAnalyzer");

	qb_begin(&b, '{');
	qb_bool(&b, "autoAssignProfessional", professional);
	qb_bool(&b, "autoAssignAnalyzer", analyzer);
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "PUT", LICENSE_SETTINGS_PATH,
													  qb_end(&b), NIL, NULL),
									   settings_fields));
}
