"""Temporary contents API: upload, download (Range), details, and tus resumable uploads.

Contract: temp-contents.json, @qlik/api temp-contents.d.ts, qlik-api.md 3.4 and 4.
Errors in the temp-contents style (no status, traceId). Bytes live on disk (blobs.py) and
stream in 1 MiB chunks both ways; nothing holds a whole file in memory.

    POST  /api/v1/temp-contents?filename=&ttl=     raw body -> 201, empty body, Location
    GET   /api/v1/temp-contents/{id}[?inline=1]    200 bytes | 206 Range | 204 incomplete
                                                   | 404 | 410 after the ttl | 416
    GET   /api/v1/temp-contents/{id}/details       200 {ID,Name,Size,Expires,...} | 204 | 404 | 410
    POST  /api/v1/temp-contents/files              tus creation -> 201 + Location
    HEAD  /api/v1/temp-contents/files/{id}         tus offset
    PATCH /api/v1/temp-contents/files/{id}         tus bytes at an offset -> 204

Choices where Qlik is silent:
- A missing or zero Content-Length (no chunked body) is an EMPTY upload and answers 201:
  that is what Qlik did in qlik-cli issue #19 (a CI runner sent Content-Length 0; the upload
  "succeeded" and the import of that file failed). The failure shows at import (apps.py: an
  empty file is a 400), as it did there.
- Transfer-Encoding: chunked uploads are accepted (Qlik's edge is a standard HTTP/1.1 proxy;
  nothing documents a refusal, and qlik-cli streams files). Size = the bytes received.
- Any Content-Type is accepted on the plain upload (the spec declares octet-stream; @qlik/api
  sends it; nothing says other types are refused). The tus PATCH requires
  application/offset+octet-stream (415 otherwise), as documented.
- filename is optional (@qlik/api types it so); given but empty -> 400. Without one, the
  download is named after the id.
- Location: /api/v1/temp-contents/<id> (what export answers); config
  "temp_contents_location": "legacy" gives /v1/temp-contents/<id> as seen in 2021 (qlik-api.md 4).
- Any user of the tenant may read a temporary content (Qlik: "the user is authorized to view
  the contents"; who that is is not documented).
- After the ttl the bytes are deleted and the id answers 410 for a day, then 404. The control
  clock (POST /clock) moves expiry too.
- A Range header with several ranges is ignored (full 200): RFC 7233 allows it and the fake
  does not build multipart/byteranges; a malformed or unsatisfiable range is a 416 with
  Content-Range: bytes */<size>.
- tus: 423 Locked (concurrent PATCH) is not modelled; an upload larger than Upload-Length is
  413 (tusd's answer; the spec lists no status for it).
"""
import base64
import binascii
import re
import urllib.parse

from .. import blobs, util, validate
from ..errors import QlikError
from ..routing import route
from ..server import MAX_SPOOL, Response, Stream, json_response
from ..state import DUMP_HOOKS, RESET_HOOKS, SeedError, add_config

SERVICE = "temp-contents"
DEFAULT_TTL = 3600
MAX_TTL = 259200
GONE_KEEP = 86400          # seconds an expired id answers 410 before it is forgotten (404)
TUS_VERSION = "1.0.0"


def _location_style(v):
    if v not in ("api", "legacy"):
        raise SeedError('temp_contents_location is "api" or "legacy"')
    return v


add_config("temp_contents_location", "api", _location_style)
RESET_HOOKS.append(lambda state: blobs.STORE.clear())


def _err(status, detail, code=None, title=None, headers=None):
    return QlikError(status, code or "HTTP-%d" % status, title or _TITLES.get(status, "Error"),
                     detail, service=SERVICE, headers=headers)


_TITLES = {400: "Bad Request", 404: "Not Found", 409: "Conflict", 410: "Gone",
           412: "Precondition Failed", 413: "Request Entity Too Large",
           415: "Unsupported Media Type", 416: "Range Not Satisfiable"}


def contents(tenant):
    return tenant.extra.setdefault("temp_contents", {})


