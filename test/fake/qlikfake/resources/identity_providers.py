"""Identity providers API: POST/GET /api/v1/identity-providers, GET/PATCH/DELETE
/api/v1/identity-providers/{id}, GET /api/v1/identity-providers/status and /me/meta.

Contract: identity-providers.json, @qlik/api identity-providers.d.ts, qlik-api.md 3.3.
Errors in the identity-providers style (status a number, no traceId); Qlik's codes for this
API are not documented, so the fake uses HTTP-<status>.

State: tenant.extra["idps"] = {id: IdP dict as rendered, plus "_popts"}.

The create body is a oneOf (OIDC | jwtAuth | SAML) with a discriminator on "protocol"; the
validator dispatches on it (an unknown or missing protocol is a 400 on /protocol).
- jwtAuth (CreateJWTAuthPayload): provider "external", options {issuer, staticKeys [{kid,
  pem}] (exactly 1: "Limited to 1 key per identity provider")}, tenantIds?, description
  (<= 128), clockToleranceSec (0..7200, default 5). Unknown fields are rejected EXCEPT the
  ones Qlik's own scripts and the seed walkthrough send although the schema lacks them:
  top-level "interactive" (must be false: a JWT IdP is not interactive) and "active"
  (default true), and options.jwtLoginEnabled (boolean, echoed back) -- qlik-api.md 3.3, 4.
  A pem must look like PEM (-----BEGIN ...----- ... -----END ...-----); it is not parsed.
- OIDC and SAML are accepted with a light check (provider per protocol, interactive
  required, options or pendingOptions objects, not looked into): the fake cannot run an
  interactive login anyway. pendingOptions gives an inactive IdP in pendingState "pending";
  options give an active one when skipVerify is true or the IdP is not interactive. A tenant has at most one active
  interactive IdP (400 for a second), and it cannot be deleted (400, documented).
- A second jwtAuth IdP with the same issuer AND the same key id is a 400 (POST documents 400
  and 403 only, no 409): a login could not tell them apart. The same issuer with another kid
  is accepted: an IdP holds one key ("Limited to 1 key per identity provider") and its PATCH
  changes only the description, so a key rotation without downtime is a second IdP with the
  new key beside the first (the login picks the IdP by issuer and kid), then a DELETE.
- tenantIds defaults to [the caller's tenant]; a list without the caller's tenant is 403
  (documented: "the tenantID in the JWT does not match any of the tenantIDs in the payload").
- POST, PATCH, DELETE and GET status need TenantAdmin (403; the spec says so for each).
  Reads of the list and of one IdP check no role.
- QLIK-IDP-POPTS (a uuid "representing a hash of the current configuration") comes with
  the 201 and with GET /{id}; it changes when the IdP changes.
- PATCH follows the types: jwtAuth only "replace /description"; OIDC/SAML replace of
  /active, /description, /clockToleranceSec, /postLogoutRedirectUri, /meta, /options...,
  /pendingOptions... and "promote-options" (pendingOptions become options, IdP active).
  The QLIK-IDP-OPTS-MATCH precondition (412) is not modelled.
- Listing: newest last (by created, then id), cursor paging next/prev, limit 1..100
  (default 20), active=true|false filter.
"""
import hashlib
import json
import uuid

from .. import paging, perms, util, validate
from ..errors import QlikError
from ..routing import route
from ..server import Response, json_response
from ..state import DUMP_HOOKS, TENANT_INIT_HOOKS

SERVICE = "identity-providers"


def _pem_problem(v):
    s = v.strip()
    if not (s.startswith("-----BEGIN ") and s.endswith("-----") and "-----END " in s):
        return "pem must be a PEM-encoded public key or certificate"
    return None


JWT_SCHEMA = {
    "type": "object", "required": ["provider", "protocol", "options"],
    "properties": {
        "provider": {"type": "string", "enum": ["external"]},
        "protocol": {"type": "string", "enum": ["jwtAuth"]},
        "options": {
            "type": "object", "required": ["issuer", "staticKeys"],
            "properties": {
                "issuer": {"type": "string", "minLength": 1},
                "staticKeys": {"type": "array", "minItems": 1, "maxItems": 1, "items": {
                    "type": "object", "required": ["kid", "pem"],
                    "properties": {"kid": {"type": "string", "minLength": 1},
                                   "pem": {"type": "string", "check": _pem_problem}},
                    "additionalProperties": False}},
                # not in the schema; Qlik's curl scripts send it (qlik-api.md 3.3)
                "jwtLoginEnabled": {"type": "boolean"},
            },
            "additionalProperties": False},
        "tenantIds": {"type": "array", "items": {"type": "string"}},
        "description": {"type": "string", "maxLength": 128},
        "clockToleranceSec": {"type": "integer", "minimum": 0, "maximum": 7200},
        # not in the schema; Qlik's curl scripts and the seed walkthrough send them
        "interactive": {"type": "boolean", "const": False},
        "active": {"type": "boolean"},
    },
    "additionalProperties": False,
}


