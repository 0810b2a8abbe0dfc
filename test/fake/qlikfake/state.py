"""The fake's world: regions with their register hosts and regional OAuth clients, tenants
with hostnames, tenant-level clients, users and roles, and the bearer tokens issued.

One re-entrant lock (State.lock) guards everything; the pipeline holds it while a handler
runs, so handlers need no locking of their own.

Resource modules that come later keep their per-tenant data in Tenant.extra[<name>] and
plug into seeding and /state through the hooks at the end of this file.
"""
import copy
import random
import re
import secrets
import threading

from . import util

# Region code -> datacenter, as TenantCreationRequest.datacenter lists them (Qlik writes
# ap=ap-southeast-1 and sg=ap-southeast-2, which looks swapped versus AWS; copied as is).
# "in" is not in that list; the test certificate covers it, so it gets AWS's Mumbai name.
REGIONS = {
    "us": "us-east-1", "eu": "eu-west-1", "de": "eu-central-1", "uk": "eu-west-2",
    "jp": "ap-northeast-1", "ap": "ap-southeast-1", "sg": "ap-southeast-2", "in": "ap-south-1",
}

DOMAIN = "qlikcloud.com"
# The Cloud Console host of the Organization APIs (resources/org_tenants.py).
CONSOLE_HOST = "console." + DOMAIN

# Default roles of a tenant: (API name, level, description). Names are case-sensitive.
DEFAULT_ROLES = [
    ("TenantAdmin", "admin", "Full administrative access to the tenant."),
    ("AnalyticsAdmin", "admin", "Manage analytics content and spaces."),
    ("AuditAdmin", "admin", "Read audit events."),
    ("DataAdmin", "admin", "Manage data content and data spaces."),
    ("AccessAdmin", "admin", "Manage users, groups and access."),
    ("Developer", "user", "Create API keys and use developer tools."),
    ("SharedSpaceCreator", "user", "Create shared spaces."),
    ("ManagedSpaceCreator", "user", "Create managed spaces."),
    ("DataSpaceCreator", "user", "Create data spaces."),
    ("AutomationCreator", "user", "Create automations."),
    ("PrivateAnalyticsContentCreator", "user", "Create content in the personal space."),
    ("DataServicesContributor", "user", "Contribute to data services."),
    ("AnalyticsAppCreator", "user", "Create analytics apps."),
]

REGION_SCOPES = ["admin_classic", "tenants:create", "tenants:deactivate", "tenants:reactivate"]
TENANT_CLIENT_SCOPES = ["admin_classic", "user_default"]
ORG_SCOPES = ["cloud-console.tenants:read"]

DEFAULT_CONFIG = {
    "token_lifetime": 21600,            # seconds; Qlik: six hours
    "rate_limits": {
        "enabled": True,
        "window": 300,                  # seconds; Qlik evaluates over 5 minutes
        "tier1": 1000,                  # requests per minute
        "tier2": 100,
        "special": {},                  # "METHOD /template": per-minute limit overrides
    },
    "deactivated_code": "TENANT_DEACTIVATED",
    # Scope checking at /oauth/token: lenient by default so that @qlik/api's default
    # scope "user_default" works with a regional client (see qlik-api.md 2.1).
    "strict_scopes": False,
    # Location of the /users/me and /tenants/me redirects: "spec" (users absolute, tenants
    # relative, see resources/users.py), "absolute" or "relative".
    "redirects": "spec",
    "hang_max": 300,                    # seconds a "hang" fault holds a request at most
}

_FIRST = ["Alice", "Bob", "Carla", "Dmitri", "Erin", "Farid", "Greta", "Hiro", "Ines", "Jonas",
          "Kalinda", "Lars", "Maya", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sven", "Tara",
          "Umar", "Vera", "Wim", "Xenia", "Yusuf", "Zoe", "anna", "bert", "Émile", "Øystein"]
_LAST = ["Andersson", "Berg", "Costa", "Dubois", "Eklund", "Fischer", "García", "Hansen",
         "Ivanova", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "O'Brien",
         "Petrov", "Quist", "Rossi", "Schmidt", "Tanaka", "Ulrich", "Varga", "Weber", "Young"]


class SeedError(Exception):
    pass


