/*
 * tenants.c
 *		Qlik Cloud tenants: create, read, update, deactivate, reactivate.
 *
 * Creation, deactivation and reactivation go to a region's register host
 * (register.<region>.qlikcloud.com) with a regional OAuth client; reading and
 * updating a tenant go to the tenant's own host.  Creation is not
 * idempotent (Qlik gives the tenant a random name and consumes a license
 * slot), so it is never retried after its outcome became unknown: see
 * http.c.
 */
#include "qlikcloud.h"

#include "credentials.h"
#include "errors.h"
#include "http.h"
#include "resource.h"

PG_FUNCTION_INFO_V1(qlik_create_tenant);
PG_FUNCTION_INFO_V1(qlik_get_tenant);
PG_FUNCTION_INFO_V1(qlik_current_tenant);
PG_FUNCTION_INFO_V1(qlik_tenant_host_exists);
PG_FUNCTION_INFO_V1(qlik_update_tenant);
PG_FUNCTION_INFO_V1(qlik_deactivate_tenant);
PG_FUNCTION_INFO_V1(qlik_reactivate_tenant);

/* Columns of every function that returns a tenant. */
static const QlikField tenant_fields[] = {
	{"hostname", "hostnames[0]"},
	{"last_updated", "lastUpdated"},
	{"tenant", "*"},
	{NULL, NULL}
};

/* Datacenters Qlik lists for TenantCreationRequest.datacenter. */
static const char *const datacenters[] = {
	"ap-northeast-1", "ap-southeast-1", "ap-southeast-2", "eu-central-1",
	"eu-west-1", "eu-west-2", "us-east-1", NULL
};

static char *
tenant_path(const char *tenant_id)
{
	return psprintf("/api/v1/tenants/%s", qlik_seg(tenant_id));
}

Datum
qlik_create_tenant(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "register_host");
	char	   *license_key = qlik_arg_text(fcinfo, 1, "license_key");
	char	   *datacenter = qlik_arg_text_opt(fcinfo, 2, "datacenter");
	QlikBody	b;

	for (const char *p = license_key; *p; p++)
		if (isspace((unsigned char) *p))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("license_key must not contain white space"),
					 errhint("Pass the signed licenseKey of qlikcloud.qlik_license_overview() as it is.")));
	qlik_check_enum(datacenter, "datacenter", datacenters);

	qb_begin(&b, '{');
	qb_string(&b, "licenseKey", license_key);
	qb_string(&b, "datacenter", datacenter);
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "POST", "/api/v1/tenants",
													  qb_end(&b), NIL, NULL),
									   tenant_fields));
}

Datum
qlik_get_tenant(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "tenant_id");

	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET", tenant_path(id), NULL, NIL, NULL),
									   tenant_fields));
}

Datum
qlik_current_tenant(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");

	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET", "/api/v1/tenants/me", NULL, NIL, NULL),
									   tenant_fields));
}

/*
 * Does a tenant answer at this host?  Qlik's edge answers 401 LOGIN-2 ("No
 * authentication configured for this hostname") for a host no tenant has,
 * whatever the request; a tenant's host answers otherwise.  So the question
 * needs no token, and no credential's secret goes to a host that may belong
 * to nobody: a workflow checking that a new tenant's alias is free asks for
 * no token it cannot use.  Only a host some credential serves is asked, as
 * for every other call: this is no way to reach any host from the server.
 * Errors (5xx, 429 after the retries, transport) are raised, since they
 * answer nothing.
 */
Datum
qlik_tenant_host_exists(PG_FUNCTION_ARGS)
{
	char	   *arg = qlik_arg_text(fcinfo, 0, "host");
	char	   *host;
	QlikCredential *cred;
	QlikHttpRequest req;
	QlikHttpResponse *resp;
	QlikErrorInfo info;

	cred = qlik_resolve_target(arg, &host);
	qlik_credential_forget_secret(cred);
	qlik_http_request_init(&req);
	req.method = "GET";
	req.url = psprintf("https://%s/api/v1/tenants/me", host);
	req.idempotent = true;
	req.follow_redirects = false;
	req.what = "GET /api/v1/tenants/me";
	resp = qlik_http_perform(&req);
	if (resp->status == 401)
	{
		qlik_parse_error(resp, &info);
		PG_RETURN_BOOL(info.code == NULL || strcmp(info.code, "LOGIN-2") != 0);
	}
	if (resp->status == 429 || resp->status >= 500)
		qlik_raise_http_error(resp, host, req.what, NULL, NULL);
	PG_RETURN_BOOL(true);
}

