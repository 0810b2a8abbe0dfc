#!/usr/bin/env python3
"""A hostile Qlik Cloud: answers every request with something Qlik would never send.

    hostile.py --list                      print the corpus (JSON: name, host, call, expect)
    hostile.py --cert C --key K [--listen 127.0.0.1:0] [--port-file F]
                                           serve it over HTTPS (Python standard library only)

The first label of the Host header picks what is answered:
  h-<case>.us.qlikcloud.com    a case of the corpus below (test/hostile/README.md); its
                               /oauth/token gives a good token unless the case is a token case
  fz<seed>.us.qlikcloud.com    fuzzing: a request whose target holds c<N> gets fuzz case N of
                               that seed (random and mutated bodies, statuses, headers)
The corpus is generated: every bad body is served to every kind of call that reads a body
(qlik_api, a typed object, a typed list, a POST), and the transport, header, redirect, error
body, token and paging cases are added to it. Responses are raw bytes written on the socket,
so that status lines, framing and headers can be as broken as a case needs.
"""
import json
import random
import re
import socket
import socketserver
import ssl
import sys
import threading

MiB = 1024 * 1024


# ---------------------------------------------------------------- responses (raw bytes)

def raw(status_line, headers=(), body=b"", length=True):
    head = [status_line.encode() if isinstance(status_line, str) else status_line]
    for name, value in headers:
        head.append((name.encode() if isinstance(name, str) else name) + b": " +
                    (value.encode() if isinstance(value, str) else value))
    if length:
        head.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def resp(status=200, body=b"", ctype="application/json", headers=(), reason=None):
    if isinstance(body, str):
        body = body.encode()
    hdrs = list(headers)
    if ctype is not None:
        hdrs.insert(0, ("Content-Type", ctype))
    return raw("HTTP/1.1 %d %s" % (status, reason or "X"), hdrs, body)


def qlik_error(status, title=b"Bad", code=b"HOSTILE-1", detail=None, trace=b"abc123"):
    """A Qlik error document from raw bytes (so they can be invalid UTF-8)."""
    parts = [b'"code":"' + code + b'"', b'"title":"' + title + b'"']
    if detail is not None:
        parts.append(b'"detail":"' + detail + b'"')
    body = b'{"errors":[{' + b",".join(parts) + b'}],"traceId":"' + trace + b'"}'
    return resp(status, body)


TOKEN_OK = resp(200, '{"access_token":"hostile-token","token_type":"bearer","expires_in":3600}')

# ---------------------------------------------------------------- the corpus

# Bodies of a 200 answer that no Qlik service sends.  (name, bytes, content type)
DEEP = 100000
BAD_BODIES = [
    ("deep-array", b"[" * DEEP + b"]" * DEEP, "application/json"),
    ("deep-object", b'{"a":' * DEEP + b"1" + b"}" * DEEP, "application/json"),
    ("deep-1001", b"[" * 1001 + b"]" * 1001, "application/json"),
    ("deep-unclosed", b"[" * DEEP, "application/json"),
    ("num-1e999999", b'{"id":"x","n":1e999999}', "application/json"),
    ("num-neg-1e999999", b'{"id":"x","n":-1e999999}', "application/json"),
    ("num-1e-999999", b'{"id":"x","n":1e-999999}', "application/json"),
    ("num-1e1001", b'{"id":"x","n":1e1001}', "application/json"),
    ("num-200k-digits", b'{"id":"x","n":' + b"9" * 200000 + b"}", "application/json"),
    ("num-20k-decimals", b'{"id":"x","n":0.' + b"0" * 20000 + b"1}", "application/json"),
    ("num-leading-zero", b'{"id":"x","n":012}', "application/json"),
    ("num-nan", b'{"id":"x","n":NaN}', "application/json"),
    ("num-infinity", b'{"id":"x","n":Infinity}', "application/json"),
    ("esc-u0000", b'{"id":"x","name":"a\\u0000b"}', "application/json"),
    ("esc-u0000-key", b'{"id":"x","\\u0000":1}', "application/json"),
    ("esc-lone-high", b'{"id":"x","name":"\\ud800"}', "application/json"),
    ("esc-lone-low", b'{"id":"x","name":"\\udc00"}', "application/json"),
    ("esc-high-high", b'{"id":"x","name":"\\ud800\\ud800"}', "application/json"),
    ("esc-high-ascii", b'{"id":"x","name":"\\ud83dA"}', "application/json"),
    ("esc-bad-hex", b'{"id":"x","name":"\\u12G4"}', "application/json"),
    ("esc-short", b'{"id":"x","name":"\\u12"}', "application/json"),
    ("esc-unknown", b'{"id":"x","name":"\\q"}', "application/json"),
    ("utf8-ff", b'{"id":"x","name":"a\xffb"}', "application/json"),
    ("utf8-overlong-nul", b'{"id":"x","name":"a\xc0\x80b"}', "application/json"),
    ("utf8-surrogate", b'{"id":"x","name":"a\xed\xa0\x80b"}', "application/json"),
    ("utf8-cut", b'{"id":"x","name":"a\xe2\x82"}', "application/json"),
    ("utf8-beyond-10ffff", b'{"id":"x","name":"\xf4\x90\x80\x80"}', "application/json"),
    ("raw-nul", b'{"id":"x","name":"a\x00b"}', "application/json"),
    ("raw-control", b'{"id":"x","name":"a\x01b"}', "application/json"),
    ("bom", b'\xef\xbb\xbf{"id":"x"}', "application/json"),
    ("truncated-object", b'{"id":"x","name":"y"', "application/json"),
    ("truncated-string", b'{"id":"x","name":"y', "application/json"),
    ("truncated-array", b'{"data":[{"id":"x"},', "application/json"),
    ("trailing-garbage", b'{"id":"x"} trailing', "application/json"),
    ("two-documents", b'{"id":"x"}{"id":"y"}', "application/json"),
    ("single-quotes", b"{'id':'x'}", "application/json"),
    ("no-colon", b'{"id" "x"}', "application/json"),
    ("bare-word", b"nul", "application/json"),
    ("only-spaces", b"   \r\n\t ", "application/json"),
    ("html-as-json", b"<html><body>Gateway</body></html>", "application/json"),
    ("ctype-html", b"<html><body>Sign in</body></html>", "text/html; charset=utf-8"),
    ("ctype-text-json-body", b'{"id":"x"}', "text/plain"),
    ("ctype-xml", b"<?xml version='1.0'?><a/>", "application/xml"),
    ("ctype-bad-bytes", b'{"id":"x"}', b"application/\xff\xfe\x01json-ish"),
    ("ctype-none-html", b"<html></html>", None),
    ("scalar-null", b"null", "application/json"),
    ("scalar-string", b'"just a string"', "application/json"),
    ("scalar-number", b"42", "application/json"),
    ("array-empty", b"[]", "application/json"),
    ("array-of-numbers", b"[1,2,3]", "application/json"),
    ("data-not-array", b'{"data":{"id":"x"}}', "application/json"),
    ("data-of-strings", b'{"data":["a","b"]}', "application/json"),
    ("empty-body", b"", "application/json"),
]