def _interactive_schema(protocol, providers):
    return {
        "type": "object", "required": ["provider", "protocol", "interactive"],
        "properties": {
            "provider": {"type": "string", "enum": providers},
            "protocol": {"type": "string", "enum": [protocol]},
            "interactive": {"type": "boolean"},
            "options": {"type": "object", "additionalProperties": True},
            "pendingOptions": {"type": "object", "additionalProperties": True},
            "skipVerify": {"type": "boolean"},
            "createNewUsersOnLogin": {"type": "boolean"},
            "postLogoutRedirectUri": {"type": "string"},
            "tenantIds": {"type": "array", "items": {"type": "string"}},
            "description": {"type": "string", "maxLength": 128},
            "clockToleranceSec": {"type": "integer", "minimum": 0, "maximum": 7200},
        },
        "additionalProperties": False,
    }


CREATE_SCHEMA = {"type": "object", "oneOf": [], "discriminator": {
    "propertyName": "protocol",
    "mapping": {
        "jwtAuth": JWT_SCHEMA,
        "OIDC": _interactive_schema("OIDC", ["auth0", "okta", "generic", "salesforce",
                                             "keycloak", "adfs", "azureAD"]),
        "SAML": _interactive_schema("SAML", ["okta", "generic", "adfs", "azureAD"]),
    }}}

PATCH_PATHS = {
    "jwtAuth": [(r"/description", {"type": "string", "maxLength": 128}, ("replace",))],
    "OIDC": [(r"/active", {"type": "boolean"}, ("replace",)),
             (r"/description", {"type": "string", "maxLength": 128}, ("replace",)),
             (r"/clockToleranceSec", {"type": "integer", "minimum": 0, "maximum": 7200},
              ("replace",)),
             (r"/postLogoutRedirectUri", {"type": "string"}, ("replace",)),
             (r"/meta", {"type": "object", "additionalProperties": True}, ("replace",)),
             (r"/(options|pendingOptions)(/(realm|discoveryUrl|claimsMapping|clientId|"
              r"clientSecret|emailVerifiedAlwaysTrue|idTokenSignatureAlg|decryptingKey))?",
              {"type": "any"}, ("replace",))],
    "SAML": [(r"/active", {"type": "boolean"}, ("replace",)),
             (r"/description", {"type": "string", "maxLength": 128}, ("replace",)),
             (r"/clockToleranceSec", {"type": "integer", "minimum": 0, "maximum": 7200},
              ("replace",)),
             (r"/postLogoutRedirectUri", {"type": "string"}, ("replace",)),
             (r"/pendingOptions(/(nameIdFormat|allowIdpInitiatedLogin|entityId|signOnUrl|"
              r"metadata|certificates|claimsMapping))?", {"type": "any"}, ("replace",))],
}


def _init(state, tenant):
    tenant.extra["idps"] = {}


def _dump(state, tenant):
    return [render(i) for i in tenant.extra["idps"].values()]


TENANT_INIT_HOOKS.append(_init)
DUMP_HOOKS["identity_providers"] = _dump


def render(idp):
    return {k: v for k, v in idp.items() if not k.startswith("_")}


def _popts(idp):
    raw = json.dumps(render(idp), sort_keys=True).encode()
    return str(uuid.UUID(bytes=hashlib.sha256(raw).digest()[:16], version=4))


def not_found():
    return QlikError(404, "HTTP-404", "Not Found", "identity provider not found", service=SERVICE)


def _bad(detail, pointer=None):
    return QlikError(400, "HTTP-400", "Bad Request", detail, service=SERVICE,
                     source={"pointer": pointer} if pointer else None)


