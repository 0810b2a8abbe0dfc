"""Users API: GET /api/v1/users/me, /api/v1/users/{userId}, /api/v1/users (list).

Contract: users.json (getUsers, getUserById, users/me) and qlik-api.md 2.3, 3.2.
Choices where the documents are silent:
- /users/me answers 301 with an ABSOLUTE Location (the spec types the header "format: url",
  "The URI to the user resource"); /tenants/me, typed as a plain string, answers with a
  relative one. Config "redirects" forces one style for both.
- String sort order is by code point (MongoDB's default, no collation): "Zoe" < "anna".
  Users without the sort field (e.g. bots have no email) come first in ascending order.
- Unknown query parameters are ignored (nothing in the spec says they are rejected).
- Validation failures are 400 with code HTTP-400 (Qlik's users codes for them are unknown).
- Every caller may read every user; the 403 "Forbidden from getting a user" is not modelled.
"""
import re

from .. import paging, scim, util
from ..errors import QlikError
from ..routing import route
from ..server import json_response, redirect_response

SERVICE = "users"

SORTS = {"name": "name", "_id": "id", "id": "id", "tenantId": "tenantId", "clientId": "clientId",
         "status": "status", "subject": "subject", "email": "email",
         "inviteExpiry": "inviteExpiry", "createdAt": "createdAt"}

EQ = {"eq"}
EQ_CO = {"eq", "co"}
FILTERABLE = {"id": EQ, "subject": EQ_CO, "name": EQ_CO, "email": EQ_CO, "status": EQ,
              "clientId": EQ, "assignedRoles.id": EQ, "assignedRoles.name": EQ,
              "assignedGroups.id": EQ, "assignedGroupsAssignedRoles.name": EQ,
              "assignedScopes": EQ}


def _bad(detail, parameter=None):
    return QlikError(400, "HTTP-400", "Bad Request", detail, service=SERVICE,
                     source={"parameter": parameter} if parameter else None)


def render(tenant, u, base):
    """A user as Qlik returns it. roles/created/lastUpdated are deprecated fields that Qlik
    still sends (seen on bot users, qlik-api.md 3.1 step 6)."""
    d = {"id": u["id"], "tenantId": u["tenantId"], "status": u["status"],
         "subject": u["subject"], "name": u["name"]}
    for k in ("email", "clientId", "locale", "zoneinfo", "picture", "inviteExpiry"):
        if k in u:
            d[k] = u[k]
    d["roles"] = list(u["roles"])
    d["assignedRoles"] = [tenant.role_ref(r) for r in u["roles"] if r in tenant.roles]
    d["assignedGroups"] = [_group_ref(tenant, g) for g in u.get("groups", [])]
    d["groups"] = [g["name"] for g in d["assignedGroups"]]
    d["createdAt"] = d["created"] = util.iso(u["createdAt"])
    d["lastUpdatedAt"] = d["lastUpdated"] = util.iso(u["lastUpdatedAt"])
    d["links"] = {"self": {"href": "%s/api/v1/users/%s" % (base, u["id"])}}
    return d


def _group_ref(tenant, gid):
    """Groups come with the groups module; until then a user's group list stays empty."""
    g = tenant.extra.get("groups", {}).get(gid, {"id": gid, "name": gid})
    ref = {"id": g["id"], "name": g["name"]}
    if "providerType" in g:
        ref["providerType"] = g["providerType"]
    ref["assignedRoles"] = [tenant.role_ref(r) for r in g.get("roles", []) if r in tenant.roles]
    return ref


def _project(d, fields):
    if not fields:
        return d
    want = [f.strip() for f in fields.split(",") if f.strip()]
    return {k: v for k, v in d.items() if k in want}


@route("GET", "/api/v1/users/me", service=SERVICE)
def me(ctx):
    user = ctx.user()
    if user is None:
        raise QlikError(404, "USERS-7", "Not found", service=SERVICE)
    path = "/api/v1/users/" + user["id"]
    style = ctx.state.config["redirects"]
    return redirect_response(301, path if style == "relative" else ctx.base + path)


