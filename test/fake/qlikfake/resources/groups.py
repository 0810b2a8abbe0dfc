"""Groups API: list, create, get, patch, delete, actions/filter, settings.

Contract: groups.json, @qlik/api groups.d.ts, qlik-api.md 3.3. Errors in the groups style
(status a number, traceId); not found is 404 GROUPS-7.

State (tenant.extra):
  "groups": {id: {id, name, status, description?, providerType, roles: [role names],
             createdAt, lastUpdatedAt, createdBy, updatedBy}}   (users.py reads this too)
  "group_settings": {autoCreateGroups, syncIdpGroups, everyone: {roles, createdAt,
             lastUpdatedAt}}   the Everyone system group (id 000000000000000000000001)
Users hold group ids in user["groups"]; deleting a group removes it from its members.

Choices where the documents are silent:
- Default order of lists is +name (by code point); sort takes [+|-] name, id, status,
  providerType, createdAt, lastUpdatedAt.
- filter (SCIM) on the x-qlik-filterable fields id, name, status, providerType, createdAt,
  lastUpdatedAt: eq/ne/co/sw/ew/pr, and gt/ge/lt/le on the timestamps; case-insensitive.
- systemGroups=true lists just Everyone, as a Group; combined with any other parameter it is
  a 400 ("Cannot be combined with any other query parameters"). GET /groups/{id} answers for
  Everyone's id too.
- Name conflict (case-sensitive) -> 409, on create and on rename. 10,000 groups -> 400.
- Group PATCH paths are "assignedRoles", "name", "description" in @qlik/api's types and the
  spec's enum, "/assignedRoles" in the spec's example: both spellings are accepted. Name and
  description may be patched on custom groups only (400 on an idp group), as documented.
- Mutations need TenantAdmin (403) where Qlik documents a 403: create, patch, settings
  patch. DELETE documents no 403 (401, 404, 429 only), so it checks no role. Reads (list,
  get, filter, settings) check none either: their documented 403 has no stated condition,
  and users, who may read users, read groups too.
- An unknown role in assignedRoles is a 400 with source.pointer on the item.
"""
from .. import paging, perms, scim, util, validate
from ..errors import QlikError
from ..routing import route
from ..server import Response, json_response
from ..state import DUMP_HOOKS, TENANT_INIT_HOOKS, TENANT_SEED_HOOKS, SeedError
from . import roles as roles_mod

SERVICE = "groups"
EVERYONE_ID = perms.EVERYONE_ID
EVERYONE_NAME = "com.qlik.Everyone"
MAX_GROUPS = 10000
SORTS = ("name", "id", "status", "providerType", "createdAt", "lastUpdatedAt")
S = {"eq", "ne", "co", "sw", "ew", "pr"}
T = S | {"gt", "ge", "lt", "le"}
FILTERABLE = {"id": S, "name": S, "status": S, "providerType": S, "createdAt": T,
              "lastUpdatedAt": T}

CREATE_SCHEMA = {
    "type": "object", "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 256},
        "status": {"type": "string", "enum": ["active"]},
        "description": {"type": "string"},
        "providerType": {"type": "string", "enum": ["idp", "custom"]},
        "assignedRoles": roles_mod.ref_list(100),
    },
    "additionalProperties": False,
}
FILTER_SCHEMA = {"type": "object", "properties": {"filter": {"type": "string"}},
                 "additionalProperties": False}


def not_found():
    return QlikError(404, "GROUPS-7", "Not found", "Group ID not found or Invalid format",
                     service=SERVICE)


def _init(state, tenant):
    tenant.extra["groups"] = {}
    tenant.extra["group_settings"] = {
        "autoCreateGroups": False, "syncIdpGroups": False,
        "everyone": {"roles": [], "createdAt": tenant.created, "lastUpdatedAt": tenant.created},
    }


def _dump(state, tenant):
    base = "https://" + tenant.hostnames[0]
    return {"groups": [render(tenant, g, base) for g in tenant.extra.get("groups", {}).values()],
            "settings": render_settings(tenant, base)}


def _seed(state, tenant, groups):
    """Seed key "groups": [{"name", "providerType"?, "description"?, "roles"?: [names],
    "status"?, "members"?: [user subjects]}]."""
    if not isinstance(groups, list):
        raise SeedError("'groups' must be a list")
    made = []
    for spec in groups:
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"]:
            raise SeedError("each group needs a non-empty string 'name'")
        bad = set(spec) - {"name", "providerType", "description", "roles", "status", "members"}
        if bad:
            raise SeedError("unknown group key(s) %s" % sorted(bad))
        if _name_taken(tenant, spec["name"]):
            raise SeedError("duplicate group name %r" % spec["name"])
        for r in spec.get("roles", []):
            if r not in tenant.roles:
                raise SeedError("unknown role %r" % r)
        if spec.get("providerType", "idp") not in ("idp", "custom"):
            raise SeedError("providerType is idp or custom")
        if spec.get("status", "active") not in ("active", "disabled"):
            raise SeedError("group status is active or disabled")
        now = util.now()
        g = {"id": util.object_id(now), "name": spec["name"],
             "status": spec.get("status", "active"),
             "providerType": spec.get("providerType", "idp"), "roles": list(spec.get("roles", [])),
             "createdAt": now, "lastUpdatedAt": now}
        if "description" in spec:
            g["description"] = spec["description"]
        by_subject = {u["subject"].lower(): u for u in tenant.users.values()}
        for subj in spec.get("members", []):
            u = by_subject.get(str(subj).lower())
            if u is None:
                raise SeedError("group %r: no user with subject %r" % (spec["name"], subj))
            u.setdefault("groups", []).append(g["id"])
        tenant.extra["groups"][g["id"]] = g
        made.append({"id": g["id"], "name": g["name"]})
    return made


TENANT_INIT_HOOKS.append(_init)
TENANT_SEED_HOOKS["groups"] = _seed
DUMP_HOOKS["groups"] = _dump


def _refs(tenant, names):
    return [tenant.role_ref(n) for n in names if n in tenant.roles]


def render(tenant, g, base):
    d = {"id": g["id"], "tenantId": tenant.id, "name": g["name"], "status": g["status"]}
    if g.get("description") is not None:
        d["description"] = g["description"]
    d["providerType"] = g["providerType"]
    d["assignedRoles"] = _refs(tenant, g.get("roles", []))
    d["createdAt"] = util.iso(g["createdAt"])
    d["lastUpdatedAt"] = util.iso(g["lastUpdatedAt"])
    for k in ("createdBy", "updatedBy"):
        if g.get(k):
            d[k] = g[k]
    d["links"] = {"self": {"href": "%s/api/v1/groups/%s" % (base, g["id"])}}
    return d


def render_everyone(tenant, base):
    e = tenant.extra["group_settings"]["everyone"]
    return {"id": EVERYONE_ID, "tenantId": tenant.id, "name": EVERYONE_NAME, "status": "active",
            "assignedRoles": _refs(tenant, e["roles"]), "createdAt": util.iso(e["createdAt"]),
            "lastUpdatedAt": util.iso(e["lastUpdatedAt"]),
            "links": {"self": {"href": "%s/api/v1/groups/%s" % (base, EVERYONE_ID)}}}


def render_settings(tenant, base):
    s = tenant.extra["group_settings"]
    e = s["everyone"]
    return {"autoCreateGroups": s["autoCreateGroups"], "syncIdpGroups": s["syncIdpGroups"],
            "systemGroups": {EVERYONE_ID: {
                "id": EVERYONE_ID, "name": EVERYONE_NAME, "enabled": True,
                "assignedRoles": _refs(tenant, e["roles"]),
                "createdAt": util.iso(e["createdAt"]),
                "lastUpdatedAt": util.iso(e["lastUpdatedAt"])}},
            "tenantId": tenant.id,
            "links": {"self": {"href": "%s/api/v1/groups/settings" % base}}}


def _getter(g, attr):
    if attr in ("createdAt", "lastUpdatedAt"):
        return util.iso(g[attr])
    return g.get(attr)


def _list(ctx, flt, field, desc, limit, total):
    tenant = ctx.tenant
    groups = list(tenant.extra["groups"].values())
    if flt is not None:
        try:
            tree = scim.parse(flt, FILTERABLE)
        except scim.ScimError as e:
            raise QlikError(400, "HTTP-400", "Bad Request", "invalid filter: %s" % e,
                            service=SERVICE, source={"parameter": "filter"})
        groups = [g for g in groups if scim.evaluate(tree, g, _getter)]

    def key(g):
        v = g.get(field)
        return (0 if v is None else 1, "" if v is None else v, g["id"])

    try:
        chosen, links = paging.page(ctx, groups, key, ("-" if desc else "+") + field, desc, limit)
    except QlikError as e:
        e.service = SERVICE
        raise
    body = {"data": [render(tenant, g, ctx.base) for g in chosen], "links": links}
    if total:
        body["totalResults"] = len(groups)
    return json_response(body)


@route("GET", "/api/v1/groups", service=SERVICE)
def list_groups(ctx):
    if validate.q_bool(ctx, "systemGroups", False, SERVICE):
        others = [k for k in ctx.args if k != "systemGroups"]
        if others:
            raise QlikError(400, "HTTP-400", "Bad Request",
                            "systemGroups cannot be combined with other query parameters",
                            service=SERVICE, source={"parameter": others[0]})
        return json_response({"data": [render_everyone(ctx.tenant, ctx.base)],
                              "links": {"self": {"href": ctx.base + ctx.path + "?" + ctx.query}}})
    limit = validate.q_int(ctx, "limit", 20, 1, 100, SERVICE)
    field, desc = validate.q_sort(ctx, SORTS, "+name", SERVICE)
    total = validate.q_bool(ctx, "totalResults", False, SERVICE)
    return _list(ctx, validate.q_str(ctx, "filter", SERVICE), field, desc, limit, total)


@route("POST", "/api/v1/groups/actions/filter", service=SERVICE)
def filter_groups(ctx):
    limit = validate.q_int(ctx, "limit", 20, 1, 100, SERVICE)
    sort = validate.q_enum(ctx, "sort", ("name", "+name", "-name"), "+name", SERVICE)
    body = validate.read_json(ctx, FILTER_SCHEMA, SERVICE, empty={})   # body optional
    return _list(ctx, body.get("filter") or None, "name", sort == "-name", limit, False)


def _name_taken(tenant, name, except_id=None):
    return name == EVERYONE_NAME or any(
        g["name"] == name and g["id"] != except_id for g in tenant.extra["groups"].values())


@route("POST", "/api/v1/groups", service=SERVICE)
def create_group(ctx):
    perms.require(ctx, SERVICE)
    body = validate.read_json(ctx, CREATE_SCHEMA, SERVICE)
    tenant = ctx.tenant
    groups = tenant.extra["groups"]
    if _name_taken(tenant, body["name"]):
        raise QlikError(409, "HTTP-409", "Conflict", "a group named %r exists" % body["name"],
                        service=SERVICE, source={"pointer": "/name"})
    if len(groups) >= MAX_GROUPS:
        raise QlikError(400, "HTTP-400", "Bad Request",
                        "a tenant has at most %d groups" % MAX_GROUPS, service=SERVICE)
    roles = roles_mod.resolve_refs(tenant, body.get("assignedRoles", []), SERVICE,
                                   "/assignedRoles")
    now = util.now()
    who = perms.caller_id(ctx)
    g = {"id": util.object_id(now), "name": body["name"], "status": "active",
         "providerType": body.get("providerType", "idp"), "roles": roles,
         "createdAt": now, "lastUpdatedAt": now, "createdBy": who, "updatedBy": who}
    if "description" in body:
        g["description"] = body["description"]
    groups[g["id"]] = g
    return json_response(render(tenant, g, ctx.base), 201)


@route("GET", "/api/v1/groups/settings", service=SERVICE)
def get_settings(ctx):
    return json_response(render_settings(ctx.tenant, ctx.base))


@route("PATCH", "/api/v1/groups/settings", service=SERVICE)
def patch_settings(ctx):
    perms.require(ctx, SERVICE)
    ops = validate.json_patch(ctx, [
        (r"/autoCreateGroups", {"type": "boolean"}),
        (r"/syncIdpGroups", {"type": "boolean"}),
        (r"/systemGroups/([^/]+)/assignedRoles", roles_mod.ref_list(100)),
    ], SERVICE)
    tenant = ctx.tenant
    s = tenant.extra["group_settings"]
    changes = []
    for i, (op, path, m, value) in enumerate(ops):
        if path.startswith("/systemGroups/"):
            if m.group(1) != EVERYONE_ID:
                raise QlikError(400, "HTTP-400", "Bad Request",
                                "unknown system group %r" % m.group(1), service=SERVICE,
                                source={"pointer": "/%d/path" % i})
            value = roles_mod.resolve_refs(tenant, value, SERVICE, path)
        changes.append((path, value))
    now = util.now()
    for path, value in changes:
        if path.startswith("/systemGroups/"):
            s["everyone"]["roles"] = value
            s["everyone"]["lastUpdatedAt"] = now
        else:
            s[path[1:]] = value
    return Response(204)


def _group(ctx):
    gid = ctx.params["groupId"]
    g = ctx.tenant.extra["groups"].get(gid)
    if g is None:
        raise not_found()
    return g


@route("GET", "/api/v1/groups/{groupId}", service=SERVICE)
def get_group(ctx):
    if ctx.params["groupId"] == EVERYONE_ID:
        return json_response(render_everyone(ctx.tenant, ctx.base))
    return json_response(render(ctx.tenant, _group(ctx), ctx.base))


@route("PATCH", "/api/v1/groups/{groupId}", service=SERVICE)
def patch_group(ctx):
    perms.require(ctx, SERVICE)
    g = _group(ctx)
    ops = validate.json_patch(ctx, [
        (r"/?assignedRoles", roles_mod.ref_list(100)),
        (r"/?name", {"type": "string", "minLength": 1, "maxLength": 256}),
        (r"/?description", {"type": "string"}),
    ], SERVICE)
    tenant = ctx.tenant
    new = dict(g)
    for i, (op, path, _m, value) in enumerate(ops):
        field = path.lstrip("/")
        if field == "assignedRoles":
            new["roles"] = roles_mod.resolve_refs(tenant, value, SERVICE, "/%d/value" % i)
            continue
        if g["providerType"] != "custom":
            raise QlikError(400, "HTTP-400", "Bad Request",
                            "%s can be changed on custom groups only" % field, service=SERVICE,
                            source={"pointer": "/%d/path" % i})
        if field == "name" and _name_taken(tenant, value, g["id"]):
            raise QlikError(409, "HTTP-409", "Conflict", "a group named %r exists" % value,
                            service=SERVICE, source={"pointer": "/%d/value" % i})
        new[field] = value
    new["lastUpdatedAt"] = util.now()
    new["updatedBy"] = perms.caller_id(ctx)
    tenant.extra["groups"][g["id"]] = new
    return Response(204)


@route("DELETE", "/api/v1/groups/{groupId}", service=SERVICE)
def delete_group(ctx):
    g = _group(ctx)
    tenant = ctx.tenant
    del tenant.extra["groups"][g["id"]]
    for u in tenant.users.values():
        if g["id"] in u.get("groups", []):
            u["groups"] = [x for x in u["groups"] if x != g["id"]]
    return Response(204)
