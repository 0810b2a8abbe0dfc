"""Web integrations API: POST/GET /api/v1/web-integrations, GET/PATCH/DELETE
/api/v1/web-integrations/{id}.

Contract: web-integrations.json, @qlik/api web-integrations.d.ts, qlik-api.md 3.3. Errors in
the web-integrations style (status a string, traceId) with the spec's codes: BAD_REQUEST
"Bad Request" (body not JSON), WEBINTEGRATIONS-5 "Missing required fields" (meta
requiredFields), WEBINTEGRATIONS-6 "Invalid property value" (source.pointer),
WEBINTEGRATIONS-4 "Invalid PATCH request", WEBINTEGRATIONS_NOT_FOUND, WEBINTEGRATIONS_FORBIDDEN.

State: tenant.extra["web_integrations"] = {id: {id, name, validOrigins, tenantId, created,
createdBy, lastUpdated}}.

Choices where the documents are silent:
- Ids are 32 base64url-like characters, like tenant ids.
- validOrigins entries must be origins: http or https, a host, optional port, no path (a
  trailing "/" is allowed), no query or fragment; anything else is WEBINTEGRATIONS-6 with
  source.pointer "/validOrigins/<i>". Duplicate names are allowed.
- Listing: sorted by name (code point), then id; startingAfter/endingBefore are ids of the
  list (an unknown id is a 400 BAD_REQUEST, as is giving both); limit 0..100 (0 gives an
  empty page); links.next carries startingAfter=<last id> and links.prev endingBefore=<first
  id>, absolute on the request's host, each absent when there is nothing more that way.
  tenantId, when given, must be the caller's tenant or the page is empty.
- PATCH /validOrigins: @qlik/api types the value as a string while the field is a list; the
  fake takes a list of origins, or one string as a single origin.
- Only POST documents 403: it needs TenantAdmin; PATCH and DELETE check no role.
"""
import urllib.parse

from .. import perms, util, validate
from ..errors import QlikError
from ..routing import route
from ..server import Response, json_response
from ..state import DUMP_HOOKS, TENANT_INIT_HOOKS

SERVICE = "web-integrations"
CODES = {validate.PARSE: ("BAD_REQUEST", "Bad Request"),
         validate.REQUIRED: ("WEBINTEGRATIONS-5", "Missing required fields"),
         validate.UNKNOWN: ("WEBINTEGRATIONS-6", "Invalid property value"),
         validate.TYPE: ("WEBINTEGRATIONS-6", "Invalid property value"),
         validate.VALUE: ("WEBINTEGRATIONS-6", "Invalid property value")}
PATCH_CODES = dict(CODES, **{k: ("WEBINTEGRATIONS-4", "Invalid PATCH request")
                             for k in (validate.REQUIRED, validate.UNKNOWN)})


def _origin_problem(v):
    u = urllib.parse.urlsplit(v)
    if u.scheme not in ("http", "https") or not u.hostname:
        return "an origin must be http(s)://host[:port]"
    if u.path not in ("", "/") or u.query or u.fragment or u.username:
        return "an origin has no path, query, fragment or credentials"
    try:
        u.port
    except ValueError:
        return "bad port"
    return None


ORIGIN = {"type": "string", "check": _origin_problem}
CREATE_SCHEMA = {
    "type": "object", "required": ["name"],
    "properties": {"name": {"type": "string", "minLength": 1},
                   "validOrigins": {"type": "array", "items": ORIGIN}},
    "additionalProperties": False,
}


def _init(state, tenant):
    tenant.extra["web_integrations"] = {}


def _dump(state, tenant):
    base = "https://" + tenant.hostnames[0]
    return [render(w, base, links=False) for w in tenant.extra["web_integrations"].values()]


TENANT_INIT_HOOKS.append(_init)
DUMP_HOOKS["web_integrations"] = _dump


def render(w, base, links=True):
    d = {"id": w["id"], "name": w["name"], "validOrigins": list(w["validOrigins"]),
         "tenantId": w["tenantId"], "created": util.iso(w["created"]),
         "createdBy": w["createdBy"], "lastUpdated": util.iso(w["lastUpdated"])}
    if links:
        d["links"] = {"self": {"href": "%s/api/v1/web-integrations/%s" % (base, w["id"])}}
    return d


