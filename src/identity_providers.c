/*
 * identity_providers.c
 *		Qlik Cloud identity providers: a JWT provider (how an embedding
 *		application signs its users in), and the list.
 */
#include "qlikcloud.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "resource.h"

PG_FUNCTION_INFO_V1(qlik_create_jwt_idp);
PG_FUNCTION_INFO_V1(qlik_list_identity_providers);
PG_FUNCTION_INFO_V1(qlik_delete_identity_provider);

static const QlikField idp_fields[] = {
	{"issuer", "options.issuer"},
	{"key_ids", "options.staticKeys[].kid"},
	{"identity_provider", "*"},
	{NULL, NULL}
};

/*
 * pem must look like what Qlik verifies JWTs with: one PEM block of a
 * public key ("PUBLIC KEY", "RSA PUBLIC KEY") or of a certificate carrying
 * one, base64 inside.  A private key is refused by name: it must never
 * leave the application that signs.
 */
static void
check_public_key_pem(const char *pem)
{
	static const char *const labels[] = {"PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE", NULL};
	const char *p = pem;
	const char *label = NULL;
	const char *end;
	char	   *end_line;
	int			b64 = 0;

	while (isspace((unsigned char) *p))
		p++;
	if (strstr(pem, "PRIVATE KEY-----") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("public_key_pem is a private key"),
				 errhint("Give the public key (openssl pkey -in key.pem -pubout) or the certificate; "
						 "the private key stays with the application that signs the JWTs.")));
	if (strncmp(p, "-----BEGIN ", 11) == 0)
	{
		for (const char *const *l = labels; *l; l++)
		{
			size_t		n = strlen(*l);

			if (strncmp(p + 11, *l, n) == 0 && strncmp(p + 11 + n, "-----", 5) == 0)
			{
				label = *l;
				p += 11 + n + 5;
				break;
			}
		}
	}
	if (label == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("public_key_pem is not a PEM public key"),
				 errdetail("It should start with -----BEGIN PUBLIC KEY----- (or RSA PUBLIC KEY, or CERTIFICATE)."),
				 errhint("Give the whole PEM text, BEGIN and END lines included.")));

	end_line = psprintf("-----END %s-----", label);
	end = strstr(p, end_line);
	if (end == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("public_key_pem has no %s line", end_line)));
	for (; p < end; p++)
	{
		if (isalnum((unsigned char) *p) || *p == '+' || *p == '/' || *p == '=')
			b64++;
		else if (*p != '\n' && *p != '\r' && *p != ' ' && *p != '\t')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("public_key_pem is not a PEM public key"),
					 errdetail("Between its BEGIN and END lines a PEM block holds base64 only.")));
	}
	if (b64 < 64)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("public_key_pem is not a PEM public key"),
				 errdetail("Its base64 body is too short for a key.")));
	for (p = end + strlen(end_line); *p; p++)
	{
		if (isspace((unsigned char) *p))
			continue;
		if (strstr(p, "-----BEGIN ") != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("public_key_pem holds more than one PEM block"),
					 errhint("Qlik takes one key per JWT identity provider.")));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("public_key_pem has text after its %s line", end_line)));
	}
}

/*
 * The PEM argument: like any text argument, but CR allowed (a key file with
 * CRLF line ends).  check_public_key_pem refuses every other control
 * character.
 */
static char *
pem_arg(FunctionCallInfo fcinfo, int n)
{
	char	   *pem;

	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("public_key_pem must not be null")));
	pem = text_to_cstring(PG_GETARG_TEXT_PP(n));
	if (pem[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("public_key_pem must not be empty")));
	return pem;
}

/*
 * POST /api/v1/identity-providers, CreateJWTAuthPayload: provider
 * "external", protocol "jwtAuth", options {issuer, staticKeys [{kid, pem}]}
 * (one key at most), description (at most 128 characters),
 * clockToleranceSec (0 to 7200, default 5), tenantIds.
 */
Datum
qlik_create_jwt_idp(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *issuer = qlik_arg_text(fcinfo, 1, "issuer");
	char	   *kid = qlik_arg_text(fcinfo, 2, "key_id");
	char	   *pem = pem_arg(fcinfo, 3);
	char	   *description = qlik_arg_text_opt(fcinfo, 4, "description");
	int32		tolerance = qlik_arg_int(fcinfo, 5, "clock_tolerance_sec", 5, 0, 7200);
	List	   *tenant_ids = qlik_arg_id_array(fcinfo, 6, "tenant_ids");
	QlikBody	b;

	if (strpbrk(issuer, "\n\t") != NULL || strpbrk(kid, "\n\t") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("issuer and key_id must be on one line")));
	check_public_key_pem(pem);
	if (description != NULL && pg_mbstrlen(description) > 128)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("description has at most 128 characters, not %d", pg_mbstrlen(description))));

	qb_begin(&b, '{');
	qb_string(&b, "provider", "external");
	qb_string(&b, "protocol", "jwtAuth");
	qb_string(&b, "description", description);
	qb_int(&b, "clockToleranceSec", tolerance);
	if (!PG_ARGISNULL(6))
		qb_string_list(&b, "tenantIds", tenant_ids);
	qb_open(&b, "options", '{');
	qb_string(&b, "issuer", issuer);
	qb_open(&b, "staticKeys", '[');
	qb_open(&b, NULL, '{');
	qb_string(&b, "kid", kid);
	qb_string(&b, "pem", pem);
	qb_close(&b, '}');
	qb_close(&b, ']');
	qb_close(&b, '}');
	PG_RETURN_DATUM(qlik_object_result(fcinfo,
									   qlik_json_call(host, "POST", "/api/v1/identity-providers",
													  qb_end(&b), NIL, NULL),
									   idp_fields));
}

/* qlik_list_identity_providers(host, active, page_size) */
static char *
list_path(FunctionCallInfo fcinfo, char **tenant)
{
	int			limit;
	StringInfoData path;

	*tenant = qlik_arg_text(fcinfo, 0, "host");
	limit = qlik_arg_int(fcinfo, 2, "page_size", 100, 1, 100);

	initStringInfo(&path);
	appendStringInfoString(&path, "/api/v1/identity-providers");
	if (!PG_ARGISNULL(1))
		qlik_query_add(&path, "active", PG_GETARG_BOOL(1) ? "true" : "false");
	qlik_query_add(&path, "limit", psprintf("%d", limit));
	return path.data;
}

Datum
qlik_list_identity_providers(PG_FUNCTION_ARGS)
{
	return qlik_list_srf(fcinfo, list_path, idp_fields);
}

/*
 * DELETE /api/v1/identity-providers/{id}.  Qlik keeps one static key per
 * JWT identity provider and lets a PATCH change only its description, so a
 * key is rotated by creating a provider with the new key beside the old one
 * and deleting the old one later (the workflows' identity_provider aspect).
 */
Datum
qlik_delete_identity_provider(PG_FUNCTION_ARGS)
{
	char	   *host = qlik_arg_text(fcinfo, 0, "host");
	char	   *id = qlik_arg_id(fcinfo, 1, "identity_provider_id");

	(void) qlik_json_call(host, "DELETE", psprintf("/api/v1/identity-providers/%s", qlik_seg(id)),
						  NULL, NIL, NULL);
	PG_RETURN_VOID();
}