@route("POST", "/api/v1/identity-providers", service=SERVICE)
def create(ctx):
    perms.require(ctx, SERVICE)
    body = validate.read_json(ctx, CREATE_SCHEMA, SERVICE)
    tenant = ctx.tenant
    idps = tenant.extra["idps"]
    tids = body.get("tenantIds", [tenant.id])
    if tenant.id not in tids:
        raise QlikError(403, "HTTP-403", "Forbidden",
                        "tenantIds does not include the caller's tenant", service=SERVICE,
                        source={"pointer": "/tenantIds"})
    now = util.iso(util.now())
    proto = body["protocol"]
    idp = {"id": util.object_id(), "tenantIds": tids, "provider": body["provider"],
           "protocol": proto, "description": body.get("description", ""),
           "clockToleranceSec": body.get("clockToleranceSec", 5),
           "created": now, "lastUpdated": now}
    if proto == "jwtAuth":
        issuer = body["options"]["issuer"]
        kid = body["options"]["staticKeys"][0]["kid"]
        if any(i["protocol"] == "jwtAuth" and i["options"]["issuer"] == issuer
               and any(k.get("kid") == kid for k in i["options"].get("staticKeys", []))
               for i in idps.values()):
            raise _bad("a jwtAuth identity provider with issuer %r and key id %r exists"
                       % (issuer, kid), "/options/staticKeys/0/kid")
        idp.update({"active": body.get("active", True), "interactive": False,
                    "options": body["options"]})
    else:
        if "options" not in body and "pendingOptions" not in body:
            raise _bad("options or pendingOptions is required", "/options")
        # "For non-interactive IdPs, IdP must be created by sending options payload. For
        # interactive IdPs, send pendingOptions ...; or send options with skipVerify true."
        verified = "options" in body and (body.get("skipVerify") is True
                                          or not body["interactive"])
        if verified and body["interactive"] and any(
                i["interactive"] and i["active"] for i in idps.values()):
            raise _bad("the tenant already has an active interactive identity provider",
                       "/interactive")
        idp.update({"active": verified, "interactive": body["interactive"],
                    "createNewUsersOnLogin": body.get("createNewUsersOnLogin", True)})
        if "options" in body and verified:
            idp["options"] = body["options"]
        elif "options" in body:
            idp["pendingOptions"] = body["options"]
        if "pendingOptions" in body:
            idp["pendingOptions"] = body["pendingOptions"]
        if not verified:
            idp["pendingState"] = "pending"
        if "postLogoutRedirectUri" in body:
            idp["postLogoutRedirectUri"] = body["postLogoutRedirectUri"]
    idps[idp["id"]] = idp
    return json_response(render(idp), 201, [("QLIK-IDP-POPTS", _popts(idp))])


@route("GET", "/api/v1/identity-providers", service=SERVICE)
def list_idps(ctx):
    limit = validate.q_int(ctx, "limit", 20, 1, 100, SERVICE)
    active = validate.q_bool(ctx, "active", None, SERVICE)
    items = list(ctx.tenant.extra["idps"].values())
    if active is not None:
        items = [i for i in items if i["active"] == active]
    try:
        chosen, links = paging.page(ctx, items, lambda i: (i["created"], i["id"]), "+created",
                                    False, limit)
    except QlikError as e:
        e.service = SERVICE
        raise
    return json_response({"data": [render(i) for i in chosen], "links": links})


@route("GET", "/api/v1/identity-providers/status", service=SERVICE)
def status(ctx):
    perms.require(ctx, SERVICE)
    items = list(ctx.tenant.extra["idps"].values())
    return json_response({
        "active_interactive_idps_count": sum(1 for i in items if i["active"] and i["interactive"]),
        "idps_metadata": [{"active": i["active"], "interactive": i["interactive"],
                           "provider": i["provider"]} for i in items]})


@route("GET", "/api/v1/identity-providers/me/meta", service=SERVICE)
def me_meta(ctx):
    if any(i["active"] and i["interactive"] for i in ctx.tenant.extra["idps"].values()):
        raise not_found()   # "when no interactive IdP is enabled"
    return json_response({"userPortalLink": "https://account.myqlik.qlik.com/account"})


def _idp(ctx):
    idp = ctx.tenant.extra["idps"].get(ctx.params["id"])
    if idp is None:
        raise not_found()
    return idp


@route("GET", "/api/v1/identity-providers/{id}", service=SERVICE)
def get_idp(ctx):
    idp = _idp(ctx)
    return json_response(render(idp), 200, [("QLIK-IDP-POPTS", _popts(idp))])


@route("PATCH", "/api/v1/identity-providers/{id}", service=SERVICE)
def patch_idp(ctx):
    perms.require(ctx, SERVICE)
    idp = _idp(ctx)
    proto = idp["protocol"]
    ops = validate.json_patch(ctx, PATCH_PATHS[proto] + (
        [(r"/?", None, ("promote-options",))] if proto != "jwtAuth" else []), SERVICE,
        ops=("replace",) if proto == "jwtAuth" else ("replace", "promote-options"),
        pathless_ops=("promote-options",))
    new = json.loads(json.dumps(idp))
    for op, path, _m, value in ops:
        if op == "promote-options":
            if "pendingOptions" not in new:
                raise _bad("there are no pendingOptions to promote")
            new["options"] = new.pop("pendingOptions")
            new.pop("pendingState", None)
            new["active"] = True
            continue
        parts = path.strip("/").split("/")
        target = new
        for p in parts[:-1]:
            target = target.setdefault(p, {})
        target[parts[-1]] = value
    if new["interactive"] and new["active"] and not idp["active"] and any(
            i["interactive"] and i["active"] and i["id"] != idp["id"]
            for i in ctx.tenant.extra["idps"].values()):
        raise _bad("the tenant already has an active interactive identity provider", "/active")
    new["lastUpdated"] = util.iso(util.now())
    idp.clear()
    idp.update(new)
    return Response(204)


@route("DELETE", "/api/v1/identity-providers/{id}", service=SERVICE)
def delete_idp(ctx):
    perms.require(ctx, SERVICE)
    idp = _idp(ctx)
    if idp["interactive"] and idp["active"]:
        raise _bad("the interactive identity provider of the tenant can't be deleted")
    del ctx.tenant.extra["idps"][idp["id"]]
    return Response(204)
