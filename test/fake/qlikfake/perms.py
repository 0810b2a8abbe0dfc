"""Who may do what, kept simple.

Qlik documents 403 for most mutating calls ("Forbidden from creating a group", "Requesting
user must be assigned the TenantAdmin role") without listing each permission. The fake's
rule: a mutating call of an admin API (users, groups, roles, identity providers, web
integrations, license settings, tenant patch) needs the TenantAdmin role, held directly, via
a group, or via the Everyone system group. Bot users of regional OAuth clients are always
TenantAdmin (qlik-api.md 2.1); a tenant-level client's bot has the roles its seed gives it
(default TenantAdmin; a client seeded with "roles": [] gets 403 here). On a register host the
caller is a regional client, which manages the tenants of its region.
"""
from .errors import QlikError

EVERYONE_ID = "000000000000000000000001"


def roles_of(ctx):
    """Role names of the caller: direct, from its groups, and from the Everyone group."""
    if ctx.kind == "register":
        return {"TenantAdmin"}
    user = ctx.user()
    if user is None:
        return set()
    tenant = ctx.tenant
    roles = set(user.get("roles", []))
    groups = tenant.extra.get("groups", {})
    for gid in user.get("groups", []):
        roles.update(groups.get(gid, {}).get("roles", []))
    roles.update(tenant.extra.get("group_settings", {}).get("everyone", {}).get("roles", []))
    return roles


def require(ctx, service, any_of=("TenantAdmin",), code="HTTP-403", title="Forbidden",
            detail=None):
    """403 in the service's style unless the caller holds one of the roles."""
    if roles_of(ctx) & set(any_of):
        return
    raise QlikError(403, code, title,
                    detail or "the caller needs the %s role" % " or ".join(any_of),
                    service=service)


def caller_id(ctx):
    """The id to record as createdBy/updatedBy: the user, or the client on a register host."""
    if ctx.token is None:
        return ""
    return ctx.token.user_id or ctx.token.client_id or ""