class Client:
    def __init__(self, client_id, secret, name, kind, region=None, tenant_id=None,
                 scopes=None, roles=None):
        self.client_id = client_id
        self.secret = secret
        self.name = name
        self.kind = kind                  # "region", "tenant" or "org"
        self.region = region
        self.tenant_id = tenant_id
        self.scopes = list(scopes or [])
        self.roles = list(roles or [])    # roles of the bot user it materialises
        self.created = util.now()

    def public(self):
        d = {"client_id": self.client_id, "name": self.name, "kind": self.kind,
             "scopes": self.scopes}
        if self.kind == "region":
            d["region"] = self.region
        elif self.kind == "org":
            pass
        else:
            d["tenantId"] = self.tenant_id
            d["roles"] = self.roles
        return d


class Token:
    def __init__(self, value, host_kind, key, client_id, user_id, subject, expires_at, scope):
        self.value = value
        self.host_kind = host_kind        # "tenant", "register" or "console"
        self.key = key                    # tenant id, region code (register), "org" (console)
        self.client_id = client_id
        self.user_id = user_id            # bot user on a tenant; None on a register host
        self.subject = subject
        self.issued_at = util.now()
        self.expires_at = expires_at
        self.scope = scope


class Tenant:
    def __init__(self, tid, name, hostnames, region, created=None):
        t = util.now() if created is None else created
        self.id = tid
        self.name = name
        self.hostnames = hostnames
        self.region = region
        self.datacenter = REGIONS.get(region, region)
        self.status = "active"
        self.created = t
        self.last_updated = t
        self.status_updated = t
        self.created_by_user = ""
        self.flags = {
            "enableAnalyticCreation": False,
            "enableAppOpeningFeedback": False,
            "autoAssignCreateSharedSpacesRoleToProfessionals": True,
            "autoAssignDataServicesContributorRoleToProfessionals": True,
            "autoAssignPrivateAnalyticsContentCreatorRoleToProfessionals": True,
        }
        self.clients = {}                 # tenant-level OAuth clients
        self.users = {}                   # id -> user dict (insertion ordered)
        self.roles = {}                   # name -> role dict
        self.bots = {}                    # client id -> bot user id
        self.extra = {}                   # per-resource data of later modules
        self.purge_at = None              # epoch seconds; set by deactivate (resources/tenants.py)

    def role_ref(self, name):
        r = self.roles[name]
        return {"id": r["id"], "name": r["name"], "type": r["type"], "level": r["level"]}