def sweep(tenant, now=None):
    """Expired contents lose their bytes (the id then answers 410), and are forgotten
    GONE_KEEP seconds later."""
    now = util.now() if now is None else now
    tc = contents(tenant)
    for cid in list(tc):
        rec = tc[cid]
        if rec["expires"] <= now and rec.get("source") is not None:
            blobs.drop_source(rec["source"])
            rec["source"] = None
        if rec["expires"] + GONE_KEEP <= now:
            del tc[cid]


def create(tenant, name, source, size, sha256, ttl=DEFAULT_TTL, creator="", complete=True):
    """A new temporary content; the record takes ownership of source."""
    sweep(tenant)
    now = util.now()
    cid = util.object_id(now)
    rec = {"id": cid, "name": name, "size": size, "sha256": sha256, "createdAt": now,
           "updatedAt": now, "ttl": ttl, "expires": now + ttl, "creatorId": creator,
           "source": source, "complete": complete}
    contents(tenant)[cid] = rec
    return rec


def location(state, cid, tus=False):
    prefix = "/v1" if state.config.get("temp_contents_location") == "legacy" else "/api/v1"
    return "%s/temp-contents/%s%s" % (prefix, "files/" if tus else "", cid)


def lookup(tenant, cid):
    """(record, problem): problem is None, "missing", "gone" or "incomplete"."""
    sweep(tenant)
    rec = contents(tenant).get(cid)
    if rec is None:
        return None, "missing"
    if rec["expires"] <= util.now() or rec.get("source") is None:
        return rec, "gone"
    if not rec["complete"]:
        return rec, "incomplete"
    return rec, None


def _get(tenant, cid):
    rec, problem = lookup(tenant, cid)
    if problem == "missing":
        raise _err(404, "temporary content %s not found" % cid)
    if problem == "gone":
        raise _err(410, "temporary content %s has expired" % cid)
    return rec, problem


def _caller(ctx):
    return ctx.token.user_id or "" if ctx.token else ""


def _ttl(ctx):
    return validate.q_int(ctx, "ttl", DEFAULT_TTL, 1, MAX_TTL, SERVICE)


@route("POST", "/api/v1/temp-contents", service=SERVICE, stream_body=True)
def upload(ctx):
    name = validate.q_str(ctx, "filename", SERVICE, max_length=1024)
    if name is not None and not name.strip():
        raise validate._qbad(SERVICE, "filename", "filename must not be empty")
    ttl = _ttl(ctx)
    up = ctx.upload or blobs.empty_spool()
    rec = create(ctx.tenant, name or "", None, up.size, up.sha256, ttl, _caller(ctx))
    rec["source"] = blobs.file_source(up.take("tc"))
    return Response(201, b"", None, [("Location", location(ctx.state, rec["id"]))])


def _disposition(kind, name):
    """Content-Disposition with an ASCII filename and, when needed, an RFC 6266 filename*."""
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    ascii_name = ascii_name.replace("\\", "_").replace('"', "_")
    ascii_name = re.sub(r"[\x00-\x1f\x7f]", "_", ascii_name)
    value = '%s; filename="%s"' % (kind, ascii_name)
    if ascii_name != name:
        value += "; filename*=UTF-8''" + urllib.parse.quote(name, safe="")
    return value


def _range(header, size):
    """(start, length) for a single byte range, None to send everything, or "bad"."""
    if header is None:
        return None
    m = re.fullmatch(r"\s*bytes\s*=\s*(.*)", header, re.I)
    if not m:
        return "bad"
    specs = [s.strip() for s in m.group(1).split(",")]
    if len(specs) > 1:
        return None                     # multiple ranges: ignored (see module doc)
    m = re.fullmatch(r"(\d*)-(\d*)", specs[0])
    if not m or (m.group(1) == "" and m.group(2) == ""):
        return "bad"
    if m.group(1) == "":                # suffix: the last n bytes
        n = int(m.group(2))
        if n == 0 or size == 0:
            return "bad"
        n = min(n, size)
        return size - n, n
    start = int(m.group(1))
    end = int(m.group(2)) if m.group(2) else size - 1
    if end < start or start >= size:
        return "bad"
    end = min(end, size - 1)
    return start, end - start + 1