# What each kind of call makes of a body: the SQLSTATE expected when not QK006.
TARGETS = ["api", "tenant", "users", "space"]
BODY_OUTCOME = {
    # qlik_api returns any JSON document, and NULL for an empty body.
    ("scalar-null", "api"): "ok", ("scalar-string", "api"): "ok", ("scalar-number", "api"): "ok",
    ("array-empty", "api"): "ok", ("array-of-numbers", "api"): "ok",
    ("data-not-array", "api"): "ok", ("data-of-strings", "api"): "ok", ("empty-body", "api"): "ok",
    # numeric takes exponents up to 1000 and more digits than any answer holds.
    ("num-1e1001", "api"): "ok", ("num-1e1001", "tenant"): "ok", ("num-1e1001", "space"): "ok",
    # A list is a bare array, or an object with a data array.
    ("array-empty", "users"): "ok",
    # Valid JSON with an id: the typed object gets its fields, the rest as jsonb.
    ("num-leading-zero", "tenant"): "QK006",
}
# Valid documents that are also valid objects for a typed call.
for t in ("tenant", "space"):
    BODY_OUTCOME[("data-not-array", t)] = "ok"
    BODY_OUTCOME[("data-of-strings", t)] = "ok"


def body_case(name, body, ctype, target):
    expect = BODY_OUTCOME.get((name, target), "QK006")
    if target == "users" and name == "data-of-strings":
        expect = "QK006"            # items that are not objects
    return {"name": "b-%s-%s" % (name, target), "call": target, "expect": expect,
            "api": lambda req, b=body, c=ctype: resp(200, b, c)}


# Good answers beyond ASCII: in a UTF-8 database as they are; in another, characters the
# encoding lacks become '?' (raw or escaped), never an error.
ENC_BODIES = [
    ("enc-raw-latin", '{"id":"x","name":"Zoë Ångström"}'.encode()),
    ("enc-esc-latin", b'{"id":"x","name":"Zo\u00eb \u00c5ngstr\u00f6m"}'),
    ("enc-raw-cjk", '{"id":"x","name":"名前 Имя"}'.encode()),
    ("enc-esc-cjk", b'{"id":"x","name":"\u540d\u524d \u0418\u043c\u044f"}'),
    ("enc-esc-emoji", b'{"id":"x","name":"\ud83d\ude00 ok"}'),
    ("enc-raw-emoji", '{"id":"x","name":"😀 ok"}'.encode()),
    ("enc-esc-mixed", b'{"id":"x","name":"\\"q\\" \\\\ \\u00e9\\u540d\\n"}'),
]

# Typed fields of the wrong type: Qlik's fault, not a cast error of ours.
TYPED = [
    ("type-date", b'{"id":"x","created":"not a date"}', "tenant", "QK006"),
    ("type-date-number", b'{"id":"x","created":12}', "tenant", "QK006"),
    ("type-date-feb-30", b'{"id":"x","created":"2024-02-30T00:00:00Z"}', "tenant", "QK006"),
    ("type-date-year-300000", b'{"id":"x","created":"300000-01-01T00:00:00Z"}', "tenant", "QK006"),
    ("type-roles-object", b'{"id":"x","hostnames":{"a":1}}', "tenant", "ok"),
    ("type-user-date", b'{"data":[{"id":"u","createdAt":"not a date"}]}', "users", "QK006"),
    ("type-space-date", b'{"id":"s","createdAt":"2024-13-45T99:00:00Z"}', "space", "QK006"),
]


def error_cases():
    """4xx/5xx error documents with hostile text: the status's SQLSTATE, valid text."""
    big = b"T" * (600 * 1024)
    out = [
        ("err-title-ff", qlik_error(400, title=b"bad \xff\xfe title"), "QK400"),
        ("err-title-overlong", qlik_error(400, title=b"a\xc0\x80b"), "QK400"),
        ("err-title-surrogate", qlik_error(409, title=b"a\xed\xa0\x80b"), "QK409"),
        ("err-title-controls", qlik_error(400, title=b"line1\\r\\nERROR:  forged\\u001b[31m"), "QK400"),
        ("err-title-u0000", qlik_error(400, title=b"before\\u0000after"), "QK400"),
        ("err-title-lone-surrogate", qlik_error(400, title=b"x\\ud800y"), "QK400"),
        ("err-title-600kb", qlik_error(400, title=big), "QK400"),
        ("err-title-cjk", qlik_error(404, title="見つかりません — ошибка".encode()), "QK404"),
        ("err-code-ff", qlik_error(403, code=b"CODE-\xff"), "QK403"),
        ("err-detail-ff", qlik_error(400, detail=b"detail \xc3\x28 here"), "QK400"),
        ("err-detail-600kb", qlik_error(400, detail=big), "QK400"),
        ("err-trace-ff", qlik_error(500, trace=b"\xff\xfe\xfd"), "QK5XX"),
        ("err-trace-600kb", qlik_error(500, trace=big), "QK5XX"),
        ("err-b3-header-ff", resp(404, b'{"errors":[{"title":"gone"}]}',
                                  headers=[("X-B3-Traceid", b"\xff\xfe-\x01")]), "QK404"),
        ("err-deep", resp(400, b"[" * DEEP + b"]" * DEEP), "QK400"),
        ("err-html", resp(502, b"<html>\xff Bad gateway</html>", "text/html"), "QK5XX"),
        ("err-empty", resp(503, b""), "QK5XX"),
        ("err-errors-empty", resp(400, b'{"errors":[]}'), "QK400"),
        ("err-errors-string", resp(400, b'{"errors":"oops \xff"}'), "QK400"),
        ("err-title-number", resp(400, b'{"errors":[{"title":12,"code":{}}]}'), "QK400"),
        ("err-oauth-ff", resp(400, b'{"error":"invalid_\xff","error_description":"no \xfe"}'), "QK400"),
        ("err-status-418", qlik_error(418, title=b"teapot \xff"), "QK4XX"),
        ("err-status-599", qlik_error(599, title=b"odd"), "QK5XX"),
        ("err-status-600", qlik_error(600, title=b"beyond"), "QK006"),
        ("err-status-999", resp(999, b"{}"), "QK006"),
        ("err-status-300", resp(300, b"{}"), "QK006"),
        ("err-status-304", raw("HTTP/1.1 304 Not Modified", []), "QK006"),
        ("err-deactivated-ff", qlik_error(401, title=b"deact \xff", code=b"TENANT_DEACTIVATED"), "QK401"),
    ]
    return [{"name": n, "call": "api", "expect": e, "api": (lambda req, r=r: r)} for n, r, e in out]


def transport_cases():
    """Status lines, framing, headers: what the HTTP layer itself must survive."""
    many = [("X-H%d" % i, "v" * 30) for i in range(10000)]
    out = [
        ("http-status-word", raw("HTTP/1.1 abc OK", [("Content-Type", "application/json")], b"{}"), "QK006"),
        ("http-status-garbage", b"FOO BAR\r\n\r\n{}", "QK006"),
        ("http-status-nul", raw(b"HTTP/1.1 200 \x00OK", [("Content-Type", "application/json")], b"{}"), "QK006"),
        ("http-version-9", raw("HTTP/9.9 200 OK", [("Content-Type", "application/json")], b"{}"), "QK006"),
        ("http-status-2000", raw("HTTP/1.1 2000 OK", [("Content-Type", "application/json")], b"{}"), "QK006"),
        ("http-header-no-colon", raw("HTTP/1.1 200 OK", [("Content-Type", "application/json")], b"{}")
         .replace(b"Content-Length", b"Garbage line\r\nContent-Length"), "QK006"),
        ("http-header-300kb", raw("HTTP/1.1 200 OK", [("Content-Type", "application/json"),
                                                      ("X-Big", "b" * (300 * 1024))], b"{}"), "QK005"),
        ("http-header-150kb", raw("HTTP/1.1 200 OK", [("Content-Type", "application/json"),
                                                      ("X-Big", "b" * (150 * 1024))], b"{}"), "QK005"),
        ("http-headers-10000", raw("HTTP/1.1 200 OK", [("Content-Type", "application/json")] + many, b"{}"),
         "QK005"),
        ("http-nothing", b"", "QK002"),
        ("http-cut-in-headers", b"HTTP/1.1 200 OK\r\nContent-Type: appl", "QK002"),
        ("http-body-cut", raw("HTTP/1.1 200 OK", [("Content-Type", "application/json"),
                                                  ("Content-Length", "1000")], b'{"id":', length=False), "QK002"),
        ("http-content-length-huge", raw("HTTP/1.1 200 OK", [("Content-Type", "application/json"),
                                                             ("Content-Length", "99999999999")], b"{}",
                                         length=False), "QK005"),
        ("http-content-length-bad", raw("HTTP/1.1 200 OK", [("Content-Type", "application/json"),
                                                            ("Content-Length", "abc")], b"{}", length=False),
         "QK006"),
        ("http-content-length-negative", raw("HTTP/1.1 200 OK", [("Content-Type", "application/json"),
                                                                 ("Content-Length", "-5")], b"{}", length=False),
         "QK006"),
        ("http-body-2mb", resp(200, b'{"pad":"' + b"x" * (2 * MiB) + b'"}'), "QK005"),
        ("http-chunked-bad-size", raw("HTTP/1.1 200 OK", [("Content-Type", "application/json"),
                                                          ("Transfer-Encoding", "chunked")],
                                      b"zz\r\n{}\r\n0\r\n\r\n", length=False), "QK002"),
        ("http-chunked-huge-size", raw("HTTP/1.1 200 OK", [("Content-Type", "application/json"),
                                                           ("Transfer-Encoding", "chunked")],
                                       b"ffffffffffffffffffff\r\n{}\r\n", length=False), "QK002"),
        ("http-chunked-cut", raw("HTTP/1.1 200 OK", [("Content-Type", "application/json"),
                                                     ("Transfer-Encoding", "chunked")],
                                 b"10\r\n{\"id\":", length=False), "QK002"),
        ("http-chunked-2mb", raw("HTTP/1.1 200 OK", [("Content-Type", "application/json"),
                                                     ("Transfer-Encoding", "chunked")],
                                 b"".join(b"%x\r\n%s\r\n" % (65536, b" " * 65536) for _ in range(33)) +
                                 b"0\r\n\r\n", length=False), "QK005"),
        ("http-gzip-garbage", raw("HTTP/1.1 200 OK", [("Content-Type", "application/json"),
                                                      ("Content-Encoding", "gzip")], b"not gzip at all"),
         "QK006"),
        ("http-encoding-unknown", raw("HTTP/1.1 200 OK", [("Content-Type", "application/json"),
                                                          ("Content-Encoding", "x-hostile")], b"{}"), "QK006"),
    ]
    return [{"name": n, "call": "api", "expect": e, "api": (lambda req, r=r: r)} for n, r, e in out]


def redirect_cases():
    def loc(target, status=302):
        return lambda req: raw("HTTP/1.1 %d Found" % status, [("Location", target)])
    out = [
        ("redir-other-host", loc("https://evil.example.com/steal"), "QK007"),
        ("redir-other-tenant", loc("https://other.us.qlikcloud.com/api/v1/users/me"), "QK007"),
        ("redir-http", loc("http://h-redir-http.us.qlikcloud.com/api/v1/x"), "QK007"),
        ("redir-javascript", loc("javascript:alert(1)"), "QK007"),
        ("redir-loop", loc("/api/v1/users/me"), "QK007"),
        ("redir-chain", lambda req: raw("HTTP/1.1 302 Found",
                                        [("Location", "/hop/%d" % (int((re.findall(r"/hop/(\d+)", req["path"])
                                                                        or ["0"])[0]) + 1))]), "QK007"),
        ("redir-no-location", lambda req: raw("HTTP/1.1 302 Found", []), "QK006"),
        ("redir-empty-location", loc(""), "QK006"),
        ("redir-bad-url", loc("https://[::1"), "QK007"),
        ("redir-location-ff", loc(b"/api/\xff\xfe"), "QK007"),
        ("redir-location-150kb", loc("/" + "a" * (150 * 1024)), "QK005"),
        ("redir-userinfo", loc("https://user:pw@h-redir-userinfo.us.qlikcloud.com/x"), "QK007"),
        ("redir-303-then-bad", lambda req: (raw("HTTP/1.1 303 See Other", [("Location", "/next")])
                                            if req["path"] != "/next" else resp(200, b"[" * DEEP)), "QK006"),
    ]
    return [{"name": n, "call": "api", "expect": e, "api": f} for n, f, e in out]


def token_cases():
    def tok(body, ctype="application/json", status=200):
        r = resp(status, body, ctype)
        return lambda req: r
    out = [
        ("tok-html", tok(b"<html>login</html>", "text/html"), "QK006"),
        ("tok-not-json", tok(b"access_token=abc&expires_in=3600", "application/x-www-form-urlencoded"), "QK006"),
        ("tok-empty", tok(b""), "QK006"),
        ("tok-no-access-token", tok(b'{"token_type":"bearer","expires_in":3600}'), "QK006"),
        ("tok-access-token-number", tok(b'{"access_token":12345,"expires_in":3600}'), "QK006"),
        ("tok-access-token-empty", tok(b'{"access_token":"","expires_in":3600}'), "QK006"),
        ("tok-access-token-crlf", tok(b'{"access_token":"abc\\r\\nX-Injected: 1","expires_in":3600}'), "QK006"),
        ("tok-access-token-ff", tok(b'{"access_token":"abc\xff","expires_in":3600}'), "QK006"),
        ("tok-access-token-600kb", tok(b'{"access_token":"' + b"a" * (600 * 1024) + b'","expires_in":3600}'), "QK006"),
        ("tok-expires-huge", tok(b'{"access_token":"t","expires_in":1e308}'), "ok"),
        ("tok-expires-1e999999", tok(b'{"access_token":"t","expires_in":1e999999}'), "ok"),
        ("tok-expires-negative", tok(b'{"access_token":"t","expires_in":-3600}'), "QK006"),
        ("tok-expires-zero", tok(b'{"access_token":"t","expires_in":0}'), "QK006"),
        ("tok-expires-string", tok(b'{"access_token":"t","expires_in":"soon"}'), "QK006"),
        ("tok-deep", tok(b'{"a":' * DEEP + b"1" + b"}" * DEEP), "QK006"),
        ("tok-error-ff", tok(b'{"error":"invalid_client","error_description":"bad \xff secret"}',
                             status=401), "QK401"),
        ("tok-500-html", tok(b"<html>\xfe</html>", "text/html", 500), "QK5XX"),
        ("tok-redirect", lambda req: raw("HTTP/1.1 302 Found", [("Location", "https://evil.example.com/t")]),
         "QK006"),
        ("tok-header-300kb", lambda req: raw("HTTP/1.1 200 OK", [("X-Big", "b" * (300 * 1024))], b"{}"), "QK005"),
    ]
    return [{"name": n, "call": "api", "expect": e, "token": f, "api": lambda req: resp(200, b"{}")}
            for n, f, e in out]


