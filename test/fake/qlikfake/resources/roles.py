"""Roles API: GET /api/v1/roles (list), GET /api/v1/roles/{id}, and custom roles (POST,
PATCH, DELETE).

Contract: roles.json, @qlik/api roles.d.ts, qlik-api.md 3.2. Errors in the roles style (no
status, traceId); not found is 404 IDENTITIES-10402 "Not Found" (the spec's example).

State: tenant.roles (state.py), name -> role dict; every tenant starts with Qlik's default
roles (type "default"). Users and groups refer to roles BY NAME (state.py), so renaming a
custom role renames it everywhere.

Choices where the documents are silent:
- sort: "[+|-]field" over name, id, type, level, createdAt, lastUpdatedAt, description
  (default +name; by code point); anything else is a 400.
- filter: SCIM (scim.py) on the spec's x-qlik-filterable fields: id, name, type, level,
  tenantId, description, permissions, createdAt, lastUpdatedAt; eq/ne/co/sw/ew/pr, and
  gt/ge/lt/le on the timestamps. Case-insensitive, as Qlik says.
- Custom roles: name unique (case-sensitive, like the default names) -> 409 on a clash; at
  most 500 per tenant (400 beyond); only custom roles may be patched or deleted (400 for a
  default role, whose canEdit/canDelete are false); a role still assigned to a user or group
  cannot be deleted (400, "Role can only be deleted if it has been unassigned").
- Mutations need TenantAdmin (documented).
"""
from .. import paging, perms, scim, util, validate
from ..errors import QlikError
from ..routing import route
from ..server import Response, json_response

SERVICE = "roles"
SORTS = ("name", "id", "type", "level", "createdAt", "lastUpdatedAt", "description")
S = {"eq", "ne", "co", "sw", "ew", "pr"}
T = S | {"gt", "ge", "lt", "le"}
FILTERABLE = {"id": S, "name": S, "type": S, "level": S, "tenantId": S, "description": S,
              "permissions": S, "createdAt": T, "lastUpdatedAt": T}
MAX_CUSTOM = 500

CREATE_SCHEMA = {
    "type": "object", "required": ["name"],
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 256},
                   "description": {"type": "string", "maxLength": 1024},
                   "assignedScopes": {"type": "array", "items": {"type": "string"}}},
    "additionalProperties": False,
}


def not_found():
    return QlikError(404, "IDENTITIES-10402", "Not Found", "Role ID not found or Invalid format",
                     service=SERVICE)


def render(tenant, r, base):
    d = {"id": r["id"], "tenantId": tenant.id, "name": r["name"], "type": r["type"],
         "level": r["level"], "description": r.get("description", ""),
         "permissions": list(r.get("permissions", [])),
         "assignedScopes": list(r.get("assignedScopes", [])),
         "canEdit": r["type"] == "custom", "canDelete": r["type"] == "custom",
         "createdAt": util.iso(r["createdAt"]), "lastUpdatedAt": util.iso(r["lastUpdatedAt"])}
    for k in ("createdBy", "updatedBy"):
        if r.get(k):
            d[k] = r[k]
    d["links"] = {"self": {"href": "%s/api/v1/roles/%s" % (base, r["id"])}}
    return d


def by_id(tenant, rid):
    for r in tenant.roles.values():
        if r["id"] == rid:
            return r
    return None


def resolve_refs(tenant, refs, service, pointer):
    """[{id}] or [{name}] -> role names; an unknown role is a 400 on that item."""
    out = []
    for i, ref in enumerate(refs):
        if "id" in ref:
            r = by_id(tenant, ref["id"])
            what = "id %r" % ref["id"]
        else:
            r = tenant.roles.get(ref.get("name"))
            what = "name %r" % ref.get("name")
        if r is None:
            raise QlikError(400, "HTTP-400", "Bad Request", "unknown role %s" % what,
                            service=service, source={"pointer": "%s/%d" % (pointer, i)})
        if r["name"] not in out:
            out.append(r["name"])
    return out