static void
patch_op(QlikBody *b, const char *path)
{
	qb_open(b, NULL, '{');
	qb_string(b, "op", "replace");
	qb_string(b, "path", path);
}

/*
 * PATCH what was given (JSON Patch "replace" operations), then read the
 * tenant back: Qlik answers the PATCH with 204 and no body.
 */
Datum
qlik_update_tenant(PG_FUNCTION_ARGS)
{
	static const char *const bool_paths[] = {
		"/enableAnalyticCreation", "/enableAppOpeningFeedback",
		"/autoAssignCreateSharedSpacesRoleToProfessionals",
		"/autoAssignPrivateAnalyticsContentCreatorRoleToProfessionals",
		"/autoAssignDataServicesContributorRoleToProfessionals"
	};
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "tenant_id");
	char	   *name = qlik_arg_text_opt(fcinfo, 2, "name");
	char	   *alias = qlik_arg_text_opt(fcinfo, 3, "alias_hostname");
	QlikBody	b;
	int			ops = 0;

	if (alias != NULL)
	{
		char	   *norm = qlik_normalize_host(alias);
		const char *dot;

		if (norm == NULL || (dot = strchr(norm, '.')) == NULL ||
			dot - norm < 3 || dot - norm > 63)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("\"%s\" is not a valid alias hostname", alias),
					 errdetail("An alias is a full host name whose first label has 3 to 63 letters, digits or hyphens, "
							   "such as acme.us.qlikcloud.com.")));
		alias = norm;
	}

	qb_begin(&b, '[');
	if (name != NULL)
	{
		patch_op(&b, "/name");
		qb_string(&b, "value", name);
		qb_close(&b, '}');
		ops++;
	}
	if (alias != NULL)
	{
		patch_op(&b, "/hostnames/1");
		qb_string(&b, "value", alias);
		qb_close(&b, '}');
		ops++;
	}
	for (int i = 0; i < (int) lengthof(bool_paths); i++)
	{
		if (PG_NARGS() <= 4 + i || PG_ARGISNULL(4 + i))
			continue;
		patch_op(&b, bool_paths[i]);
		qb_bool(&b, "value", PG_GETARG_BOOL(4 + i));
		qb_close(&b, '}');
		ops++;
	}
	if (ops == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nothing to update"),
				 errhint("Give at least one of name, alias_hostname or the settings.")));

	(void) qlik_json_call(host, "PATCH", tenant_path(id), qb_end(&b), NIL, NULL);
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "GET", tenant_path(id), NULL, NIL, NULL),
									   tenant_fields));
}

/* The qlik-confirm-hostname header: a host name, checked. */
static List *
confirm_header(FunctionCallInfo fcinfo, int n)
{
	char	   *given = qlik_arg_text(fcinfo, n, "confirm_hostname");
	char	   *host = qlik_normalize_host(given);

	if (host == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confirm_hostname \"%s\" is not a host name", given),
				 errhint("Give one of the tenant's hostnames, such as acme.us.qlikcloud.com.")));
	return list_make1(qlik_check_header("qlik-confirm-hostname", host));
}

static const QlikField status_fields[] = {
	{"estimated_purge_date", "estimatedPurgeDate"},
	{NULL, NULL}
};

Datum
qlik_deactivate_tenant(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "register_host");
	char	   *id = qlik_arg_id(fcinfo, 1, "tenant_id");
	List	   *headers = confirm_header(fcinfo, 2);
	int32		days = PG_ARGISNULL(3) ? 30 : PG_GETARG_INT32(3);
	QlikBody	b;

	/* Qlik's bounds; checked here so that no request goes out. */
	if (days < 10 || days > 90)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("purge_after_days must be between 10 and 90, not %d", days)));
	qb_begin(&b, '{');
	qb_int(&b, "purgeAfterDays", days);
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "POST",
													  psprintf("%s/actions/deactivate", tenant_path(id)),
													  qb_end(&b), headers, NULL),
									   status_fields));
}

Datum
qlik_reactivate_tenant(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "register_host");
	char	   *id = qlik_arg_id(fcinfo, 1, "tenant_id");
	List	   *headers = confirm_header(fcinfo, 2);
	Jsonb	   *result;

	result = qlik_json_call(host, "POST", psprintf("%s/actions/reactivate", tenant_path(id)),
							"{}", headers, NULL);
	PG_RETURN_DATUM(qlik_object_result(fcinfo, result, status_fields));
}
