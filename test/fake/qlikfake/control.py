"""The control interface: plain HTTP, loopback only, JSON in and out (see README.md).

    POST   /reset              wipe state, faults, latency, counters, log, config
    POST   /seed               add regions, tenants, clients, users (format in README.md)
    GET    /config             current config
    POST   /config             change config (token_lifetime, rate_limits, ...)
    POST   /latency            {"ms":N[,"host","path","method"]}; DELETE /latency clears
    GET    /faults             pending faults
    POST   /faults             add a fault (or {"faults":[...]} for several)
    DELETE /faults             clear faults
    GET    /counters           request counts (?host=&path=&method=&status=)
    POST   /counters/reset     zero the counters
    GET    /requests           request log (?host=&path=&method=&status=&last=N)
    DELETE /requests           clear the request log
    POST   /tokens/expire      expire issued tokens now ({"host":...} optional)
    GET    /tokens             the token values issued (so tests can look for leaks)
    POST   /tenants/status     {"hostname"|"id", "status"}
    GET    /clock              {"now","offset_seconds"}
    POST   /clock              {"advance_days":N} or {"advance_seconds":N}: move the fake's clock
                               forward (tenant purge, token expiry, timestamps follow it)
    POST   /canned             serve an endpoint with a canned answer (canned.py; README.md), or
                               {"canned":[...]} for several; GET /canned lists them;
                               DELETE /canned clears them (?id=N: one)
    GET    /state              tenants, users, clients (no secrets), token count
    POST   /reloads/failures   {"appId", "count"?, "errorCode"?, "errorMessage"?, "log"?, "host"?}:
                               the next count reloads of the app FAIL with that reason;
                               GET lists them, DELETE clears them (resources/reloads.py)
    GET    /health             {"ok":true}
"""
import http.server
import ipaddress
import json
import socket
import socketserver
import traceback
import urllib.parse

from . import state as state_mod
from . import util
from .canned import CANNED, CannedError
from .faults import FAULTS, FaultError
from .observe import OBSERVER
from .ratelimit import LIMITER
from .state import STATE, SeedError


class ControlError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _body(handler):
    n = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(n) if n else b""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ControlError(400, "body is not JSON: %s" % e)


def _one(q, name):
    v = q.get(name)
    return v[0] if v else None


def dump_state():
    with STATE.lock:
        regions = [{"region": code, "register_host": "register.%s.%s" % (code, state_mod.DOMAIN),
                    "clients": [c.public() for c in clients.values()]}
                   for code, clients in sorted(STATE.region_clients.items())]
        from .resources import tenants as tenants_res, users as users_res
        tenants = []
        for t in STATE.tenants.values():
            base = "https://" + t.hostnames[0]
            d = tenants_res.render(t, base)
            d["clients"] = [c.public() for c in t.clients.values()]
            d["roles"] = [{k: r[k] for k in ("id", "name", "type", "level")} for r in t.roles.values()]
            d["bots"] = dict(t.bots)
            d["users"] = [users_res.render(t, u, base) for u in t.users.values()]
            for key, hook in state_mod.DUMP_HOOKS.items():
                d[key] = hook(STATE, t)
            tenants.append(d)
        now = util.now()
        live = sum(1 for tok in STATE.tokens.values() if tok.expires_at > now)
        org = {"host": state_mod.CONSOLE_HOST,
               "clients": [c.public() for c in STATE.org_clients.values()]}
        return {"regions": regions, "organization": org, "tenants": tenants,
                "tokens": {"issued": len(STATE.tokens), "live": live}}


def handle(method, path, query, body):
    q = urllib.parse.parse_qs(query)
    if (method, path) == ("GET", "/health"):
        return {"ok": True}
    if (method, path) == ("POST", "/reset"):
        STATE.reset()
        util.reset_clock()
        FAULTS.reset()
        CANNED.reset()
        OBSERVER.reset()
        LIMITER.reset()
        return {"ok": True}
    if (method, path) == ("POST", "/seed"):
        return STATE.seed(body)
    if path == "/config":
        if method == "GET":
            return STATE.config
        if method == "POST":
            with STATE.lock:
                cfg = STATE.set_config(body)
            if "rate_limits" in body:
                LIMITER.reset()     # new limits start from empty windows
            return cfg
    if path == "/latency":
        if method == "POST":
            return FAULTS.set_latency(body)
        if method == "DELETE":
            FAULTS.clear_latency()
            return FAULTS.latency_state()
        if method == "GET":
            return FAULTS.latency_state()
    if path == "/faults":
        if method == "GET":
            return {"faults": FAULTS.list()}
        if method == "POST":
            if isinstance(body, dict) and "faults" in body:
                return {"faults": [FAULTS.add(f) for f in body["faults"]]}
            return FAULTS.add(body)
        if method == "DELETE":
            return {"cleared": FAULTS.clear()}
    if path == "/canned":
        if method == "GET":
            return {"canned": CANNED.list()}
        if method == "POST":
            if isinstance(body, dict) and "canned" in body:
                if not isinstance(body["canned"], list):
                    raise ControlError(400, "canned must be a list")
                return {"canned": [CANNED.add(c) for c in body["canned"]]}
            return CANNED.add(body)
        if method == "DELETE":
            ident = _one(q, "id")
            if ident is not None and not ident.isdigit():
                raise ControlError(400, "id must be a number")
            return {"removed": CANNED.remove(int(ident) if ident is not None else None)}
    if (method, path) == ("GET", "/counters"):
        return OBSERVER.counters(_one(q, "host"), _one(q, "path"), _one(q, "method"), _one(q, "status"))
    if (method, path) == ("POST", "/counters/reset"):
        OBSERVER.reset_counters()
        return {"ok": True}
    if path == "/requests":
        if method == "GET":
            last = _one(q, "last")
            if last is not None and not last.isdigit():
                raise ControlError(400, "last must be a number")
            return OBSERVER.requests(_one(q, "host"), _one(q, "path"), _one(q, "method"),
                                     _one(q, "status"), last)
        if method == "DELETE":
            OBSERVER.clear_log()
            return {"ok": True}
    if (method, path) == ("POST", "/tokens/expire"):
        if not isinstance(body, dict):
            raise ControlError(400, "body must be an object")
        with STATE.lock:
            return {"expired": STATE.expire_tokens(body.get("host"))}
    if (method, path) == ("GET", "/tokens"):
        # The bearer tokens issued, so that tests can prove none of them reached a log
        # or a message. Test-only: the control port listens on loopback alone.
        with STATE.lock:
            return {"tokens": sorted(STATE.tokens)}
    if (method, path) == ("POST", "/tenants/status"):
        if not isinstance(body, dict) or "status" not in body:
            raise ControlError(400, 'need {"hostname" or "id", "status"}')
        ref = body.get("id") or body.get("hostname")
        with STATE.lock:
            t = STATE.set_tenant_status(ref, body["status"])
            return {"id": t.id, "hostnames": t.hostnames, "status": t.status}
    if (method, path) == ("GET", "/state"):
        return dump_state()
    if path == "/reloads/failures" and method in ("GET", "POST", "DELETE"):
        from .resources import reloads as reloads_res
        return reloads_res.control_failures(method, body)
    if path == "/clock" and method in ("GET", "POST"):
        if method == "POST":
            if not isinstance(body, dict) or not body or \
                    set(body) - {"advance_days", "advance_seconds"}:
                raise ControlError(400, 'need {"advance_days":N} or {"advance_seconds":N}')
            secs = 0.0
            for k, mult in (("advance_days", 86400), ("advance_seconds", 1)):
                v = body.get(k, 0)
                if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                    raise ControlError(400, "%s must be a non-negative number" % k)
                secs += v * mult
            with STATE.lock:
                util.advance_clock(secs)
                STATE.purge_due()
        return {"now": util.iso(util.now()), "offset_seconds": util.clock_offset()}
    raise ControlError(404, "no control route %s %s" % (method, path))


class ControlHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "qlikfake-control"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def _respond(self, status, obj):
        body = util.dumps(obj) + b"\n"
        head = ("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                % (status, self.responses.get(status, ("",))[0], len(body))).encode()
        self.wfile.write(head + body)

    def _any(self):
        url = urllib.parse.urlsplit(self.path)
        try:
            if not ipaddress.ip_address(self.client_address[0]).is_loopback:
                raise ControlError(403, "control is for loopback clients only")
            body = _body(self)
            # One control call at a time, and never in the middle of a Qlik request.
            with STATE.lock:
                STATE.version += 1
                result = handle(self.command.upper(), url.path.rstrip("/") or "/", url.query, body)
            self._respond(200, result)
        except ControlError as e:
            self._respond(e.status, {"error": str(e)})
        except (SeedError, FaultError, CannedError) as e:
            self._respond(400, {"error": str(e)})
        except Exception as e:
            traceback.print_exc()
            self._respond(500, {"error": "%s: %s" % (type(e).__name__, e)})

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _any


class ControlServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def get_request(self):
        sock, addr = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, addr
