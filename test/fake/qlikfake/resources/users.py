"""Users API: GET /api/v1/users/me, /api/v1/users/{userId}, /api/v1/users (list), POST
/api/v1/users, POST /api/v1/users/actions/filter, GET /api/v1/users/actions/count, PATCH and
DELETE /api/v1/users/{userId}.

Contract: users.json, @qlik/api users.d.ts and qlik-api.md 2.3, 3.2.
Choices where the documents are silent:
- /users/me answers 301 with an ABSOLUTE Location (the spec types the header "format: url",
  "The URI to the user resource"); /tenants/me, typed as a plain string, answers with a
  relative one. Config "redirects" forces one style for both.
- String sort order is by code point (MongoDB's default, no collation): "Zoe" < "anna".
  Users without the sort field (e.g. bots have no email) come first in ascending order.
- Unknown query parameters are ignored (nothing in the spec says they are rejected).
- Validation failures are 400 with code HTTP-400 (Qlik's users codes for them are unknown).
- Every caller may read every user; the 403 "Forbidden from getting a user" is not modelled.
  Reads (list, get, filter, count) check no role; create, patch and delete need TenantAdmin
  (perms.py), the 403 Qlik documents for them.
- POST /users: a user without "status" is created "active" (the only status the request may
  set is "invited", which needs an email: 400 on /email otherwise). A subject already in the
  tenant (case-insensitive) is 409. A tenantId other than the caller's tenant is 403. An
  unknown role in assignedRoles is 400 with source.pointer on the item. The deprecated
  "roles" field is not in UserPostSchema, so it is rejected like any unknown field.
- PATCH /users/{id} follows @qlik/api's JSONPatch type: paths /name, /roles (deprecated; role
  names), /assignedRoles, /status, /inviteExpiry, /preferredZoneinfo, /preferredLocale,
  /assignedGroups; ops replace (all but /inviteExpiry), set (deprecated, /roles), add
  ("/assignedRoles/-", "/assignedGroups/-" with one reference), remove-value
  (/assignedRoles, /assignedGroups with one reference), renew (/inviteExpiry, invited users
  only). The spec's example also shows /email and /preferredZoneInfo; they are not in the
  path enum, so the fake refuses them (400). /status takes active or disabled. All
  operations are checked before any is applied; 207 (partial success) is never produced.
  Groups are referenced as [{id}] or [{name, providerType}] and must exist (400).
- POST /users/actions/filter: body {"filter"} optional (no filter = all users); same SCIM
  grammar as the list; sort name only; more than 100 ids in the filter is a 400.
"""
import json
import re

from .. import paging, perms, scim, util, validate
from ..errors import QlikError
from ..routing import route
from ..server import Response, json_response, redirect_response

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
    for k in ("email", "clientId", "locale", "zoneinfo", "picture", "preferredLocale",
              "preferredZoneinfo", "inviteExpiry"):
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
    return _query(ctx, flt, sort, limit, total, SORTS)


def _query(ctx, flt, sort, limit, total, sorts):
    field = sort[1:] if sort[:1] in "+-" else sort
    if field not in sorts:
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
        chosen, links = paging.page(ctx, users, key, sort, descending, limit,
                                    cache_key=("users", tenant.id, flt))
    except QlikError as e:
        e.service = SERVICE
        raise
    fields = ctx.arg("fields")
    body = {"data": [_project(render(tenant, u, ctx.base), fields) for u in chosen],
            "links": links}
    if total:
        body["totalResults"] = len(users)
    return json_response(body)


# ---- create, filter, count, patch, delete ---------------------------------------------------

def _role_refs():
    from . import roles
    return roles


