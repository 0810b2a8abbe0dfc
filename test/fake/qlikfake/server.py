"""HTTPS plumbing and the request pipeline of the fake Qlik Cloud.

Per request, in this order:
  1. read the request (Content-Length or chunked body), note Host and TLS SNI
  2. latency (global or per host/method/path), then an injected fault if one matches
  3. the Host decides what answers: a tenant (by any of its hostnames, any case), a regional
     register host, the console host of the Organization APIs, or nobody (see _unknown_host)
  4. a deactivated tenant answers 401 TENANT_DEACTIVATED to everything, /oauth/token included
  5. /api/... needs a bearer token issued by this host (or an alias of it) and not expired
  6. rate limit for the operation's tier (per tenant x user x tier); /oauth/token counts per
     client id inside its handler, since no user is known before it
  7. the route's handler, holding the state lock; QlikError becomes the service's error body;
     a canned answer (canned.py) stands before the route, after steps 4 to 6
Every response is written with one sendall (status line, headers and body together) on a
TCP_NODELAY socket: http.server's default separate writes make each keep-alive request wait
~40 ms for a delayed ACK.
"""
import email.utils
import http.server
import json
import re
import select
import socket
import socketserver
import ssl
import sys
import threading
import time
import traceback
import urllib.parse

from . import apis, blobs, errors, ratelimit, util
from .canned import CANNED
from .errors import QlikError
from .faults import FAULTS
from .observe import OBSERVER, new_entry
from .ratelimit import LIMITER
from .routing import ROUTER
from .state import DOMAIN, STATE

STOP = threading.Event()          # set at shutdown; ends "hang" faults
MAX_BODY = 2 * 1024 * 1024 * 1024
MAX_SPOOL = 64 * 1024 * 1024 * 1024     # streamed uploads (stream_body routes) go to disk


class Response:
    def __init__(self, status, body=b"", content_type=None, headers=None):
        self.status = status
        self.body = body                # bytes, or a Stream for large bodies
        self.content_type = content_type
        self.headers = list(headers or [])


class Stream:
    """A response body of known length sent in chunks after the state lock is released
    (temporary contents, GBs). chunks: an iterable of bytes-like pieces (see blobs.py)."""

    def __init__(self, length, chunks):
        self.length = length
        self.chunks = chunks

    def close(self):
        close = getattr(self.chunks, "close", None)
        if close:
            close()


def json_response(obj, status=200, headers=None):
    return Response(status, util.dumps(obj), errors.JSON, headers)


def error_response(service, status, code, title, detail=None, headers=None):
    hdrs, body = errors.render(service, status, code, title, detail)
    return json_response(body, status, hdrs + list(headers or []))


def redirect_response(status, location):
    # Qlik documents a text/html body for its redirects (users/me, tenants/me).
    body = ('<a href="%s">%s</a>.\n\n' % (location, http.server.BaseHTTPRequestHandler.responses
                                          .get(status, ("Redirect",))[0])).encode()
    return Response(status, body, "text/html; charset=utf-8", [("Location", location)])