def paging_cases():
    """Page 1 is fine and links to page 2, which is hostile."""
    def paged(page2, link="/api/v1/users/page2"):
        def answer(req):
            if "page2" not in req["path"]:
                body = json.dumps({"data": [{"id": "u1", "name": "one"}],
                                   "links": {"next": {"href": link}}}).encode()
                return resp(200, body)
            return page2
        return answer
    p2 = lambda b, c="application/json": resp(200, b, c)
    out = [
        ("page2-deep", paged(p2(b"[" * DEEP + b"]" * DEEP)), "QK006"),
        ("page2-u0000", paged(p2(b'{"data":[{"id":"\\u0000"}]}')), "QK006"),
        ("page2-ff", paged(p2(b'{"data":[{"id":"\xff"}]}')), "QK006"),
        ("page2-truncated", paged(p2(b'{"data":[{"id":"u2"}')), "QK006"),
        ("page2-html", paged(p2(b"<html></html>", "text/html")), "QK006"),
        ("page2-not-list", paged(p2(b'{"id":"u2"}')), "QK006"),
        ("page2-empty", paged(p2(b"")), "QK006"),
        ("link-dotdot", paged(None, "/api/v1/../../internal"), "QK006"),
        ("link-pct-dotdot", paged(None, "/api/v1/%2e%2e/%2E%2E/internal"), "QK006"),
        ("link-mixed-dotdot", paged(None, "/api/v1/.%2e/internal"), "QK006"),
        ("link-url-dotdot", paged(None, "https://h-link-url-dotdot.us.qlikcloud.com/api/%2e%2e/x"), "QK006"),
        ("link-other-host", paged(None, "https://evil.example.com/api/v1/users"), "QK007"),
        ("link-http", paged(None, "http://h-link-http.us.qlikcloud.com/api/v1/users/page2"), "QK006"),
        ("link-javascript", paged(None, "javascript:alert(1)"), "QK006"),
        ("link-control", paged(None, "/api/v1/users/page2\r\nX: 1"), "QK006"),
        ("link-fragment", paged(None, "/api/v1/users/page2#x"), "QK006"),
        ("link-same-page", paged(None, "/api/v1/users"), "QK006"),
    ]
    return [{"name": n, "call": "list", "expect": e, "api": f} for n, f, e in out]


def header_text_cases():
    """Header bytes that reach a row: qlik_request's headers jsonb."""
    out = [
        ("hdr-value-ff", [("X-Odd", b"caf\xe9 \xff")]),
        ("hdr-value-controls", [("X-Odd", b"a\x01b\x7fc")]),
        ("hdr-value-cjk", [("X-Odd", "名前".encode())]),
        ("hdr-name-ff", [(b"X-\xff\xfe", b"v")]),
        ("hdr-location-ff", [("Location", b"/api/v1/temp-contents/\xff\xfe")]),
    ]
    return [{"name": n, "call": "request", "expect": "ok",
             "api": (lambda req, h=h: resp(200, b"{}", headers=h))} for n, h in out]


def bytes_cases():
    """qlik_request_bytes takes any answer as bytes, but its content type and headers reach
    text, and an error status is an error whatever its body."""
    zipish = b"PK\x03\x04\x00\xff\xfe\r\n\x00" * 50
    out = [
        ("bytes-binary", resp(200, zipish, "application/zip"), "ok"),
        ("bytes-no-ctype", resp(200, zipish, None), "ok"),
        ("bytes-ctype-ff", resp(200, zipish, b"application/\xff\xfezip"), "ok"),
        ("bytes-ctype-controls", resp(200, b"log", b"text/\x01plain\x7f"), "ok"),
        ("bytes-ctype-huge", resp(200, b"log", "text/plain; x=" + "y" * 90000), "ok"),
        ("bytes-html-502", resp(502, b"<html><body>Bad Gateway</body></html>", "text/html"), "QK5XX"),
        ("bytes-binary-404", resp(404, zipish, "application/octet-stream"), "QK404"),
        ("bytes-json-ctype-not-json", resp(200, b"{not json", "application/json"), "ok"),
        ("bytes-2mb", resp(200, b"x" * (2 * MiB), "application/octet-stream"), "QK005"),
        ("bytes-cut", raw("HTTP/1.1 200 OK", [("Content-Type", "application/zip"),
                                              ("Content-Length", "1000")], zipish[:100], length=False),
         "QK002"),
        ("bytes-redirect-other-host", raw("HTTP/1.1 307 X", [("Location", "https://evil.example.com/x")]),
         "QK007"),
    ]
    return [{"name": n, "call": "bytes", "expect": e, "api": (lambda req, r=r: r)} for n, r, e in out]


def export_cases():
    """An export's Location names the file to download next: it must be an id."""
    def loc(value):
        return lambda req: raw("HTTP/1.1 201 Created", [("Location", value)])
    out = [
        ("export-location-ff", loc(b"/api/v1/temp-contents/\xff\xfe"), "QK006"),
        ("export-location-dotdot", loc("/api/v1/temp-contents/.."), "QK006"),
        ("export-location-query-only", loc("/api/v1/temp-contents/?x=1"), "QK006"),
        ("export-location-none", lambda req: raw("HTTP/1.1 201 Created", []), "QK006"),
        ("export-location-spaces", loc("/api/v1/temp-contents/a b c"), "QK006"),
    ]
    return [{"name": n, "call": "export", "expect": e, "api": f} for n, f, e in out]


def reload_cases():
    """The reloads API: a wait that reads status, a cancel that returns it, a log served as
    text/plain, a task read and sent back whole; and the template lookup of the workflows."""
    ok = lambda b: (lambda req: resp(200, b))
    forever = {"id": "r1", "appId": "app1", "status": "RELOADING"}
    out = [
        # qlik_wait_reload(timeout 1 s): a status it cannot read ends the wait; the row judges.
        ("rw-status-number", "reload_wait", ok(b'{"id":"r1","status":5}'), "ok"),
        ("rw-status-object", "reload_wait", ok(b'{"id":"r1","status":{"s":"RELOADING"}}'), "ok"),
        ("rw-status-null", "reload_wait", ok(b'{"id":"r1","status":null}'), "ok"),
        ("rw-status-missing", "reload_wait", ok(b'{"id":"r1"}'), "ok"),
        ("rw-status-controls", "reload_wait", ok(b'{"id":"r1","status":"RELOADING\\r\\nERROR:  x"}'), "ok"),
        ("rw-forever", "reload_wait", ok(json.dumps(forever).encode()), "QKR02"),
        ("rw-forever-canceling", "reload_wait", ok(b'{"id":"r1","status":"CANCELING"}'), "QKR02"),
        ("rw-id-newline", "reload_wait", ok(b'{"id":"r1\\nforged","status":"SUCCEEDED"}'), "QK006"),
        ("rw-end-number", "reload_wait", ok(b'{"id":"r1","status":"FAILED","endTime":12}'), "QK006"),
        # A typed column reads a string by its type's input, as every typed call does.
        ("rw-partial-word", "reload_wait", ok(b'{"id":"r1","status":"FAILED","partial":"yes"}'), "ok"),
        ("rw-array", "reload_wait", ok(b'[{"id":"r1","status":"SUCCEEDED"}]'), "QK006"),
        ("rw-scalar", "reload_wait", ok(b'"SUCCEEDED"'), "QK006"),
        ("rw-empty", "reload_wait", ok(b""), "QK006"),
        ("rw-html", "reload_wait", lambda req: resp(200, b"<html>wait</html>", "text/html"), "QK006"),
        ("rw-ff", "reload_wait", ok(b'{"id":"r1","status":"SUCCEEDED","log":"\xff"}'), "QK006"),
        ("rw-404", "reload_wait", lambda req: qlik_error(404, title=b"no reload \xff"), "QK404"),
        ("rw-big-log", "reload_wait", ok(b'{"id":"r1","status":"SUCCEEDED","log":"' + b"L" * (2 * MiB) + b'"}'),
         "QK005"),
        # qlik_cancel_reload: its answer's status, or the HTTP status's meaning.
        ("rc-204", "reload_cancel", lambda req: raw("HTTP/1.1 204 No Content", [], length=False), "ok"),
        ("rc-202-status-number", "reload_cancel", lambda req: resp(202, b'{"status":5}'), "ok"),
        ("rc-202-status-object", "reload_cancel", lambda req: resp(202, b'{"status":{"a":[1]}}'), "ok"),
        ("rc-202-array", "reload_cancel", lambda req: resp(202, b'["CANCELING"]'), "ok"),
        ("rc-202-html", "reload_cancel", lambda req: resp(202, b"<html></html>", "text/html"), "QK006"),
        ("rc-202-ff", "reload_cancel", lambda req: resp(202, b'{"status":"\xff"}'), "QK006"),
        ("rc-409", "reload_cancel", lambda req: qlik_error(409, title=b"ended"), "QK409"),
        # qlik_reload_log: text/plain bytes of any kind become valid text; too big is QK005.
        ("rl-bytes", "reload_log", lambda req: resp(200, b"a\xffb\x00c\r\nd\x1b[31m\n\xc0\x80", "text/plain"), "ok"),
        ("rl-json", "reload_log", lambda req: resp(200, b'{"log":"x"}'), "ok"),
        ("rl-empty", "reload_log", lambda req: resp(200, b"", "text/plain"), "ok"),
        ("rl-2mb", "reload_log", lambda req: resp(200, b"line\n" * (MiB // 2), "text/plain"), "QK005"),
        ("rl-404", "reload_log", lambda req: qlik_error(404, title=b"no log"), "QK404"),
        # qlik_update_reload_task: the task read is sent back; its odd fields are Qlik's own.
        ("ru-recurrence-number", "task_update",
         ok(b'{"id":"t1","appId":"app1","timeZone":"UTC","recurrence":5,"state":"Enabled"}'), "ok"),
        ("ru-recurrence-object", "task_update",
         ok(b'{"id":"t1","appId":"app1","recurrence":{"a":"\\u00e9"},"state":"Enabled"}'), "ok"),
        ("ru-no-fields", "task_update", ok(b'{"id":"t1"}'), "ok"),
        ("ru-array", "task_update", ok(b"[]"), "QK006"),
        ("ru-id-slash", "task_update", ok(b'{"id":"../t1","appId":"app1"}'), "QK006"),
        ("ru-next-date-word", "task_update", ok(b'{"id":"t1","nextExecutionTime":"soon"}'), "QK006"),
        # qlik_list_reloads: items that are not reloads.
        ("rls-status-array", "reloads", ok(b'{"data":[{"id":"r1","status":["QUEUED"]}]}'), "ok"),
        ("rls-item-string", "reloads", ok(b'{"data":["r1"]}'), "QK006"),
        # qlik_template_app (the preflight's template lookup): an app whose "published" is not a
        # boolean is read as not published, not a failed cast (22P02).
        ("ta-published-word", "template_app", ok(b'{"data":[{"id":"i1","resourceId":"a1","name":"T",'
                                                b'"resourceType":"app","resourceAttributes":{"published":"x"}}]}'), "ok"),
        ("ta-published-object", "template_app", ok(b'{"data":[{"id":"i1","resourceId":"a1","name":"T",'
                                                  b'"resourceType":"app","resourceAttributes":{"published":{"a":1}}}]}'),
         "ok"),
    ]
    return [{"name": n, "call": c, "expect": e, "api": f} for n, c, f, e in out]


def build_corpus():
    cases = []
    for name, body, ctype in BAD_BODIES:
        for target in TARGETS:
            cases.append(body_case(name, body, ctype, target))
    for name, body in ENC_BODIES:
        for target in ("api", "tenant"):
            cases.append({"name": "%s-%s" % (name, target), "call": target, "expect": "ok",
                          "api": (lambda req, b=body: resp(200, b))})
    for name, body, target, expect in TYPED:
        cases.append({"name": "t-" + name, "call": target, "expect": expect,
                      "api": (lambda req, b=body: resp(200, b))})
    cases += error_cases() + transport_cases() + redirect_cases() + token_cases()
    cases += paging_cases() + header_text_cases() + export_cases() + bytes_cases() + reload_cases()
    names = set()
    for c in cases:
        label = "h-" + c["name"]
        assert len(label) <= 63 and re.fullmatch(r"[a-z0-9-]+", label), label
        assert label not in names, label
        names.add(label)
        c["host"] = label + ".us.qlikcloud.com"
    return cases


CORPUS = {c["host"].split(".")[0]: c for c in build_corpus()}

# ---------------------------------------------------------------- fuzzing

NASTY = [b"\\u0000", b"\\ud800", b"\\udfff", b"1e999999", b"-1e999999", b"\xff", b"\xc0\x80",
         b"\xed\xa0\x80", b"[" * 2000, b"{" * 1500, b'"', b"\\", b"\x00", b"\x01", b"NaN",
         b"nul", b"]", b"}", b",", b":", b"9" * 5000, b"0." + b"0" * 17000 + b"1", b"\xe2\x82",
         b'"createdAt":"never"', b'"created":"99999-99-99"', b'"data":7', b'"links":{"next":{"href":"/../x"}}',
         b'"links":{"next":{"href":"/api/v1/fuzz/%2e%2e/x"}}', b"\\u00e9", b"\\u540d", b"\\ud83d\\ude00",
         "é名😀".encode()]
CTYPES = ["application/json"] * 8 + ["application/json; charset=utf-8", "application/problem+json",
                                     "text/html", None, "text/plain", b"app/\xffjson"]
STATUSES = [200] * 12 + [201, 204, 400, 401, 403, 404, 409, 412, 418, 429, 500, 503, 302, 600]


def sample_answers(n, page):
    nxt = {"next": {"href": "/api/v1/fuzz/c%d/p%d" % (n, page + 1)}} if page < 3 else {}
    return [
        {"id": "c%d" % n, "name": "Tenant é", "hostnames": ["a.us.qlikcloud.com"], "status": "active",
         "created": "2024-01-02T03:04:05.678Z", "lastUpdated": "2024-01-02T03:04:05Z"},
        {"id": "u%d" % n, "subject": "auth0|x", "name": "Ann 名", "email": "a@example.com",
         "status": "active", "tenantId": "t", "assignedRoles": [{"id": "r", "name": "TenantAdmin"}],
         "createdAt": "2024-01-02T03:04:05Z"},
        {"data": [{"id": "u1", "name": "one", "createdAt": "2024-01-02T03:04:05Z"},
                  {"id": "u2", "name": "two 😀"}], "links": nxt},
        {"id": "s%d" % n, "name": "Space", "type": "shared", "createdAt": "2024-01-02T03:04:05Z",
         "meta": {"assignableRoles": ["consumer", "producer"]}},
        {"errors": [{"code": "X-1", "title": "Bad thing", "detail": "because", "status": "400"}],
         "traceId": "0123456789abcdef"},
    ]


def random_json(rng, depth=0):
    kind = rng.randrange(8 if depth < 6 else 5)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.choice([0, -1, 2 ** 63, 1.5e300, -2.5e-300, rng.randrange(-10 ** 9, 10 ** 9)])
    if kind in (2, 3, 4):
        return "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0xA0, 0x800),
                                       rng.randrange(0x800, 0xD800), rng.randrange(0x10000, 0x10FFFF)]))
                       for _ in range(rng.randrange(0, 12)))
    if kind in (5, 6):
        return {rng.choice(["id", "name", "data", "links", "created", "createdAt", "status",
                            "errors", "title", "x"]): random_json(rng, depth + 1)
                for _ in range(rng.randrange(0, 5))}
    return [random_json(rng, depth + 1) for _ in range(rng.randrange(0, 5))]


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randrange(1, 4)):
        op = rng.randrange(7)
        pos = rng.randrange(len(data) + 1)
        if op == 0 and data:
            data[min(pos, len(data) - 1)] = rng.randrange(256)
        elif op == 1:
            data[pos:pos] = rng.choice(NASTY)
        elif op == 2:
            del data[pos:pos + rng.randrange(1, 20)]
        elif op == 3:
            data = data[:pos]
        elif op == 4 and data:
            a = rng.randrange(len(data))
            data[pos:pos] = data[a:a + rng.randrange(1, 40)]
        elif op == 5:
            k = rng.randrange(1, 1500)
            data = bytearray(b"[" * k) + data + bytearray(b"]" * rng.choice([k, 0, k - 1]))
        else:
            data[pos:pos] = b'"' + rng.choice(NASTY) + b'"'
    return bytes(data)