CREATE_SCHEMA = {
    "type": "object", "required": ["subject"],
    "properties": {
        "subject": {"type": "string", "minLength": 1},
        "name": {"type": "string"},
        "email": {"type": "string", "format": "email"},
        "status": {"type": "string", "enum": ["invited"]},
        "picture": {"type": "string", "format": "uri"},
        "tenantId": {"type": "string"},
        "assignedRoles": {"type": "array", "items": {"oneOf": [
            {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
            {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
        ]}},
    },
    "additionalProperties": False,
}
FILTER_SCHEMA = {"type": "object", "properties": {"filter": {"type": "string"}},
                 "additionalProperties": False}


@route("POST", "/api/v1/users", service=SERVICE)
def create_user(ctx):
    perms.require(ctx, SERVICE)
    if len(ctx.body) > 500 * 1024:
        raise QlikError(413, "HTTP-413", "Payload Too Large",
                        "the request body is over the limit of 500kB", service=SERVICE)
    body = validate.read_json(ctx, CREATE_SCHEMA, SERVICE)
    tenant = ctx.tenant
    if "tenantId" in body and body["tenantId"] != tenant.id:
        raise QlikError(403, "HTTP-403", "Forbidden", "tenantId is not the caller's tenant",
                        service=SERVICE, source={"pointer": "/tenantId"})
    if body.get("status") == "invited" and not body.get("email"):
        raise QlikError(400, "HTTP-400", "Bad Request", "email is required to invite a user",
                        service=SERVICE, source={"pointer": "/email"})
    subj = body["subject"].lower()
    if any(u["subject"].lower() == subj for u in tenant.users.values()):
        raise QlikError(409, "HTTP-409", "Conflict",
                        "a user with subject %r exists" % body["subject"], service=SERVICE,
                        source={"pointer": "/subject"})
    roles = _role_refs().resolve_refs(tenant, body.get("assignedRoles", []), SERVICE,
                                      "/assignedRoles")
    spec = {"subject": body["subject"], "roles": roles}
    for k in ("name", "email", "status", "picture"):
        if k in body:
            spec[k] = body[k]
    user = ctx.state.add_user(tenant, spec, check_subject=False)
    return json_response(render(tenant, user, ctx.base), 201)


@route("POST", "/api/v1/users/actions/filter", service=SERVICE)
def filter_users(ctx):
    limit = validate.q_int(ctx, "limit", 20, 1, 100, SERVICE)
    sort = validate.q_enum(ctx, "sort", ("name", "+name", "-name"), "+name", SERVICE)
    body = validate.read_json(ctx, FILTER_SCHEMA, SERVICE, empty={})   # body optional
    flt = body.get("filter") or None
    if flt is not None and len(re.findall(r"\bid\s+eq\b", flt, re.I)) > 100:
        raise QlikError(400, "HTTP-400", "Bad Request",
                        "the filter may not contain more than 100 ids", service=SERVICE,
                        source={"pointer": "/filter"})
    return _query(ctx, flt, sort, limit, False, ("name",))


@route("GET", "/api/v1/users/actions/count", service=SERVICE)
def count_users(ctx):
    return json_response({"total": len(ctx.tenant.users)})


def _user(ctx):
    u = ctx.tenant.users.get(ctx.params["userId"])
    if u is None:
        raise QlikError(404, "USERS-7", "Not found", service=SERVICE)
    return u


_REF = {"type": "object", "oneOf": [
    {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
    {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
]}
_GROUP_REF = {"type": "object", "oneOf": [
    {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
    {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"}, "providerType": {"type": "string", "enum": ["idp", "custom"]}}},
]}
PATCH_PATHS = [
    (r"/name", {"type": "string", "minLength": 1}, ("replace",)),
    (r"/roles", {"type": "array", "items": {"type": "string"}}, ("replace", "set")),
    (r"/assignedRoles", {"type": "array", "items": _REF}, ("replace",)),
    (r"/assignedRoles", _REF, ("remove-value",)),
    (r"/assignedRoles/-", _REF, ("add",)),
    (r"/status", {"type": "string", "enum": ["active", "disabled"]}, ("replace",)),
    (r"/inviteExpiry", {"type": "any", "nullable": True}, ("renew",)),
    (r"/preferredZoneinfo", {"type": "string"}, ("replace",)),
    (r"/preferredLocale", {"type": "string"}, ("replace",)),
    (r"/assignedGroups", {"type": "array", "items": _GROUP_REF}, ("replace",)),
    (r"/assignedGroups", _GROUP_REF, ("remove-value",)),
    (r"/assignedGroups/-", _GROUP_REF, ("add",)),
]


def _group_ids(tenant, refs, pointer, many=True):
    groups = tenant.extra.get("groups", {})
    out = []
    for i, ref in enumerate(refs):
        if "id" in ref:
            g = groups.get(ref["id"])
        else:
            g = next((x for x in groups.values() if x["name"] == ref["name"]
                      and x["providerType"] == ref.get("providerType", x["providerType"])), None)
        if g is None:
            raise QlikError(400, "HTTP-400", "Bad Request", "unknown group %s"
                            % json.dumps(ref), service=SERVICE,
                            source={"pointer": "%s/%d" % (pointer, i) if many else pointer})
        if g["id"] not in out:
            out.append(g["id"])
    return out


@route("PATCH", "/api/v1/users/{userId}", service=SERVICE)
def patch_user(ctx):
    perms.require(ctx, SERVICE)
    user = _user(ctx)
    ops = validate.json_patch(ctx, PATCH_PATHS, SERVICE,
                              ops=("replace", "set", "add", "remove-value", "renew"))
    tenant = ctx.tenant
    roles_mod = _role_refs()
    new = dict(user, roles=list(user["roles"]), groups=list(user.get("groups", [])))
    now = util.now()
    for i, (op, path, _m, value) in enumerate(ops):
        vp = "/%d/value" % i
        if path == "/name":
            new["name"] = value
        elif path == "/roles":
            for j, r in enumerate(value):
                if r not in tenant.roles:
                    raise QlikError(400, "HTTP-400", "Bad Request", "unknown role %r" % r,
                                    service=SERVICE, source={"pointer": "%s/%d" % (vp, j)})
            new["roles"] = list(dict.fromkeys(value))
        elif path == "/assignedRoles" and op == "replace":
            new["roles"] = roles_mod.resolve_refs(tenant, value, SERVICE, vp)
        elif path.startswith("/assignedRoles"):
            name = roles_mod.resolve_refs(tenant, [value], SERVICE, vp)[0]
            if op == "add" and name not in new["roles"]:
                new["roles"].append(name)
            elif op == "remove-value":
                new["roles"] = [r for r in new["roles"] if r != name]
        elif path == "/status":
            new["status"] = value
            new.pop("inviteExpiry", None)
        elif path == "/inviteExpiry":
            if user["status"] != "invited":
                raise QlikError(400, "HTTP-400", "Bad Request",
                                "only an invited user's invitation can be renewed",
                                service=SERVICE, source={"pointer": "/%d/path" % i})
            new["inviteExpiry"] = int(now) + 7 * 86400
        elif path in ("/preferredZoneinfo", "/preferredLocale"):
            new[path[1:]] = value
        elif path == "/assignedGroups" and op == "replace":
            new["groups"] = _group_ids(tenant, value, vp)
        else:
            gid = _group_ids(tenant, [value], vp, many=False)[0]
            if op == "add" and gid not in new["groups"]:
                new["groups"].append(gid)
            elif op == "remove-value":
                new["groups"] = [g for g in new["groups"] if g != gid]
    new["lastUpdatedAt"] = now
    user.clear()
    user.update(new)
    return Response(204)


@route("DELETE", "/api/v1/users/{userId}", service=SERVICE)
def delete_user(ctx):
    perms.require(ctx, SERVICE)
    user = _user(ctx)
    tenant = ctx.tenant
    del tenant.users[user["id"]]
    for cid, uid in list(tenant.bots.items()):
        if uid == user["id"]:
            del tenant.bots[cid]      # the client's next token makes a new bot user
    return Response(204)