@route("GET", "/api/v1/users/{userId}", service=SERVICE)
def get_user(ctx):
    u = ctx.tenant.users.get(ctx.params["userId"])
    if u is None:
        raise QlikError(404, "USERS-7", "Not found", service=SERVICE)
    return json_response(_project(render(ctx.tenant, u, ctx.base), ctx.arg("fields")))


def _getter(tenant):
    def get(u, attr):
        if attr == "assignedRoles.name":
            return list(u["roles"])
        if attr == "assignedRoles.id":
            return [tenant.roles[r]["id"] for r in u["roles"] if r in tenant.roles]
        if attr == "assignedGroups.id":
            return list(u.get("groups", []))
        if attr == "assignedGroupsAssignedRoles.name":
            groups = tenant.extra.get("groups", {})
            return [r for g in u.get("groups", []) for r in groups.get(g, {}).get("roles", [])]
        if attr == "assignedScopes":
            return list(u.get("assignedScopes", []))
        return u.get(attr)
    return get


def _check_status_grouping(node):
    """"Any filters for status must be grouped together and applied to the whole query":
    status may only appear in top-level AND operands made of status conditions alone."""
    if "status" not in scim.attrs(node):
        return
    operands, stack = [], [node]
    while stack:
        n = stack.pop()
        if n[0] == "and":
            stack += [n[1], n[2]]
        else:
            operands.append(n)
    for op in operands:
        a = scim.attrs(op)
        if "status" in a and a != {"status"}:
            raise _bad("status filters must be grouped together and ANDed to the whole query",
                       "filter")


def _int_param(ctx, name, default, lo, hi):
    raw = ctx.arg(name)
    if raw is None:
        return default
    if not re.fullmatch(r"\d+(\.0+)?", raw.strip()):
        raise _bad("%s must be a number between %d and %d" % (name, lo, hi), name)
    v = int(float(raw))
    if not lo <= v <= hi:
        raise _bad("%s must be between %d and %d" % (name, lo, hi), name)
    return v


def bool_param(ctx, name, bad):
    raw = ctx.arg(name)
    if raw is None:
        return False
    if raw.lower() not in ("true", "false"):
        raise bad("%s must be true or false" % name, name)
    return raw.lower() == "true"


@route("GET", "/api/v1/users", service=SERVICE)
def list_users(ctx):
    try:
        limit = _int_param(ctx, "limit", 20, 1, 100)
        sort = ctx.arg("sort") or "+name"
        if sort.startswith(" "):
            # An unencoded "+" in a query string decodes to a space (as in Go's net/url,
            # which Qlik's services use); take " name" as "+name" rather than a 400.
            sort = "+" + sort.strip()
        total = bool_param(ctx, "totalResults", _bad)
        flt = ctx.arg("filter")
    except QlikError as e:
        e.service = SERVICE
        raise
    field = sort[1:] if sort[:1] in "+-" else sort
    if field not in SORTS:
        raise _bad("invalid sort %r" % sort, "sort")
    descending = sort.startswith("-")
    attr = SORTS[field]
    tenant = ctx.tenant
    users = list(tenant.users.values())
    if flt is not None:
        try:
            tree = scim.parse(flt, FILTERABLE)
        except scim.ScimError as e:
            raise _bad("invalid filter: %s" % e, "filter")
        _check_status_grouping(tree)
        get = _getter(tenant)
        users = [u for u in users if scim.evaluate(tree, u, get)]

    def key(u):
        v = u.get(attr)
        if v is None:
            return (0, "" if attr not in ("createdAt", "inviteExpiry") else 0, u["id"])
        return (1, v, u["id"])

    try:
        chosen, links = paging.page(ctx, users, key, sort, descending, limit)
    except QlikError as e:
        e.service = SERVICE
        raise
    fields = ctx.arg("fields")
    body = {"data": [_project(render(tenant, u, ctx.base), fields) for u in chosen],
            "links": links}
    if total:
        body["totalResults"] = len(users)
    return json_response(body)