def fuzz_answer(seed, n, page, is_list):
    rng = random.Random("%s/%d/%d" % (seed, n, page))
    mode = rng.randrange(4)
    samples = sample_answers(n, page)
    if mode == 0:
        body = json.dumps(random_json(rng), ensure_ascii=rng.random() < 0.5).encode()
    elif mode == 3 and is_list:
        body = json.dumps(samples[2], ensure_ascii=rng.random() < 0.5).encode()
    else:
        body = mutate(rng, json.dumps(rng.choice(samples), ensure_ascii=rng.random() < 0.5).encode())
    status = rng.choice(STATUSES) if rng.random() < 0.3 else 200
    ctype = rng.choice(CTYPES)
    headers = []
    if rng.random() < 0.2:
        headers.append(("X-B3-Traceid", bytes(rng.choice([rng.randrange(0x20, 0x7f), rng.randrange(0x80, 0x100)])
                                              for _ in range(rng.randrange(1, 40)))))
    if status == 429:
        headers.append(("Retry-After", rng.choice(["0", "-1", "abc", "99999999999999999999"])))
    if status == 302:
        headers.append(("Location", rng.choice(["/api/v1/fuzz/c%d/p9" % n, "https://evil.example.com/",
                                                "javascript:x", ""])))
    if status == 204:
        body = b""
    return resp(status, body, ctype, headers)