class State:
    def __init__(self):
        self.lock = threading.RLock()
        # Bumped by every request that may change state (server.py, control.py), so that
        # derived data (paging.py's sorted lists) can be cached until it changes.
        self.version = 0
        self.reset()

    def reset(self):
        with self.lock:
            self.config = copy.deepcopy(DEFAULT_CONFIG)
            self.region_clients = {}      # region -> {client id -> Client}
            self.org_clients = {}         # client id -> Client: organization-level clients
            self.tenants = {}             # id -> Tenant
            self.hosts = {}               # lower-case hostname -> tenant id
            self.tokens = {}              # value -> Token
            for hook in globals().get("RESET_HOOKS", ()):
                hook(self)

    # ---- lookups -------------------------------------------------------------------------

    def resolve_host(self, host):
        """Host header (port stripped, any case) -> ("tenant", Tenant) | ("register", region)
        | ("console", "org") | (None, None)."""
        h = host.lower().rstrip(".")
        self.purge_due()
        if h == CONSOLE_HOST:
            return "console", "org"
        tid = self.hosts.get(h)
        if tid is not None:
            return "tenant", self.tenants[tid]
        m = re.fullmatch(r"register\.([a-z0-9-]+)\." + re.escape(DOMAIN), h)
        if m and (m.group(1) in REGIONS or m.group(1) in self.region_clients):
            return "register", m.group(1)
        return None, None

    def purge_due(self):
        """Deactivated tenants whose purge date has passed (util.now() follows the control
        clock) become "deleted": their hostnames are released (so they answer as unknown
        hosts, and an alias can be taken again) and their tokens are dropped. The tenant
        object stays, for GET /state."""
        now = util.now()
        for t in self.tenants.values():
            if t.status == "disabled" and t.purge_at is not None and t.purge_at <= now:
                t.status = "deleted"
                t.status_updated = t.last_updated = t.purge_at
                t.purge_at = None
                for h in t.hostnames:
                    if self.hosts.get(h) == t.id:
                        del self.hosts[h]
                for v in [v for v, tok in self.tokens.items()
                          if tok.host_kind == "tenant" and tok.key == t.id]:
                    del self.tokens[v]

    def find_client(self, client_id):
        if client_id in self.org_clients:
            return self.org_clients[client_id]
        for clients in self.region_clients.values():
            if client_id in clients:
                return clients[client_id]
        for t in self.tenants.values():
            if client_id in t.clients:
                return t.clients[client_id]
        return None

    def tenant_by_ref(self, ref):
        """A tenant by id or by any of its hostnames."""
        if ref in self.tenants:
            return self.tenants[ref]
        tid = self.hosts.get(str(ref).lower())
        return self.tenants.get(tid) if tid else None

    # ---- tokens --------------------------------------------------------------------------

    def issue_token(self, host_kind, key, client, scope):
        now = util.now()
        # Forget tokens that expired more than an hour ago, so the table stays small.
        for v in [v for v, t in self.tokens.items() if t.expires_at < now - 3600]:
            del self.tokens[v]
        user_id = subject = None
        if host_kind == "tenant":
            user = self.ensure_bot(self.tenants[key], client)
            user_id, subject = user["id"], user["subject"]
        else:
            subject = "client:" + client.client_id
        lifetime = float(self.config["token_lifetime"])
        tok = Token(util.access_token(), host_kind, key, client.client_id, user_id, subject,
                    now + lifetime, scope)
        self.tokens[tok.value] = tok
        return tok

    def expire_tokens(self, host=None):
        n = 0
        kind, target = self.resolve_host(host) if host else (None, None)
        if host and kind is None:
            raise SeedError("unknown host %r" % host)
        key = target.id if kind == "tenant" else target
        now = util.now()
        for tok in self.tokens.values():
            if host and (tok.host_kind != kind or tok.key != key):
                continue
            if tok.expires_at > now:
                tok.expires_at = now - 0.001
                n += 1
        return n

    # ---- users ---------------------------------------------------------------------------

    def ensure_bot(self, tenant, client):
        """The first token of an OAuth client on a tenant materialises its bot user there
        (qlik-api.md 2.1: a regional client's bot is a TenantAdmin, subject qlikbot\\<hex>)."""
        uid = tenant.bots.get(client.client_id)
        if uid in tenant.users:
            return tenant.users[uid]
        roles = ["TenantAdmin"] if client.kind == "region" else client.roles
        user = self.add_user(tenant, {
            "subject": "qlikbot\\" + secrets.token_hex(16),
            "name": client.name, "roles": roles, "clientId": client.client_id,
        })
        tenant.bots[client.client_id] = user["id"]
        return user

    def add_user(self, tenant, spec, created=None, check_subject=True):
        """Create a user from a seed-style dict: subject (required), name, email, status,
        roles (role names), id, createdAt, clientId. Subjects are unique per tenant
        (case-insensitive); generated users skip that scan (random 96-bit subjects)."""
        if not isinstance(spec, dict) or not isinstance(spec.get("subject"), str) \
                or not spec["subject"]:
            raise SeedError("each user needs a non-empty string 'subject'")
        allowed = {"id", "subject", "name", "email", "status", "roles", "createdAt",
                   "clientId", "locale", "zoneinfo", "picture"}
        bad = set(spec) - allowed
        if bad:
            raise SeedError("unknown user field(s) %s; allowed: %s" % (sorted(bad), sorted(allowed)))
        if check_subject and any(u["subject"].lower() == spec["subject"].lower()
                                 for u in tenant.users.values()):
            raise SeedError("duplicate user subject %r in tenant %s" % (spec["subject"], tenant.id))
        status = spec.get("status", "active")
        if status not in ("active", "invited", "disabled", "deleted", "provisioned"):
            raise SeedError("bad user status %r" % status)
        roles = spec.get("roles", [])
        for r in roles:
            if r not in tenant.roles:
                raise SeedError("unknown role %r (known: %s)" % (r, sorted(tenant.roles)))
        ts = created
        if "createdAt" in spec:
            try:
                ts = util.parse_iso(spec["createdAt"])
            except (ValueError, AttributeError):
                raise SeedError("bad createdAt %r" % spec.get("createdAt"))
        ts = util.now() if ts is None else ts
        uid = spec.get("id") or util.object_id(ts)
        if not re.fullmatch(r"[0-9a-f]{24}", uid):
            raise SeedError("user id must be 24 lower-case hex digits: %r" % uid)
        if uid in tenant.users:
            raise SeedError("duplicate user id %r" % uid)
        user = {
            "id": uid, "tenantId": tenant.id, "subject": spec["subject"],
            "name": spec.get("name", spec["subject"]), "status": status,
            "roles": list(roles), "groups": [], "createdAt": ts, "lastUpdatedAt": ts,
        }
        for k in ("email", "clientId", "locale", "zoneinfo", "picture"):
            if k in spec:
                user[k] = spec[k]
        if status == "invited":
            user["inviteExpiry"] = int(ts) + 7 * 86400
        tenant.users[uid] = user
        return user

    def generate_users(self, tenant, count):
        """count deterministic users: the first a TenantAdmin human with an email, the rest a
        mix of names (so +name and +createdAt orders differ), a few admins, a few disabled or
        invited. createdAt is spaced a minute apart, oldest first."""
        rng = random.Random("users:" + tenant.hostnames[0])
        base = util.now() - 60 * (count + 1)
        made = []
        short = tenant.hostnames[0].split(".")[0]
        for i in range(count):
            if i == 0:
                spec = {"name": "Tenant Admin", "email": "admin@%s.example.com" % short,
                        "roles": ["TenantAdmin"]}
            else:
                first, last = rng.choice(_FIRST), rng.choice(_LAST)
                spec = {"name": "%s %s" % (first, last),
                        "email": "%s.%s.%d@%s.example.com" % (first.lower(), last.lower(), i, short)}
                if i % 10 == 0:
                    spec["roles"] = ["AnalyticsAdmin"]
                elif i % 7 == 0:
                    spec["roles"] = ["Developer", "SharedSpaceCreator"]
                if i % 17 == 0:
                    spec["status"] = "disabled"
                elif i % 23 == 0:
                    spec["status"] = "invited"
            spec["subject"] = "auth0|%024x" % rng.getrandbits(96)
            made.append(self.add_user(tenant, spec, created=base + 60 * i, check_subject=False))
        return made

    # ---- seeding -------------------------------------------------------------------------

    def seed(self, data):
        """Apply a seed document (format in README.md); all or nothing."""
        if not isinstance(data, dict):
            raise SeedError("seed must be a JSON object")
        bad = set(data) - {"regions", "tenants", "config", "organization"}
        if bad:
            raise SeedError("unknown seed key(s) %s" % sorted(bad))
        with self.lock:
            saved = (copy.deepcopy(self.region_clients), copy.deepcopy(self.tenants),
                     dict(self.hosts), copy.deepcopy(self.config), dict(self.org_clients))
            try:
                out = {"regions": [], "tenants": []}
                if "config" in data:
                    self.set_config(data["config"])
                for r in _list(data.get("regions", []), "regions"):
                    out["regions"].append(self._seed_region(r))
                for t in _list(data.get("tenants", []), "tenants"):
                    out["tenants"].append(self._seed_tenant(t))
                if "organization" in data:
                    out["organization"] = self._seed_org(data["organization"])
                return out
            except Exception:
                (self.region_clients, self.tenants, self.hosts, self.config,
                 self.org_clients) = saved
                raise

    def _seed_region(self, r):
        if not isinstance(r, dict) or not isinstance(r.get("region"), str):
            raise SeedError("each region needs a 'region' code, e.g. {\"region\":\"us\"}")
        code = r["region"].lower()
        if not re.fullmatch(r"[a-z0-9-]+", code):
            raise SeedError("bad region code %r" % code)
        bad = set(r) - {"region", "clients"}
        if bad:
            raise SeedError("unknown region key(s) %s" % sorted(bad))
        clients = self.region_clients.setdefault(code, {})
        made = []
        for c in _list(r.get("clients", []), "region clients"):
            cl = self._make_client(c, "region", region=code)
            clients[cl.client_id] = cl
            made.append(cl.public())
        return {"region": code, "register_host": "register.%s.%s" % (code, DOMAIN),
                "clients": made}

    def _seed_org(self, o):
        """The organization (one in the fake: it owns every subscription) and its
        organization-level OAuth clients, which get tokens on the console host only."""
        if not isinstance(o, dict):
            raise SeedError("organization must be an object")
        bad = set(o) - {"clients"}
        if bad:
            raise SeedError("unknown organization key(s) %s" % sorted(bad))
        made = []
        for c in _list(o.get("clients", []), "organization clients"):
            cl = self._make_client(c, "org")
            self.org_clients[cl.client_id] = cl
            made.append(cl.public())
        return {"host": CONSOLE_HOST, "clients": made}

    def _make_client(self, c, kind, region=None, tenant_id=None):
        if not isinstance(c, dict):
            raise SeedError("a client must be an object")
        bad = set(c) - {"client_id", "client_secret", "name", "scopes", "roles"}
        if bad:
            raise SeedError("unknown client key(s) %s" % sorted(bad))
        cid, secret = c.get("client_id"), c.get("client_secret")
        if not isinstance(cid, str) or not cid or not isinstance(secret, str) or not secret:
            raise SeedError("a client needs non-empty string client_id and client_secret")
        if self.find_client(cid):
            raise SeedError("duplicate client_id %r" % cid)
        name = c.get("name") or ("regional client " + cid if kind == "region" else "client " + cid)
        scopes = c.get("scopes", {"region": REGION_SCOPES, "org": ORG_SCOPES}.get(kind, TENANT_CLIENT_SCOPES))
        roles = c.get("roles", ["TenantAdmin"])
        if kind == "region" and "roles" in c:
            raise SeedError("regional clients always act as TenantAdmin; 'roles' is for tenant clients")
        if kind == "org" and "roles" in c:
            raise SeedError("organization clients have no user and no roles")
        return Client(cid, secret, name, kind, region, tenant_id, scopes, roles)

    def create_tenant(self, hostnames, tid=None, name=None, status="active", created=None):
        """Register a tenant and run the tenant-init hooks (default roles, later modules)."""
        region = None
        hs = []
        for h in hostnames:
            if not isinstance(h, str):
                raise SeedError("hostnames must be strings")
            h = h.lower().rstrip(".")
            m = re.fullmatch(r"([a-z0-9]([a-z0-9-]*[a-z0-9])?)\.([a-z0-9-]+)\." + re.escape(DOMAIN), h)
            if not m or m.group(1) == "register":
                raise SeedError("tenant hostname must look like <name>.<region>.%s: %r" % (DOMAIN, h))
            if region is None:
                region = m.group(3)
            elif m.group(3) != region:
                raise SeedError("all hostnames of a tenant must be in one region: %r" % h)
            if h in self.hosts or h in hs:
                raise SeedError("hostname already in use: %r" % h)
            hs.append(h)
        if not hs:
            raise SeedError("a tenant needs a hostname")
        if region not in REGIONS and region not in self.region_clients:
            raise SeedError("unknown region %r in %r (known: %s)" % (region, hs[0], sorted(REGIONS)))
        tid = tid or util.tenant_id()
        if not isinstance(tid, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", tid):
            raise SeedError("bad tenant id %r" % tid)
        if tid in self.tenants:
            raise SeedError("duplicate tenant id %r" % tid)
        if status not in ("active", "disabled", "deleted", "user-access-disabled"):
            raise SeedError("bad tenant status %r" % status)
        t = Tenant(tid, name or hs[0].split(".")[0], hs, region, created)
        t.status = status
        for rname, level, desc in DEFAULT_ROLES:
            t.roles[rname] = {"id": util.object_id(t.created), "name": rname, "type": "default",
                              "level": level, "description": desc, "tenantId": tid,
                              "createdAt": t.created, "lastUpdatedAt": t.created}
        self.tenants[tid] = t
        for h in hs:
            self.hosts[h] = tid
        for hook in TENANT_INIT_HOOKS:
            hook(self, t)
        return t

    def _seed_tenant(self, d):
        if not isinstance(d, dict):
            raise SeedError("each tenant must be an object")
        known = {"hostname", "hostnames", "id", "name", "status", "clients", "users"}
        bad = set(d) - known - set(TENANT_SEED_HOOKS)
        if bad:
            raise SeedError("unknown tenant key(s) %s; allowed: %s"
                            % (sorted(bad), sorted(known | set(TENANT_SEED_HOOKS))))
        hostnames = d.get("hostnames") or ([d["hostname"]] if "hostname" in d else [])
        if "hostname" in d and "hostnames" in d:
            raise SeedError("give either 'hostname' or 'hostnames'")
        t = self.create_tenant(_list(hostnames, "hostnames"), d.get("id"), d.get("name"),
                               d.get("status", "active"))
        clients = []
        for c in _list(d.get("clients", []), "tenant clients"):
            cl = self._make_client(c, "tenant", tenant_id=t.id)
            t.clients[cl.client_id] = cl
            clients.append(cl.public())
        users = d.get("users", 0)
        if isinstance(users, bool) or not isinstance(users, (int, list)):
            raise SeedError("'users' is a count or a list of user objects")
        if isinstance(users, int):
            if not 0 <= users <= 100000:
                raise SeedError("'users' count out of range 0..100000")
            made = self.generate_users(t, users)
        else:
            made = [self.add_user(t, u) for u in users]
        out = {"id": t.id, "name": t.name, "hostnames": t.hostnames, "region": t.region,
               "status": t.status, "clients": clients,
               "users": [{k: u[k] for k in ("id", "subject", "name", "email") if k in u}
                         for u in made]}
        for key, hook in TENANT_SEED_HOOKS.items():
            if key in d:
                out[key] = hook(self, t, d[key])
        return out

    def set_config(self, cfg):
        if not isinstance(cfg, dict):
            raise SeedError("config must be an object")
        new = copy.deepcopy(self.config)
        for k, v in cfg.items():
            if k not in DEFAULT_CONFIG:
                raise SeedError("unknown config key %r (known: %s)" % (k, sorted(DEFAULT_CONFIG)))
            if k == "rate_limits":
                if not isinstance(v, dict):
                    raise SeedError("rate_limits must be an object")
                for rk, rv in v.items():
                    if rk not in DEFAULT_CONFIG["rate_limits"]:
                        raise SeedError("unknown rate_limits key %r" % rk)
                    if rk == "enabled" and not isinstance(rv, bool):
                        raise SeedError("rate_limits.enabled must be a boolean")
                    if rk == "special" and not isinstance(rv, dict):
                        raise SeedError("rate_limits.special maps 'METHOD /template' to a limit")
                    if rk in ("window", "tier1", "tier2") and (
                            isinstance(rv, bool) or not isinstance(rv, (int, float)) or rv <= 0):
                        raise SeedError("rate_limits.%s must be a positive number" % rk)
                    new["rate_limits"][rk] = rv
            elif k == "token_lifetime":
                if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
                    raise SeedError("token_lifetime must be a positive number of seconds")
                new[k] = v
            elif k == "hang_max":
                if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                    raise SeedError("hang_max must be a number of seconds")
                new[k] = v
            elif k == "redirects":
                if v not in ("spec", "absolute", "relative"):
                    raise SeedError("redirects is one of spec, absolute, relative")
                new[k] = v
            elif k == "strict_scopes":
                if not isinstance(v, bool):
                    raise SeedError("strict_scopes must be a boolean")
                new[k] = v
            elif k == "deactivated_code":
                if not isinstance(v, str) or not v:
                    raise SeedError("deactivated_code must be a string")
                new[k] = v
            elif k in CONFIG_HOOKS:
                new[k] = CONFIG_HOOKS[k](v)     # validator: returns the value or raises SeedError
        self.config = new
        return new

    def set_tenant_status(self, ref, status):
        t = self.tenant_by_ref(ref)
        if t is None:
            raise SeedError("no tenant %r" % ref)
        if status not in ("active", "disabled", "deleted", "user-access-disabled"):
            raise SeedError("bad tenant status %r" % status)
        if t.status != status:
            t.status = status
            t.status_updated = t.last_updated = util.now()
        if status != "disabled":
            t.purge_at = None     # the control call sets no purge date (no countdown)
        return t


def _list(v, what):
    if not isinstance(v, list):
        raise SeedError("%s must be a list" % what)
    return v


# Hooks for resource modules that come later:
#   TENANT_INIT_HOOKS: fn(state, tenant), run when any tenant is created (seed or API).
#   TENANT_SEED_HOOKS: {"key": fn(state, tenant, value) -> result}, extra tenant seed keys.
#   DUMP_HOOKS: {"key": fn(state, tenant) -> json}, extra fields per tenant in GET /state.
TENANT_INIT_HOOKS = []
#   RESET_HOOKS: fn(state), run by State.reset() (POST /reset), e.g. to delete blob files.
#   CONFIG_HOOKS: {"key": validator(value) -> value}, extra config keys; register the
#   default with add_config(key, default, validator).
RESET_HOOKS = []
CONFIG_HOOKS = {}


def add_config(key, default, validator):
    DEFAULT_CONFIG[key] = default
    CONFIG_HOOKS[key] = validator
    if "STATE" in globals():
        STATE.config.setdefault(key, copy.deepcopy(default))
TENANT_SEED_HOOKS = {}
DUMP_HOOKS = {}

STATE = State()
