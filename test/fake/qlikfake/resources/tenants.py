"""Tenants API: create, read, patch, deactivate, reactivate.

    POST  register: /api/v1/tenants                               create (regional client)
    GET   both:     /api/v1/tenants/{tenantId}, /api/v1/tenants/me (302)
    PATCH tenant:   /api/v1/tenants/{tenantId}                    JSON Patch -> 204
    POST  register: /api/v1/tenants/{tenantId}/actions/deactivate -> 200
    POST  register: /api/v1/tenants/{tenantId}/actions/reactivate -> 200

Contract: tenants.json, @qlik/api tenants.d.ts, qlik-api.md 3.1, 3.5, 3.6. Errors in the
tenants style (status string, traceId). /tenants/me answers 302 with a relative Location (the
spec types it as a plain string; /users/me, typed "format: url", gets an absolute one),
unless config "redirects" says otherwise. On a register host there is no current tenant
(404); GET /tenants/{id} there answers for the tenants of that region, which is what a
regional client manages.

Choices where Qlik is silent (each marked [I] in qlik-api.md):
- create/deactivate/reactivate on a TENANT host: 403 HTTP-403 saying they belong on the
  register host (the docs say they "must be sent to the register endpoint"; what a tenant
  host answers is not documented).
- PATCH is served on tenant hosts only (the documented place, and where Qlik's tutorials
  send it); on a register host it is a 405.
- A taken or invalid alias is 400 TENANTS-10 with source.pointer "/hostnames/1" (PATCH
  documents no 409). The alias value may be the full hostname (the spec's example,
  "example-tenant.us.qlikcloud.com", in the tenant's own region) or the bare subdomain; the
  subdomain must be 3..63 characters of lowercase letters, digits and inner hyphens, and not
  "register". Setting it again replaces the previous alias.
- TenantPatchErrors has no status or traceId; the fake renders the tenants style anyway (a
  superset).
- A missing qlik-confirm-hostname header is 412, like a wrong one: reactivate documents no
  400 at all, and the header is the precondition that 412 is about.
- A deactivated tenant is purged at estimatedPurgeDate (state.purge_due, driven by the
  control clock, POST /clock): its hosts then answer as unknown (LOGIN-2) and GET
  /tenants/{id} on the register host is a 404.
- A new tenant shares the license of the key it was created with (resources/licenses.py),
  gets Qlik's default roles and an empty everything else; the regional client's first token
  on it creates its TenantAdmin bot user (state.ensure_bot).
- With config strict_scopes, create/deactivate/reactivate need the client's
  tenants:create / tenants:deactivate / tenants:reactivate scope (403 otherwise).
"""
import re
import secrets

from .. import perms, util, validate
from ..errors import QlikError
from ..routing import route
from ..server import Response, json_response, redirect_response
from ..state import DOMAIN, REGIONS
from . import licenses

SERVICE = "tenants"
FLAGS = ("autoAssignCreateSharedSpacesRoleToProfessionals",
         "autoAssignPrivateAnalyticsContentCreatorRoleToProfessionals",
         "autoAssignDataServicesContributorRoleToProfessionals",
         "enableAnalyticCreation", "enableAppOpeningFeedback")

CREATE_SCHEMA = {
    "type": "object",
    "properties": {
        "licenseKey": {"type": "string"},
        "datacenter": {"type": "string"},
        # Older request shapes (qlik-cli <= 2025, the Python SDK, a 2022 spec) sent these;
        # Qlik now ignores them (qlik-api.md 3.1), so the fake accepts and ignores them.
        "name": {"type": "any"}, "hostnames": {"type": "any"}, "hostname": {"type": "any"},
    },
    "additionalProperties": False,
}
DEACTIVATE_SCHEMA = {
    "type": "object",
    "properties": {"purgeAfterDays": {"type": "integer", "minimum": 10, "maximum": 90}},
    "additionalProperties": False,
}
PATCH_CODES = {k: ("TENANTS-10", "Invalid PATCH request") for k in validate.DEFAULT_CODES}