# Role references as users and groups take them: [{id}] or [{name}] (RefIDs | RefNames).
REF_ITEM = {"oneOf": [
    {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
    {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
], "type": "object"}


def ref_list(max_items=None):
    s = {"type": "array", "items": REF_ITEM}
    if max_items:
        s["maxItems"] = max_items
    return s


def _getter(tenant):
    def get(r, attr):
        if attr == "tenantId":
            return tenant.id
        if attr in ("createdAt", "lastUpdatedAt"):
            return util.iso(r[attr])
        if attr == "permissions":
            return list(r.get("permissions", []))
        return r.get(attr)
    return get


@route("GET", "/api/v1/roles", service=SERVICE)
def list_roles(ctx):
    limit = validate.q_int(ctx, "limit", 20, 1, 100, SERVICE)
    field, desc = validate.q_sort(ctx, SORTS, "+name", SERVICE)
    total = validate.q_bool(ctx, "totalResults", False, SERVICE)
    flt = validate.q_str(ctx, "filter", SERVICE)
    tenant = ctx.tenant
    roles = list(tenant.roles.values())
    if flt is not None:
        try:
            tree = scim.parse(flt, FILTERABLE)
        except scim.ScimError as e:
            raise QlikError(400, "HTTP-400", "Bad Request", "invalid filter: %s" % e,
                            service=SERVICE, source={"parameter": "filter"})
        get = _getter(tenant)
        roles = [r for r in roles if scim.evaluate(tree, r, get)]

    def key(r):
        v = r.get(field)
        return (0 if v is None else 1, "" if v is None else v, r["id"])

    sort = ("-" if desc else "+") + field
    try:
        chosen, links = paging.page(ctx, roles, key, sort, desc, limit)
    except QlikError as e:
        e.service = SERVICE
        raise
    body = {"data": [render(tenant, r, ctx.base) for r in chosen], "links": links}
    if total:
        body["totalResults"] = len(roles)
    return json_response(body)


@route("GET", "/api/v1/roles/{id}", service=SERVICE)
def get_role(ctx):
    r = by_id(ctx.tenant, ctx.params["id"])
    if r is None:
        raise not_found()
    return json_response(render(ctx.tenant, r, ctx.base))


@route("POST", "/api/v1/roles", service=SERVICE)
def create_role(ctx):
    perms.require(ctx, SERVICE)
    body = validate.read_json(ctx, CREATE_SCHEMA, SERVICE)
    tenant = ctx.tenant
    if body["name"] in tenant.roles:
        raise QlikError(409, "HTTP-409", "Conflict", "a role named %r exists" % body["name"],
                        service=SERVICE, source={"pointer": "/name"})
    if sum(1 for r in tenant.roles.values() if r["type"] == "custom") >= MAX_CUSTOM:
        raise QlikError(400, "HTTP-400", "Bad Request",
                        "a tenant has at most %d custom roles" % MAX_CUSTOM, service=SERVICE)
    now = util.now()
    r = {"id": util.object_id(now), "name": body["name"], "type": "custom", "level": "user",
         "description": body.get("description", ""), "tenantId": tenant.id,
         "assignedScopes": body.get("assignedScopes", []), "permissions": [],
         "createdAt": now, "lastUpdatedAt": now, "createdBy": perms.caller_id(ctx),
         "updatedBy": perms.caller_id(ctx)}
    tenant.roles[r["name"]] = r
    return json_response(render(tenant, r, ctx.base), 201)


def _custom(ctx):
    r = by_id(ctx.tenant, ctx.params["id"])
    if r is None:
        raise not_found()
    if r["type"] != "custom":
        raise QlikError(400, "HTTP-400", "Bad Request",
                        "only custom roles can be changed or deleted", service=SERVICE)
    return r


@route("PATCH", "/api/v1/roles/{id}", service=SERVICE)
def patch_role(ctx):
    perms.require(ctx, SERVICE)
    r = _custom(ctx)
    ops = validate.json_patch(ctx, [
        (r"/name", {"type": "string", "minLength": 1, "maxLength": 256}, ("replace",)),
        (r"/description", {"type": "string", "maxLength": 1024}, ("replace",)),
        (r"/assignedScopes", {"type": "array", "items": {"type": "string"}},
         ("replace", "remove-value")),
        (r"/assignedScopes/-", {"type": "string"}, ("add",)),
    ], SERVICE, ops=("replace", "add", "remove-value"))
    tenant = ctx.tenant
    new = dict(r, assignedScopes=list(r.get("assignedScopes", [])))
    for op, path, _m, value in ops:
        if path == "/name":
            if value != r["name"] and value in tenant.roles:
                raise QlikError(409, "HTTP-409", "Conflict", "a role named %r exists" % value,
                                service=SERVICE, source={"pointer": "/name"})
            new["name"] = value
        elif path == "/description":
            new["description"] = value
        elif path == "/assignedScopes" and op == "replace":
            new["assignedScopes"] = list(value)
        elif path == "/assignedScopes":
            new["assignedScopes"] = [s for s in new["assignedScopes"] if s not in value]
        else:
            if value not in new["assignedScopes"]:
                new["assignedScopes"].append(value)
    new["lastUpdatedAt"] = util.now()
    new["updatedBy"] = perms.caller_id(ctx)
    if new["name"] != r["name"]:
        _rename(tenant, r["name"], new["name"])
    else:
        tenant.roles[r["name"]] = new
    tenant.roles[new["name"]] = new
    return Response(204)


def _rename(tenant, old, new):
    tenant.roles = {(new if k == old else k): v for k, v in tenant.roles.items()}
    for holder in list(tenant.users.values()) + list(tenant.extra.get("groups", {}).values()):
        holder["roles"] = [new if x == old else x for x in holder.get("roles", [])]
    everyone = tenant.extra.get("group_settings", {}).get("everyone")
    if everyone:
        everyone["roles"] = [new if x == old else x for x in everyone["roles"]]


@route("DELETE", "/api/v1/roles/{id}", service=SERVICE)
def delete_role(ctx):
    perms.require(ctx, SERVICE)
    r = _custom(ctx)
    tenant = ctx.tenant
    holders = list(tenant.users.values()) + list(tenant.extra.get("groups", {}).values())
    everyone = tenant.extra.get("group_settings", {}).get("everyone", {})
    if any(r["name"] in h.get("roles", []) for h in holders) or \
            r["name"] in everyone.get("roles", []):
        raise QlikError(400, "HTTP-400", "Bad Request",
                        "the role is still assigned to users or groups", service=SERVICE)
    del tenant.roles[r["name"]]
    return Response(204)