def _bad(detail, parameter):
    return QlikError(400, "BAD_REQUEST", "Bad Request", detail, service=SERVICE,
                     source={"parameter": parameter})


def _wi(ctx):
    w = ctx.tenant.extra["web_integrations"].get(ctx.params["id"])
    if w is None:
        raise QlikError(404, "WEBINTEGRATIONS_NOT_FOUND", "Not found", service=SERVICE)
    return w


@route("POST", "/api/v1/web-integrations", service=SERVICE)
def create(ctx):
    perms.require(ctx, SERVICE, code="WEBINTEGRATIONS_FORBIDDEN")
    body = validate.read_json(ctx, CREATE_SCHEMA, SERVICE, CODES)
    now = util.now()
    w = {"id": util.tenant_id(), "name": body["name"],
         "validOrigins": list(body.get("validOrigins", [])), "tenantId": ctx.tenant.id,
         "created": now, "createdBy": perms.caller_id(ctx), "lastUpdated": now}
    ctx.tenant.extra["web_integrations"][w["id"]] = w
    return json_response(render(w, ctx.base), 201)


@route("GET", "/api/v1/web-integrations", service=SERVICE)
def list_wi(ctx):
    limit = validate.q_int(ctx, "limit", 10, 0, 100, SERVICE)
    sort = validate.q_enum(ctx, "sort", ("name", "+name", "-name"), "+name", SERVICE)
    after = validate.q_str(ctx, "startingAfter", SERVICE)
    before = validate.q_str(ctx, "endingBefore", SERVICE)
    tid = validate.q_str(ctx, "tenantId", SERVICE)
    if after is not None and before is not None:
        raise _bad("startingAfter and endingBefore cannot be used together", "endingBefore")
    items = list(ctx.tenant.extra["web_integrations"].values())
    if tid is not None and tid != ctx.tenant.id:
        items = []
    items.sort(key=lambda w: (w["name"], w["id"]), reverse=(sort == "-name"))
    ids = [w["id"] for w in items]
    if after is not None:
        if after not in ids:
            raise _bad("startingAfter %r is not a web integration of this list" % after,
                       "startingAfter")
        start = ids.index(after) + 1
        end = min(start + limit, len(items))
    elif before is not None:
        if before not in ids:
            raise _bad("endingBefore %r is not a web integration of this list" % before,
                       "endingBefore")
        end = ids.index(before)
        start = max(0, end - limit)
    else:
        start, end = 0, min(limit, len(items))
    page = items[start:end]
    pairs = [(k, v) for k, v in urllib.parse.parse_qsl(ctx.query, keep_blank_values=True)
             if k not in ("startingAfter", "endingBefore")]

    def href(extra):
        q = urllib.parse.urlencode(pairs + extra, quote_via=urllib.parse.quote)
        return ctx.base + ctx.path + ("?" + q if q else "")

    links = {"self": {"href": ctx.base + ctx.path + ("?" + ctx.query if ctx.query else "")}}
    if page and end < len(items):
        links["next"] = {"href": href([("startingAfter", page[-1]["id"])])}
    if page and start > 0:
        links["prev"] = {"href": href([("endingBefore", page[0]["id"])])}
    return json_response({"data": [render(w, ctx.base, links=False) for w in page],
                          "links": links})


@route("GET", "/api/v1/web-integrations/{id}", service=SERVICE)
def get_wi(ctx):
    return json_response(render(_wi(ctx), ctx.base, links=False))


@route("PATCH", "/api/v1/web-integrations/{id}", service=SERVICE)
def patch_wi(ctx):
    w = _wi(ctx)
    ops = validate.json_patch(ctx, [
        (r"/name", {"type": "string", "minLength": 1}),
        (r"/validOrigins", {"type": ["array", "string"], "items": ORIGIN,
                            "check": lambda v: _origin_problem(v) if isinstance(v, str)
                            else None}),
    ], SERVICE, PATCH_CODES)
    new = dict(w)
    for _op, path, _m, value in ops:
        if path == "/name":
            new["name"] = value
        else:
            new["validOrigins"] = [value] if isinstance(value, str) else list(value)
    new["lastUpdated"] = util.now()
    w.update(new)
    return Response(204)


@route("DELETE", "/api/v1/web-integrations/{id}", service=SERVICE)
def delete_wi(ctx):
    w = _wi(ctx)
    del ctx.tenant.extra["web_integrations"][w["id"]]
    return Response(204)
