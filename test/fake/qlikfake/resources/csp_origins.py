"""CSP origins API: GET/POST /api/v1/csp-origins, GET/PUT/DELETE /api/v1/csp-origins/{id}.

Contract: csp-origins.json (CSPEntryContent, CSPEntry, CSPEntryList, ErrorResponse; tiers
GET 1, POST/PUT/DELETE 2). Errors as the spec's ErrorResponse: errors[] of {code, title,
detail}, no status, no traceId.

State: tenant.extra["csp_origins"] = {id: entry as rendered}.

Choices where the documents are silent:
- Codes are the fake's: HTTP-400 (body not JSON, a field of the wrong type, an unknown field,
  origin missing or longer than 256, name over 512, description over 1024), HTTP-404 (no such
  entry), HTTP-403 (the caller is not TenantAdmin: POST, PUT and DELETE document 403).
- PUT replaces the entry with the body (CSPEntryContent, origin required): a directive left
  out is false again, as a replace means. createdDate stays, modifiedDate moves.
- A directive missing from a POST is false. Origins are not unique (Qlik says nothing).
- The list: origin and name filters match anywhere, without regard to case, "*" standing for
  any text ("wildcard and case insensitive"); each directive query parameter (true/false)
  filters on it; sort name, origin, createdDate, modifiedDate, "-" for descending (default
  createdDate); limit 1..100 (default 20); cursor paging next/prev, absolute links.
"""
import re

from .. import paging, perms, util, validate
from ..errors import QlikError
from ..routing import route
from ..server import Response, json_response
from ..state import DUMP_HOOKS, TENANT_INIT_HOOKS

SERVICE = "csp-origins"
DIRECTIVES = ("childSrc", "connectSrc", "connectSrcWSS", "fontSrc", "formAction",
              "frameAncestors", "frameSrc", "imgSrc", "mediaSrc", "objectSrc", "scriptSrc",
              "styleSrc", "workerSrc")
SCHEMA = {
    "type": "object", "required": ["origin"],
    "properties": dict({"origin": {"type": "string", "minLength": 1, "maxLength": 256},
                        "name": {"type": "string", "maxLength": 512},
                        "description": {"type": "string", "maxLength": 1024},
                        # readOnly in the spec: accepted and ignored
                        "createdDate": {"type": "string"}, "modifiedDate": {"type": "string"},
                        "id": {"type": "string"}},
                       **{d: {"type": "boolean"} for d in DIRECTIVES}),
    "additionalProperties": False,
}
SORTS = ("name", "-name", "origin", "-origin", "createdDate", "-createdDate", "modifiedDate",
         "-modifiedDate")


def _init(state, tenant):
    tenant.extra["csp_origins"] = {}


def _dump(state, tenant):
    return list(tenant.extra["csp_origins"].values())


TENANT_INIT_HOOKS.append(_init)
DUMP_HOOKS["csp_origins"] = _dump


def _entry(body, created, entry_id):
    e = {"id": entry_id, "origin": body["origin"], "name": body.get("name", ""),
         "description": body.get("description", ""), "createdDate": created,
         "modifiedDate": util.iso(util.now())}
    for d in DIRECTIVES:
        e[d] = bool(body.get(d, False))
    return e


def _get(ctx):
    e = ctx.tenant.extra["csp_origins"].get(ctx.params["id"])
    if e is None:
        raise QlikError(404, "HTTP-404", "Not Found", "no CSP origin %s" % ctx.params["id"],
                        service=SERVICE)
    return e


@route("POST", "/api/v1/csp-origins", service=SERVICE)
def create(ctx):
    perms.require(ctx, SERVICE)
    body = validate.read_json(ctx, SCHEMA, SERVICE)
    e = _entry(body, util.iso(util.now()), util.object_id())
    ctx.tenant.extra["csp_origins"][e["id"]] = e
    return json_response(e, 201)


def _matches(pattern, value):
    rx = ".*".join(re.escape(p) for p in pattern.split("*"))
    return re.search(rx, value or "", re.IGNORECASE) is not None


@route("GET", "/api/v1/csp-origins", service=SERVICE)
def list_csp(ctx):
    limit = validate.q_int(ctx, "limit", 20, 1, 100, SERVICE)
    sort = validate.q_enum(ctx, "sort", SORTS, "createdDate", SERVICE)
    origin = validate.q_str(ctx, "origin", SERVICE)
    name = validate.q_str(ctx, "name", SERVICE)
    flags = {d: validate.q_bool(ctx, d, None, SERVICE) for d in DIRECTIVES}
    items = [e for e in ctx.tenant.extra["csp_origins"].values()
             if (origin is None or _matches(origin, e["origin"]))
             and (name is None or _matches(name, e["name"]))
             and all(v is None or e[d] == v for d, v in flags.items())]
    field = sort.lstrip("-")
    try:
        chosen, links = paging.page(ctx, items, lambda e: (e[field], e["id"]), sort,
                                    sort.startswith("-"), limit)
    except QlikError as e:
        e.service = SERVICE
        raise
    return json_response({"data": chosen, "links": links})


@route("GET", "/api/v1/csp-origins/{id}", service=SERVICE)
def get_csp(ctx):
    return json_response(_get(ctx))


@route("PUT", "/api/v1/csp-origins/{id}", service=SERVICE)
def put_csp(ctx):
    perms.require(ctx, SERVICE)
    old = _get(ctx)
    body = validate.read_json(ctx, SCHEMA, SERVICE)
    e = _entry(body, old["createdDate"], old["id"])
    ctx.tenant.extra["csp_origins"][e["id"]] = e
    return json_response(e)


@route("DELETE", "/api/v1/csp-origins/{id}", service=SERVICE)
def delete_csp(ctx):
    perms.require(ctx, SERVICE)
    e = _get(ctx)
    del ctx.tenant.extra["csp_origins"][e["id"]]
    return Response(204)