class Ctx:
    """What a handler gets: the request, where it arrived and who sent it."""

    def __init__(self, method, path, query, headers, body, host):
        self.method = method
        self.path = path
        self.query = query                          # raw query string
        self.args = urllib.parse.parse_qs(query, keep_blank_values=True)
        self.headers = headers                      # http.client.HTTPMessage
        self.body = body
        self.host = host                            # Host header, lower case, port kept
        self.hostname = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        self.base = "https://" + host               # for absolute links on the same host
        self.upload = None                          # blobs.Spool on stream_body routes (None:
                                                    # no body)
        self.state = STATE
        self.kind = None                            # "tenant" or "register"
        self.tenant = None
        self.region = None
        self.token = None
        self.session = None                         # a JWT login session (resources/login.py)
        self.params = {}
        self.service = "edge"

    def arg(self, name):
        """A single query parameter; repeating it is a 400 (Qlik's services take one)."""
        vals = self.args.get(name)
        if not vals:
            return None
        if len(vals) > 1:
            raise QlikError(400, "HTTP-400", "Bad Request",
                            "query parameter %r given more than once" % name,
                            source={"parameter": name})
        return vals[0]

    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def json(self, code="HTTP-400"):
        """The body as JSON; 400 in the service's style when it is not JSON. Whatever the
        Content-Type says, as Qlik's services do (see validate.read_json)."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise QlikError(400, code, "Bad Request", "request body is not valid JSON: %s" % e)

    def user(self):
        """The user the token acts as (tenant hosts only)."""
        if self.tenant is None or self.token is None or self.token.user_id is None:
            return None
        return self.tenant.users.get(self.token.user_id)


# ---- the pipeline -------------------------------------------------------------------------

def _unknown_host(ctx):
    """A Host that is neither a tenant nor a register host.

    Real DNS has a wildcard per region (new tenants resolve at once), so a mistyped tenant
    name reaches Qlik's edge, which answers 401 LOGIN-2 "No authentication configured for
    this hostname" (Qlik support article "Error When Logging Into Qlik Cloud tenant").
    Any other host (e.g. other.example.com, the target of cross-host redirect tests) is not
    Qlik at all: a plain 404 page, so a client that follows such a redirect sees a non-Qlik
    answer, and the request log shows whether it sent its bearer token there."""
    if ctx.hostname.endswith("." + DOMAIN):
        return error_response("edge", 401, "LOGIN-2", "No authentication configured for this hostname")
    return Response(404, b"<html><body><h1>404 Not Found</h1></body></html>\n",
                    "text/html; charset=utf-8")


# Set by resources/login.py: ctx -> the JWT login session of the request's cookie, or None.
SESSION_LOOKUP = None


def _authenticate(ctx):
    auth = ctx.headers.get("Authorization") or ""
    scheme, _, value = auth.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        s = SESSION_LOOKUP(ctx) if SESSION_LOOKUP and ctx.kind == "tenant" else None
        if s is None:
            return "missing bearer token"
        user = ctx.tenant.users.get(s["token"].user_id)
        if user is None or user["status"] != "active":
            return "session user no longer exists or is not active"
        ctx.token, ctx.session = s["token"], s
        return None
    tok = STATE.tokens.get(value)
    if tok is None:
        return "invalid token"
    key = ctx.tenant.id if ctx.kind == "tenant" else "org" if ctx.kind == "console" else ctx.region
    if tok.host_kind != ctx.kind or tok.key != key:
        return "token was not issued for this host"
    if tok.expires_at <= util.now():
        return "token expired"
    if ctx.kind == "tenant" and tok.user_id not in ctx.tenant.users:
        return "token user no longer exists"
    ctx.token = tok
    return None


def dispatch(ctx):
    with STATE.lock:
        kind, target = STATE.resolve_host(ctx.hostname)
        if kind is None or (kind == "tenant" and target.status == "deleted"):
            # A purged tenant is gone from the edge (status "deleted"; not documented further).
            return _unknown_host(ctx)
        ctx.kind = kind
        if kind == "tenant":
            ctx.tenant, ctx.region = target, target.region
            if target.status == "disabled":
                return error_response("edge", 401, STATE.config["deactivated_code"],
                                      "Tenant has been deactivated. Contact your administrator "
                                      "for more details.")
        elif kind == "register":
            ctx.region = target
        route, params, allowed = ROUTER.find(ctx.method, ctx.path, kind)
        ctx.params = params or {}
        op = ratelimit.lookup(ctx.method, ctx.path, console=(kind == "console"))
        canned = None

        if ctx.path.startswith("/api/"):
            # Qlik's edge authenticates before routing: without a valid token every /api
            # path, known or not, is a 401.
            problem = _authenticate(ctx)
            if problem:
                return error_response("edge", 401, "HTTP-401", "Unauthorized", problem)
            if ctx.session is not None and ctx.method not in ("GET", "HEAD", "OPTIONS") \
                    and ctx.headers.get("qlik-csrf-token") != ctx.session["csrf"]:
                # Qlik validates the CSRF token on every non-GET call of a cookie session.
                return error_response("edge", 403, "HTTP-403", "Forbidden",
                                      "missing or invalid qlik-csrf-token header")
            canned = CANNED.find(ctx.method, ctx.path,
                                 lambda h: h == ctx.hostname or STATE.resolve_host(h)[1] == target)
            if canned is not None:
                op = CANNED.operation(canned, ctx.method, ctx.path, kind == "console")
            if op is not None:
                who = ctx.token.user_id or ctx.token.client_id
                scope = (ctx.tenant.id if kind == "tenant" else "console" if kind == "console"
                         else "register:" + ctx.region)
                wait = LIMITER.check(STATE.config["rate_limits"], scope, who, ctx.method,
                                     op[2], op[0], op[1])
                if wait is not None:
                    return json_response(errors.rate_limited_body(wait), 429,
                                         [("retry-after", str(wait))])
        if canned is not None:
            status, body, ctype, headers = CANNED.serve(canned)
            return Response(status, body, ctype, headers)
        if route is None:
            if allowed:
                # Qlik does not document wrong-method answers; 405 with Allow is what an
                # HTTP router does, in the edge error shape.
                return error_response("edge", 405, "HTTP-405", "Method Not Allowed",
                                      "%s is not supported on %s" % (ctx.method, ctx.path),
                                      [("Allow", ", ".join(allowed))])
            if op is not None and kind in ("tenant", "console"):
                # A real Qlik operation that this fake does not implement (yet): say so
                # instead of pretending it does not exist.
                return error_response("edge", 501, "HTTP-501", "Not Implemented",
                                      "the fake does not implement %s %s" % (ctx.method, op[2]))
            if kind == "tenant" and ratelimit.known_path(ctx.path):
                return error_response("edge", 405, "HTTP-405", "Method Not Allowed",
                                      "%s is not supported on %s" % (ctx.method, ctx.path))
            if kind == "tenant" and apis.is_qlik_api(ctx.path):
                # An API of Qlik's beyond the mirrored specs (apis.py): not implemented here.
                return error_response("edge", 501, "HTTP-501", "Not Implemented",
                                      "the fake does not implement %s %s" % (ctx.method, ctx.path))
            return error_response("edge", 404, "HTTP-404", "Not Found",
                                  "no route for %s %s" % (ctx.method, ctx.path))
        ctx.service = route.service
        try:
            resp = route.handler(ctx)
        except QlikError as e:
            hdrs, body = errors.from_exception(e, route.service)
            return json_response(body, e.status, hdrs)
        return resp


def _fault_response(fault, ctx):
    kind = fault["kind"]
    if kind == "status":
        st = int(fault["status"])
        hdrs = []
        if "retry_after" in fault:
            hdrs.append(("retry-after", str(int(fault["retry_after"]))))
        if "body" in fault:
            return json_response(fault["body"], st, hdrs)
        if st == 429 and "code" not in fault:
            wait = int(fault.get("retry_after", 1))
            if "retry_after" not in fault:
                hdrs.append(("retry-after", str(wait)))
            return json_response(errors.rate_limited_body(wait), st, hdrs)
        return error_response(fault.get("service", "edge"), st, fault.get("code", "HTTP-%d" % st),
                              fault.get("title", errors.reason(st)), fault.get("detail"), hdrs)
    if kind == "redirect":
        return redirect_response(int(fault["status"]), fault["location"])
    if kind == "malformed":
        return Response(200, b'{"data":[{"id":"6f1c2a","name":"trunc', errors.JSON)
    if kind == "echo":
        return _echo_response(fault, ctx)
    return None


def _echo_text(ctx):
    """What a careless server would show of the request's credentials: its Authorization
    header and the client_secret of its body (JSON or a form)."""
    parts = []
    auth = ctx.headers.get("Authorization")
    if auth:
        parts.append("Authorization: " + auth)
    secret = None
    try:
        text = (ctx.body or b"").decode("utf-8")
        obj = json.loads(text) if text[:1] == "{" else None
        if isinstance(obj, dict):
            secret = obj.get("client_secret")
        elif text:
            secret = urllib.parse.parse_qs(text).get("client_secret", [None])[0]
    except (UnicodeDecodeError, ValueError):
        pass
    if isinstance(secret, str) and secret:
        parts.append("client_secret=" + secret)
    return "; ".join(parts) or "no credentials"


def _echo_response(fault, ctx):
    st = int(fault["status"])
    text = _echo_text(ctx)
    hdrs = [("x-echo", text)]
    if st < 300:
        return json_response({"echo": text, "method": ctx.method, "path": ctx.path}, st, hdrs)
    return error_response(fault.get("service", "edge"), st, fault.get("code", "HTTP-%d" % st),
                          "Request rejected: " + text, "The request carried " + text, hdrs)


# ---- HTTP handler -------------------------------------------------------------------------

class QlikHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "qlikfake"
    sys_version = ""
    timeout = 300                  # idle keep-alive connections are closed after this

    def log_message(self, fmt, *args):   # quiet; the request log is at the control port
        pass

    def handle_one_request(self):
        # Like BaseHTTPRequestHandler's, but every method goes to process().
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline = self.request_version = self.command = ""
                self.send_error(414)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self.process()
            self.wfile.flush()
        except (TimeoutError, socket.timeout, ConnectionError, ssl.SSLError):
            self.close_connection = True

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if te:
            if te != "chunked":
                raise ValueError("unsupported Transfer-Encoding %r" % te)
            parts, total = [], 0
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                total += size
                if total > MAX_BODY:
                    raise ValueError("body too large")
                parts.append(self.rfile.read(size))
                self.rfile.readline(1024)
        n = self.headers.get("Content-Length")
        if n is None:
            return b""
        n = int(n)
        if n < 0 or n > MAX_BODY:
            raise ValueError("bad Content-Length")
        data = self.rfile.read(n)
        if len(data) != n:
            raise ConnectionError("client closed mid-body")
        return data

    def _spool_body(self):
        """Stream the request body to a file (routes with stream_body=True)."""
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if te:
            if te != "chunked":
                raise ValueError("unsupported Transfer-Encoding %r" % te)
            return blobs.spool(blobs.chunked_fill(self.rfile), None, MAX_SPOOL)
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0:
            raise ValueError("bad Content-Length")
        return blobs.spool(blobs.length_fill(self.rfile.readinto, n), n, MAX_SPOOL)

    def process(self):
        method = self.command.upper()
        # Runs of slashes count as one, as at Qlik's edge: Qlik's Postman collection
        # downloads its export from "https://host/" + a Location that starts with "/"
        # (and urlsplit would take "//api" for a host name).
        raw_path, sep, raw_query = self.path.partition("?")
        url = urllib.parse.urlsplit(re.sub(r"/{2,}", "/", raw_path) + sep + raw_query)
        path, query = url.path or "/", url.query
        upload = None
        try:
            route = None
            if self.headers.get("Transfer-Encoding") or \
                    (self.headers.get("Content-Length") or "0").strip() != "0":
                # Only requests with a body can need spooling (stream_body routes see
                # ctx.upload None for an empty one).
                route = ROUTER.find(method, path, "tenant")[0]
            if route is not None and route.stream_body:
                upload = self._spool_body()
                body = b""
            else:
                body = self._read_body()
        except (ValueError, TypeError):
            self.close_connection = True
            self.send_raw(error_response("edge", 400, "HTTP-400", "Bad Request", "unreadable body"))
            return
        except ConnectionError:
            raise
        except OSError as e:            # the fake's disk (full ...) while spooling an upload
            self.close_connection = True
            self.send_raw(error_response("edge", 500, "HTTP-500", "Internal Server Error",
                                         "the fake could not store the request body: %s" % e))
            return
        if method not in ("GET", "HEAD"):
            STATE.version += 1
        try:
            self._process(method, path, query, body, upload)
        finally:
            if upload is not None:
                upload.discard()

    def _process(self, method, path, query, body, upload):
        host = (self.headers.get("Host") or "").strip().lower()
        sni = getattr(self.connection, "qlik_sni", None)
        entry = new_entry(host.rsplit(":", 1)[0] if host.count(":") == 1 else host, sni, method,
                          path, query, list(self.headers.items()), body, self.client_address[0])
        if upload is not None:
            entry["body"] = "<%d bytes, streamed>" % upload.size
        status = 0
        try:
            if not host:
                resp = error_response("edge", 400, "HTTP-400", "Bad Request", "missing Host header")
                status = self.send_raw(resp)
                return
            ctx = Ctx(method, path, query, self.headers, body, host)
            ctx.upload = upload
            delay = FAULTS.latency_for(ctx.hostname, method, path)
            if delay:
                time.sleep(delay / 1000.0)
            fault = FAULTS.take(ctx.hostname, method, path)
            kind = fault["kind"] if fault else None
            if kind == "drop":
                self.close_connection = True
                return
            if kind == "hang":
                self.hang(fault.get("seconds", STATE.config["hang_max"]))
                return
            if kind == "slow":
                time.sleep(fault["ms"] / 1000.0)
            if kind == "huge":
                status = self.send_huge(int(fault["size"]))
                return
            resp = _fault_response(fault, ctx) if fault else None
            if resp is None:
                try:
                    resp = dispatch(ctx)
                except Exception:
                    traceback.print_exc(file=sys.stderr)
                    resp = error_response("edge", 500, "HTTP-500", "Internal Server Error",
                                          "the fake crashed; see its stderr")
            status = self.send_raw(resp, truncate=(kind == "truncate"))
        finally:
            OBSERVER.record(entry, status)

    # ---- writing -------------------------------------------------------------------------

    def _head(self, status, headers, length):
        reason = self.responses.get(status, ("Status",))[0]
        lines = ["HTTP/1.1 %d %s" % (status, reason),
                 "Date: " + email.utils.formatdate(usegmt=True)]
        lines += ["%s: %s" % (k, v) for k, v in headers]
        lines.append("Content-Length: %d" % length)
        if self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def send_raw(self, resp, truncate=False):
        """One write for the whole response. Returns the status for the counters."""
        headers = list(resp.headers)
        if resp.content_type:
            headers.insert(0, ("Content-Type", resp.content_type))
        body = resp.body
        if isinstance(body, Stream):
            return self.send_stream(resp.status, headers, body, truncate)
        if truncate:
            # Promise more than is sent, send part of it, then hang up.
            self.close_connection = True
            cut = body[: len(body) // 2]
            self.wfile.write(self._head(resp.status, headers, len(body) + 1024) + cut)
            return resp.status
        if self.command == "HEAD":
            self.wfile.write(self._head(resp.status, headers, len(body)))
        else:
            self.wfile.write(self._head(resp.status, headers, len(body)) + body)
        return resp.status

    def send_stream(self, status, headers, stream, truncate=False):
        """Headers, then the body chunk by chunk (the first chunk in the same write as the
        headers). A truncate fault promises 1024 bytes more than it sends half of."""
        try:
            if self.command == "HEAD":
                self.wfile.write(self._head(status, headers, stream.length))
                return status
            promised = stream.length + (1024 if truncate else 0)
            limit = stream.length // 2 if truncate else stream.length
            if truncate:
                self.close_connection = True
            head = self._head(status, headers, promised)
            sent = 0
            for chunk in stream.chunks:
                if sent + len(chunk) > limit:
                    chunk = chunk[:limit - sent]
                if head is not None:
                    self.wfile.write(head + chunk)
                    head = None
                elif chunk:
                    self.wfile.write(chunk)
                sent += len(chunk)
                if sent >= limit:
                    break
            if head is not None:
                self.wfile.write(head)
            if sent < limit:
                self.close_connection = True    # the source ran short: do not pretend
            return status
        except OSError:
            self.close_connection = True
            raise
        finally:
            stream.close()

    def send_huge(self, size):
        head = self._head(200, [("Content-Type", errors.JSON)], size)
        prefix, suffix = b'{"data":"', b'"}'
        fill = size - len(prefix) - len(suffix)
        chunk = b"x" * (1 << 20)
        self.wfile.write(head + prefix)
        while fill > 0:
            n = min(fill, len(chunk))
            self.wfile.write(chunk[:n])
            fill -= n
        self.wfile.write(suffix)
        return 200

    def hang(self, max_seconds):
        """Hold the request without answering until the client hangs up, max_seconds pass,
        or the fake stops."""
        self.close_connection = True
        sock = self.connection
        deadline = time.monotonic() + float(max_seconds)
        while not STOP.is_set() and time.monotonic() < deadline:
            try:
                r, _, _ = select.select([sock], [], [], 0.2)
                if r and not sock.recv(4096):
                    return          # the client hung up
            except ssl.SSLWantReadError:
                continue
            except (OSError, ValueError):
                return


class TLSServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """Accepts in the main loop, does the TLS handshake in the connection's own thread (a
    slow or failing handshake must not stall other clients)."""
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, ctx):
        self.ssl_ctx = ctx
        ctx.sni_callback = self._sni
        super().__init__(addr, QlikHandler)

    @staticmethod
    def _sni(sslsock, name, _ctx):
        try:
            sslsock.qlik_sni = name
        except AttributeError:
            pass
        return None

    def get_request(self):
        sock, addr = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, addr

    def finish_request(self, request, client_address):
        request.settimeout(30)
        try:
            tls = self.ssl_ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            # e.g. a client that does not trust our CA aborts the handshake
            request.close()
            return
        try:
            tls.settimeout(None)
            self.RequestHandlerClass(tls, client_address, self)
        except (OSError, ssl.SSLError):
            pass
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        traceback.print_exc(file=sys.stderr)


def make_tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx
