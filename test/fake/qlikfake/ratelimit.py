"""Qlik's rate limits (qlik.dev "Rate limiting", shared/research/qlik-api.md 2.4).

Counted per tenant x user x tier over a sliding window (5 minutes by default) with the
per-minute limit scaled to the window, so bursts are allowed: Tier 1 = 1000/min = 5000 per
5 minutes. "Special" operations each have their own limit (x-qlik-tier) and their own bucket.
When a bucket is full the user is blocked for that whole tier (every endpoint of it) until
retry-after has elapsed; requests answered 429 are not counted.

Not modelled: the tenant-wide cap (userLimit x users x 0.5) and the unspecified extra
limits "for error responses".
"""
import collections
import math

from . import routing, tiers, util

_TEMPLATES = {}
for _m, _t, _tier, _limit, _api in tiers.OPERATIONS:
    _TEMPLATES.setdefault(_m, []).append((routing.Template(_t), _tier, _limit))
# The Organization APIs on the console host (qlik.dev org-rest core/tenants; not in the 12
# tenant specs that tiers.py is generated from): the list is documented Tier 1; the fake
# gives the other three the same tier (not stated on the pages we have).
_CONSOLE = {}
for _m, _t in (("GET", "/api/core/tenants"), ("GET", "/api/core/tenants/{tenantId}"),
               ("GET", "/api/core/tenants/actions/count"),
               ("POST", "/api/core/tenants/actions/filter")):
    _CONSOLE.setdefault(_m, []).append((routing.Template(_t), "1", 1000))


def lookup(method, path, console=False):
    """(tier, per-minute limit, template text) of an operation per Qlik's specs, or None.
    console: the Organization APIs (console host) instead of the tenant APIs."""
    cands = (_CONSOLE if console else _TEMPLATES).get(method, [])
    tmpl, _ = routing.best_match([c[0] for c in cands], path)
    if tmpl is None:
        return None
    for t, tier, limit in cands:
        if t is tmpl:
            return tier, limit, t.text
    return None


def known_path(path):
    """True if Qlik's specs have this path with any method (for 405 vs 404)."""
    return any(routing.best_match([c[0] for c in cands], path)[0] is not None
               for cands in _TEMPLATES.values())


class Limiter:
    def __init__(self):
        self.reset()

    def reset(self):
        self.hits = collections.defaultdict(collections.deque)   # bucket -> timestamps
        self.blocked = {}                                         # bucket -> until

    def check(self, cfg, scope, who, method, template, tier, limit):
        """Count one request. Returns None if allowed, else the retry-after in seconds.
        scope: tenant id or register:<region>; who: user id or client id."""
        if not cfg.get("enabled", True):
            return None
        if tier == "1":
            per_min, bucket = cfg["tier1"], (scope, who, "1")
        elif tier == "2":
            per_min, bucket = cfg["tier2"], (scope, who, "2")
        else:
            key = "%s %s" % (method, template)
            per_min = cfg.get("special", {}).get(key, limit)
            bucket = (scope, who, "special", key)
        window = float(cfg["window"])
        allowed = max(1, int(math.floor(per_min * window / 60.0 + 1e-9)))
        now = util.now()
        until = self.blocked.get(bucket)
        if until is not None:
            if until > now:
                return max(1, int(math.ceil(until - now)))
            del self.blocked[bucket]
        q = self.hits[bucket]
        while q and q[0] <= now - window:
            q.popleft()
        if len(q) >= allowed:
            wait = max(1, int(math.ceil(q[0] + window - now)))
            self.blocked[bucket] = now + wait
            return wait
        q.append(now)
        return None


LIMITER = Limiter()