def render(t, base):
    d = {"id": t.id, "name": t.name, "hostnames": list(t.hostnames),
         "createdByUser": t.created_by_user, "datacenter": t.datacenter, "region": t.region,
         "created": util.iso(t.created), "lastUpdated": util.iso(t.last_updated),
         "statusLastUpdatedAt": util.iso(t.status_updated), "status": t.status}
    d.update(t.flags)
    d["links"] = {"self": {"href": "%s/api/v1/tenants/%s" % (base, t.id)}}
    return d


def not_found():
    return QlikError(404, "TENANTS-8", "Not found", "Tenant not found", service=SERVICE)


def _register_only(ctx, what):
    if ctx.kind != "register":
        raise QlikError(403, "HTTP-403", "Forbidden",
                        "%s must be sent to register.%s.%s with a regional OAuth client"
                        % (what, ctx.region, DOMAIN), service=SERVICE)


def _scope(ctx, scope):
    if not ctx.state.config.get("strict_scopes"):
        return
    client = ctx.state.find_client(ctx.token.client_id)
    if client is None or scope not in client.scopes:
        raise QlikError(403, "HTTP-403", "Forbidden", "the client lacks the %s scope" % scope,
                        service=SERVICE)


def _region_tenant(ctx, tid):
    """A tenant of the register host's region (not purged), else 404."""
    t = ctx.state.tenants.get(tid)
    if t is None or t.region != ctx.region or t.status == "deleted":
        raise not_found()
    return t


@route("GET", "/api/v1/tenants/me", service=SERVICE, hosts="both")
def me(ctx):
    if ctx.kind != "tenant":
        raise not_found()
    path = "/api/v1/tenants/" + ctx.tenant.id
    style = ctx.state.config["redirects"]
    return redirect_response(302, ctx.base + path if style == "absolute" else path)


@route("GET", "/api/v1/tenants/{tenantId}", service=SERVICE, hosts="both")
def get_tenant(ctx):
    tid = ctx.params["tenantId"]
    if ctx.kind == "tenant":
        if tid != ctx.tenant.id:
            raise not_found()
        return json_response(render(ctx.tenant, ctx.base))
    return json_response(render(_region_tenant(ctx, tid), ctx.base))


# ---- create --------------------------------------------------------------------------------

def _new_name(state, region):
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    while True:
        name = "".join(secrets.choice(alphabet) for _ in range(15))
        if "%s.%s.%s" % (name, region, DOMAIN) not in state.hosts:
            return name


@route("POST", "/api/v1/tenants", service=SERVICE, hosts="both")
def create(ctx):
    _register_only(ctx, "tenant creation")
    _scope(ctx, "tenants:create")
    body = validate.read_json(ctx, CREATE_SCHEMA, SERVICE, empty={})
    key = body.get("licenseKey")
    if not key:
        raise QlikError(400, "TENANTS-21", "Missing licenseKey property", service=SERVICE)
    dc = body.get("datacenter")
    if dc is not None and dc != REGIONS.get(ctx.region, ctx.region):
        # The register host decides the region; a datacenter of another region is refused
        # rather than silently placing the tenant elsewhere.
        raise QlikError(400, "HTTP-400", "Bad Request",
                        "datacenter %r is not served by register.%s.%s (expected %r)"
                        % (dc, ctx.region, DOMAIN, REGIONS.get(ctx.region, ctx.region)),
                        service=SERVICE, source={"pointer": "/datacenter"})
    state = ctx.state
    lic = licenses.find_by_key(state, key)
    if lic is None or lic["status"] != "Ok":
        raise QlikError(403, "TENANTS-23", "Invalid license error", service=SERVICE)
    if licenses.tenants_created(state, lic) >= lic["tenant_quota"]:
        raise QlikError(403, "TENANTS-22", "License quota limit reached", service=SERVICE)
    name = _new_name(state, ctx.region)
    t = state.create_tenant(["%s.%s.%s" % (name, ctx.region, DOMAIN)], name=name)
    t.extra["license"] = lic            # linked to the key's license (shared object)
    t.extra["created_with_key"] = True  # counts against the license's tenant quota
    return json_response(render(t, ctx.base), 201)


# ---- patch ---------------------------------------------------------------------------------

def _alias(ctx, tenant, value):
    def bad(title):
        return QlikError(400, "TENANTS-10", title, "invalid value for /hostnames/1",
                         service=SERVICE, source={"pointer": "/hostnames/1"},
                         meta={"code": "TENANTS-10", "title": title})
    suffix = ".%s.%s" % (tenant.region, DOMAIN)
    sub = value[:-len(suffix)] if value.endswith(suffix) else value
    if "." in sub:
        raise bad("Hostname must be <subdomain>%s" % suffix)
    if not 3 <= len(sub) <= 63:
        raise bad("Subdomain should be between 3 and 63 characters")
    if not re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", sub):
        raise bad("Subdomain may contain only lowercase letters, digits and inner hyphens")
    if sub == "register":
        raise bad("Subdomain is reserved")
    host = sub + suffix
    owner = ctx.state.hosts.get(host)
    if owner is not None and owner != tenant.id:
        raise bad("Hostname is already in use")
    if host in tenant.hostnames[:1]:
        raise bad("Hostname is already the tenant's primary hostname")
    return host


@route("PATCH", "/api/v1/tenants/{tenantId}", service=SERVICE)
def patch(ctx):
    tenant = ctx.tenant
    if ctx.params["tenantId"] != tenant.id:
        raise not_found()
    perms.require(ctx, SERVICE)
    paths = [(r"/name", {"type": "string", "minLength": 1}),
             (r"/hostnames/1", {"type": "string"})]
    paths += [("/" + f, {"type": "boolean"}) for f in FLAGS]
    ops = validate.json_patch(ctx, paths, SERVICE, PATCH_CODES)
    # Validate everything first, then apply: one bad operation changes nothing.
    changes = []
    for op, path, m, value in ops:
        if path == "/hostnames/1":
            value = _alias(ctx, tenant, value)
        changes.append((path, value))
    state = ctx.state
    for path, value in changes:
        if path == "/name":
            tenant.name = value
        elif path == "/hostnames/1":
            if len(tenant.hostnames) > 1 and tenant.hostnames[1] != value:
                old = tenant.hostnames[1]
                if state.hosts.get(old) == tenant.id:
                    del state.hosts[old]
                tenant.hostnames[1] = value
            elif len(tenant.hostnames) == 1:
                tenant.hostnames.append(value)
            state.hosts[value] = tenant.id
        else:
            tenant.flags[path[1:]] = value
    tenant.last_updated = util.now()
    return Response(204)


# ---- deactivate / reactivate ---------------------------------------------------------------

def _confirm(ctx, tenant):
    given = (ctx.headers.get("qlik-confirm-hostname") or "").strip().lower().rstrip(".")
    if not given or given not in tenant.hostnames:
        raise QlikError(412, "HTTP-412", "Precondition Failed",
                        "invalid qlik-confirm-hostname value: it must be one of the tenant's "
                        "hostnames", service=SERVICE)


@route("POST", "/api/v1/tenants/{tenantId}/actions/deactivate", service=SERVICE, hosts="both")
def deactivate(ctx):
    _register_only(ctx, "tenant deactivation")
    _scope(ctx, "tenants:deactivate")
    t = _region_tenant(ctx, ctx.params["tenantId"])
    _confirm(ctx, t)
    body = validate.read_json(ctx, DEACTIVATE_SCHEMA, SERVICE, empty={})
    days = body.get("purgeAfterDays", 30)
    now = util.now()
    # Calling it again resets the countdown (delete-tenants page).
    t.purge_at = now + days * 86400
    if t.status != "disabled":
        t.status = "disabled"
        t.status_updated = now
    t.last_updated = now
    return json_response({"id": t.id, "status": "disabled",
                          "estimatedPurgeDate": util.iso(t.purge_at)})


@route("POST", "/api/v1/tenants/{tenantId}/actions/reactivate", service=SERVICE, hosts="both")
def reactivate(ctx):
    _register_only(ctx, "tenant reactivation")
    _scope(ctx, "tenants:reactivate")
    t = _region_tenant(ctx, ctx.params["tenantId"])
    _confirm(ctx, t)
    # The body is an optional empty object (spec: {"type":"object"}).
    validate.read_json(ctx, {"type": "object", "additionalProperties": False}, SERVICE,
                       empty={})
    now = util.now()
    t.purge_at = None
    if t.status != "active":
        t.status = "active"
        t.status_updated = now
    t.last_updated = now
    return json_response({"id": t.id, "status": "active"})
