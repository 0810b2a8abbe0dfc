"""Path templates ("/api/v1/users/{userId}") and the route registry.

A template matches a concrete path segment by segment; {name} matches one non-empty segment,
except a final {path} which takes the rest of the path (apps media files). When several
templates match, the one with more literal segments earlier wins, so /users/me beats
/users/{userId} and /users/actions/count beats /users/{userId}/... .
"""
import urllib.parse


class Template:
    def __init__(self, text):
        self.text = text
        self.parts = [p for p in text.split("/") if p]
        # Rank: a literal segment outranks a parameter at the same position.
        self.rank = tuple(0 if p.startswith("{") else 1 for p in self.parts)

    def match(self, path):
        segs = [urllib.parse.unquote(s) for s in path.split("/") if s]
        params = {}
        for i, part in enumerate(self.parts):
            if part == "{path}" and i == len(self.parts) - 1:
                if i >= len(segs):
                    return None
                params["path"] = "/".join(segs[i:])
                return params
            if i >= len(segs):
                return None
            if part.startswith("{"):
                params[part[1:-1]] = segs[i]
            elif part != segs[i]:
                return None
        if len(segs) != len(self.parts):
            return None
        return params


def best_match(templates, path):
    """Pick the most specific template matching path; returns (template, params) or (None, None)."""
    best = None
    for t in templates:
        params = t.match(path)
        if params is not None and (best is None or t.rank > best[0].rank):
            best = (t, params)
    return best if best else (None, None)


class Route:
    def __init__(self, method, template, handler, service, hosts, auth, stream_body=False):
        self.method = method
        self.template = template
        self.handler = handler
        self.service = service   # error style for this API, see errors.py
        self.hosts = hosts       # "tenant", "register", "both" (tenant and register),
                                 # "console" (the Organization APIs' host) or "any"
        self.auth = auth         # False only for /oauth/token
        # True: the request body is spooled to a file (ctx.upload, see blobs.py) instead of
        # being read into memory (uploads of app files, GBs)
        self.stream_body = stream_body


class Router:
    def __init__(self):
        self.routes = []
        self._templates = {}

    def add(self, method, template, handler, service, hosts="tenant", auth=True,
            stream_body=False):
        t = self._templates.setdefault(template, Template(template))
        self.routes.append(Route(method.upper(), t, handler, service, hosts, auth, stream_body))

    def find(self, method, path, host_kind):
        """Returns (route, params, allowed_methods). route is None when nothing matches the
        method; allowed_methods lists the methods the path does answer to on this host kind."""
        candidates = [r for r in self.routes
                      if r.hosts in (host_kind, "any")
                      or r.hosts == "both" and host_kind in ("tenant", "register")]
        tmpl, params = best_match({r.template for r in candidates}, path)
        if tmpl is None:
            return None, None, []
        same = [r for r in candidates if r.template is tmpl]
        allowed = sorted({r.method for r in same})
        for r in same:
            if r.method == method:
                return r, params, allowed
        return None, params, allowed


ROUTER = Router()


def route(method, template, service, hosts="tenant", auth=True, stream_body=False):
    """Decorator used by resources/*.py to register a handler."""
    def deco(fn):
        ROUTER.add(method, template, fn, service, hosts, auth, stream_body)
        return fn
    return deco
