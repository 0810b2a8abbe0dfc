"""Tenants API, read side: GET /api/v1/tenants/me and /api/v1/tenants/{tenantId}.

Contract: tenants.json and qlik-api.md 3.1, 3.5. Errors in the tenants style (status string,
traceId). /tenants/me answers 302 with a relative Location (the spec types it as a plain
string; /users/me, typed "format: url", gets an absolute one), unless config "redirects" says
otherwise. On a register host there is no current tenant (404); GET /tenants/{id} there
answers for the tenants of that region, which is what a regional client manages.
Create/deactivate/reactivate/patch come in a later module.
"""
from .. import util
from ..errors import QlikError
from ..routing import route
from ..server import json_response, redirect_response

SERVICE = "tenants"


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
    t = ctx.state.tenants.get(tid)
    if t is None or t.region != ctx.region or t.status == "deleted":
        raise not_found()
    return json_response(render(t, ctx.base))