# ---------------------------------------------------------------- the server

def read_request(f):
    line = f.readline(65537)
    if not line:
        return None
    parts = line.decode("latin-1").split()
    if len(parts) < 2:
        return None
    headers = {}
    while True:
        h = f.readline(65537)
        if h in (b"\r\n", b"\n", b""):
            break
        name, _, value = h.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = b""
    if "content-length" in headers:
        body = f.read(int(headers["content-length"]))
    return {"method": parts[0], "path": parts[1], "headers": headers, "body": body,
            "host": headers.get("host", "").split(":")[0].lower()}


def answer(req):
    """The raw answer, and whether to close the connection after it."""
    label = req["host"].split(".")[0]
    is_token = req["path"].startswith("/oauth/token")
    if label.startswith("fz"):
        if is_token:
            return TOKEN_OK, False
        m = re.search(r"c(\d+)", req["path"])
        p = re.search(r"/p(\d+)", req["path"])
        is_list = "/fuzz/" in req["path"] and req["method"] == "GET" or "/users?" in req["path"]
        return fuzz_answer(label[2:], int(m.group(1)) if m else 0, int(p.group(1)) if p else 1,
                           is_list), False
    case = CORPUS.get(label)
    if case is None:
        return resp(404, b'{"errors":[{"title":"no such hostile case"}]}'), False
    if is_token:
        f = case.get("token")
        return (f(req) if f else TOKEN_OK), f is not None
    return case["api"](req), True


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        # One write per answer, sent at once: no delayed-ACK waits between requests.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            conn = self.server.tls.wrap_socket(self.request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        conn.settimeout(30)
        f = conn.makefile("rb")
        try:
            while True:
                req = read_request(f)
                if req is None:
                    break
                data, close = answer(req)
                conn.sendall(data)
                if close:
                    break
        except (OSError, ValueError, ssl.SSLError):
            pass
        finally:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def corpus_listing():
    return [{"name": c["name"], "host": c["host"], "call": c["call"], "expect": c["expect"]}
            for c in CORPUS.values()]


def main(argv):
    args = dict(zip(argv[1::2], argv[2::2]))
    if "--list" in argv:
        json.dump(corpus_listing(), sys.stdout)
        print()
        return 0
    host, _, port = args.get("--listen", "127.0.0.1:0").rpartition(":")
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args["--cert"], args["--key"])
    srv = Server((host, int(port)), Handler)
    srv.tls = tls
    if "--port-file" in args:
        with open(args["--port-file"] + ".tmp", "w") as f:
            json.dump({"https_port": srv.server_address[1]}, f)
        import os
        os.rename(args["--port-file"] + ".tmp", args["--port-file"])
    print("hostile Qlik Cloud on %s:%d, %d cases" % (srv.server_address[0], srv.server_address[1], len(CORPUS)),
          flush=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        t.join()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