@route("GET", "/api/v1/temp-contents/{id}", service=SERVICE)
def download(ctx):
    rec, problem = _get(ctx.tenant, ctx.params["id"])
    if problem == "incomplete":
        return Response(204, b"")
    inline = validate.q_str(ctx, "inline", SERVICE)
    size = rec["size"]
    name = rec["name"] or rec["id"]
    headers = [("Content-Disposition", _disposition("inline" if inline == "1" else "attachment",
                                                    name)),
               ("Accept-Ranges", "bytes")]
    rng = _range(ctx.headers.get("Range"), size)
    if rng == "bad":
        raise _err(416, "invalid or unsatisfiable range %r for %d bytes"
                   % (ctx.headers.get("Range"), size),
                   headers=[("Content-Range", "bytes */%d" % size)])
    status, start, length = 200, 0, size
    if rng is not None:
        status, (start, length) = 206, rng
        headers.append(("Content-Range", "bytes %d-%d/%d" % (start, start + length - 1, size)))
    src = rec["source"]
    # Open the file now, under the state lock: an expiry or reset after this point does not
    # cut the download short.
    opened = blobs.open_source(src)
    return Response(status, Stream(length, blobs.iter_source(src, start, length, opened)),
                    "application/octet-stream", headers)


def details_of(rec):
    return {"ID": rec["id"], "Name": rec["name"], "Size": str(rec["size"]),
            "Expires": util.iso(rec["expires"]), "CreatedAt": util.iso(rec["createdAt"]),
            "CreatorID": rec["creatorId"], "UpdatedAt": util.iso(rec["updatedAt"]),
            "TTLSeconds": rec["ttl"]}


@route("GET", "/api/v1/temp-contents/{id}/details", service=SERVICE)
def details(ctx):
    rec, problem = _get(ctx.tenant, ctx.params["id"])
    if problem == "incomplete":
        return Response(204, b"")
    return json_response(details_of(rec))


# ---- tus 1.0.0 (creation extension) ----------------------------------------------------------

def _tus_headers(extra=()):
    return [("Tus-Resumable", TUS_VERSION), ("Cache-Control", "no-store")] + list(extra)


def _tus_version(ctx):
    v = ctx.headers.get("Tus-Resumable")
    if v != TUS_VERSION:
        raise _err(412, "Tus-Resumable %s is required (got %r)" % (TUS_VERSION, v),
                   headers=[("Tus-Version", TUS_VERSION)])


def _int_header(ctx, name):
    raw = ctx.headers.get(name)
    if raw is None:
        raise _err(400, "header %s is required" % name)
    if not re.fullmatch(r"\s*\d+\s*", raw):
        raise _err(400, "header %s must be a non-negative integer, got %r" % (name, raw))
    return int(raw)


def _metadata(ctx):
    raw = ctx.headers.get("Upload-Metadata")
    out = {}
    if not raw:
        return out
    for pair in raw.split(","):
        parts = pair.strip().split(" ")
        if not parts[0] or len(parts) > 2:
            raise _err(400, "Upload-Metadata: bad pair %r" % pair.strip())
        try:
            value = base64.b64decode(parts[1], validate=True).decode("utf-8") \
                if len(parts) == 2 else ""
        except (binascii.Error, UnicodeDecodeError):
            raise _err(400, "Upload-Metadata: value of %r is not base64" % parts[0])
        if parts[0] in out:
            raise _err(400, "Upload-Metadata: key %r given twice" % parts[0])
        out[parts[0]] = value
    return out


@route("POST", "/api/v1/temp-contents/files", service=SERVICE)
def tus_create(ctx):
    _tus_version(ctx)
    if ctx.headers.get("Upload-Defer-Length") is not None:
        raise _err(400, "Upload-Defer-Length is not supported")
    length = _int_header(ctx, "Upload-Length")
    if length > MAX_SPOOL:
        raise _err(413, "Upload-Length %d exceeds the maximum of %d" % (length, MAX_SPOOL),
                   headers=[("Tus-Max-Size", str(MAX_SPOOL))])
    meta = _metadata(ctx)
    ttl = DEFAULT_TTL
    if "ttl" in meta:
        # "time is counted from the start of the upload creation" (temp-contents.json)
        if not re.fullmatch(r"\d+", meta["ttl"]) or not 1 <= int(meta["ttl"]) <= MAX_TTL:
            raise _err(400, "ttl must be an integer between 1 and %d" % MAX_TTL)
        ttl = int(meta["ttl"])
    path = blobs.STORE.new_path("tc")
    open(path, "wb").close()
    rec = create(ctx.tenant, meta.get("filename", ""), blobs.file_source(path), length,
                 None, ttl, _caller(ctx), complete=(length == 0))
    rec["tus"] = {"length": length, "offset": 0}
    if length == 0:
        rec["sha256"] = blobs.file_sha256(path)
    return Response(201, b"", None, _tus_headers([("Location", location(ctx.state, rec["id"],
                                                                         tus=True))]))


def _tus_record(ctx):
    rec, problem = lookup(ctx.tenant, ctx.params["id"])
    if problem == "missing" or rec.get("tus") is None:
        raise _err(404, "upload %s not found" % ctx.params["id"])
    if problem == "gone":
        raise _err(410, "upload %s has expired" % ctx.params["id"])
    return rec


@route("HEAD", "/api/v1/temp-contents/files/{id}", service=SERVICE)
def tus_head(ctx):
    _tus_version(ctx)
    rec = _tus_record(ctx)
    return Response(200, b"", None, _tus_headers([
        ("Upload-Offset", str(rec["tus"]["offset"])),
        ("Upload-Length", str(rec["tus"]["length"]))]))


@route("PATCH", "/api/v1/temp-contents/files/{id}", service=SERVICE, stream_body=True)
def tus_patch(ctx):
    _tus_version(ctx)
    if ctx.content_type() != "application/offset+octet-stream":
        raise _err(415, "Content-Type must be application/offset+octet-stream, got %r"
                   % (ctx.content_type() or "none"))
    offset = _int_header(ctx, "Upload-Offset")
    rec = _tus_record(ctx)
    tus = rec["tus"]
    if offset != tus["offset"]:
        raise _err(409, "Upload-Offset %d does not match the upload's offset %d"
                   % (offset, tus["offset"]))
    up = ctx.upload or blobs.empty_spool()
    try:
        return _tus_apply(ctx, rec, tus, offset, up)
    finally:
        up.discard()


def _tus_apply(ctx, rec, tus, offset, up):
    if offset + up.size > tus["length"]:
        raise _err(413, "%d bytes at offset %d exceed Upload-Length %d"
                   % (up.size, offset, tus["length"]))
    path = rec["source"]["path"]
    if offset == 0 and up.size:
        # Everything so far is this body: adopt the spooled file (no copy).
        old = path
        rec["source"] = blobs.file_source(up.take("tc"))
        blobs.remove(old)
        if up.size == tus["length"]:
            rec["sha256"] = up.sha256
    elif up.size:
        blobs.append_file(path, up.path)
    tus["offset"] += up.size
    rec["updatedAt"] = util.now()
    if tus["offset"] == tus["length"]:
        rec["complete"] = True
        if not rec.get("sha256"):
            rec["sha256"] = blobs.file_sha256(rec["source"]["path"])
    return Response(204, b"", None, _tus_headers([("Upload-Offset", str(tus["offset"]))]))


# ---- /state ----------------------------------------------------------------------------------

def _dump(state, tenant):
    now = util.now()
    out = []
    for rec in contents(tenant).values():
        d = {"id": rec["id"], "name": rec["name"], "size": rec["size"], "sha256": rec["sha256"],
             "createdAt": util.iso(rec["createdAt"]), "expires": util.iso(rec["expires"]),
             "ttl": rec["ttl"], "creatorId": rec["creatorId"], "complete": rec["complete"],
             "expired": rec["expires"] <= now or rec.get("source") is None}
        if rec.get("tus"):
            d["tus"] = dict(rec["tus"])
        if rec.get("appId"):
            d["appId"] = rec["appId"]
        out.append(d)
    return out


DUMP_HOOKS["temp_contents"] = _dump
