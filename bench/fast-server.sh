# bench/fast-server.sh: sourced by the benchmarks after test/lib.sh.
#
# The fake Qlik Cloud is Python and saturates at about three quarters of a
# core: against it, a benchmark measures the fake as much as the client.  The
# fast server is nginx (Debian's nginx-light), started here with the fake's
# certificate, serving pages recorded from the fake, so that what the client
# itself costs shows.  It answers:
#   POST /oauth/token                a token (any client; nothing is checked)
#   GET  /api/v1/users?limit=L       users/first-L.json
#   GET  /api/v1/users?...&next=C    users/next-C.json
# Recorded next links keep the fake's cursors, so a walk from the first page
# follows the same pages as on the fake.  HTTP/1.1, as the fake speaks, with
# keep-alive for as long as a benchmark lasts.
#
# Usage: ensure_fast_server_deps; record_users_pages URL_LIMIT TOKEN;
#        start_fast_server  (sets FAST_HTTPS_PORT; stopped by cleanup_fast_server)

BENCH_DEB_PACKAGES="nginx-light"

ensure_fast_server_deps() {
  local missing=()
  for p in $BENCH_DEB_PACKAGES; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} (the benchmarks' fast server)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

FAST_DIR=
FAST_PID=

# record_users_pages FIRST_URL TOKEN: walk the fake's pages of users from
# FIRST_URL (https://HOST/api/v1/users?limit=L), each saved under the name
# the fast server looks it up by; their URLs, in order, go to a curl config
# ($FAST_DIR/users-L.cfg).  Prints the number of pages.
record_users_pages() {
  FAST_DIR=${FAST_DIR:-$WORK/fast}
  mkdir -p "$FAST_DIR/root/users"
  python3 - "$1" "$2" "$FAST_DIR/root/users" "$QLIKCLOUD_CA" "$FAKE_HTTPS_PORT" <<'PY'
import json, os, subprocess, sys, urllib.parse
url, token, out, ca, port = sys.argv[1:]
first = True
n = 0
limit = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["limit"][0]
cfg = open(os.path.join(out, "..", "..", "users-%s.cfg" % limit), "w")
while url:
    cfg.write('url = "%s"\noutput = "/dev/null"\n' % url)
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    name = ("first-%s" % q["limit"][0]) if first else ("next-%s" % q["next"][0])
    r = subprocess.run(["curl", "-sS", "--fail", "--cacert", ca, "--connect-to", "::127.0.0.1:" + port,
                        "-H", "Authorization: Bearer " + token, url], capture_output=True, check=True)
    with open(os.path.join(out, name + ".json"), "wb") as f:
        f.write(r.stdout)
    first = False
    n += 1
    url = json.loads(r.stdout).get("links", {}).get("next", {}).get("href")
print(n)
PY
}

start_fast_server() {
  FAST_DIR=${FAST_DIR:-$WORK/fast}
  mkdir -p "$FAST_DIR/root/users" "$FAST_DIR/tmp"
  chmod -R a+rX "$FAST_DIR"
  FAST_HTTPS_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat >"$FAST_DIR/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $FAST_DIR/nginx.pid;
error_log $FAST_DIR/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $FAST_DIR/tmp/body;
  proxy_temp_path $FAST_DIR/tmp/proxy;
  fastcgi_temp_path $FAST_DIR/tmp/fastcgi;
  uwsgi_temp_path $FAST_DIR/tmp/uwsgi;
  scgi_temp_path $FAST_DIR/tmp/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 600s;
  sendfile on;
  # A map, not an "if" in the location: content inside an "if" block is not
  # served by the location's try_files.
  map \$arg_next \$users_page {
    "" "first-\$arg_limit";
    default "next-\$arg_next";
  }
  server {
    listen 127.0.0.1:$FAST_HTTPS_PORT ssl;
    server_name _;
    ssl_certificate $WORK/certs/server.crt;
    ssl_certificate_key $WORK/certs/server.key;
    root $FAST_DIR/root;
    default_type application/json;
    location = /oauth/token {
      return 200 '{"access_token":"fast-server-token","token_type":"bearer","expires_in":3600}';
    }
    location = /api/v1/users {
      try_files /users/\$users_page.json =404;
    }
  }
}
EOF
  nginx -p "$FAST_DIR" -c "$FAST_DIR/nginx.conf" >"$FAST_DIR/nginx.out" 2>&1 &
  FAST_PID=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null --cacert "$QLIKCLOUD_CA" --connect-to "::127.0.0.1:$FAST_HTTPS_PORT" \
      -X POST https://fast.us.qlikcloud.com/oauth/token && break
    kill -0 "$FAST_PID" 2>/dev/null || { cat "$FAST_DIR/nginx.out" "$FAST_DIR/error.log" >&2; return 1; }
    sleep 0.1
  done
  export FAST_HTTPS_PORT
}

cleanup_fast_server() {
  if [ -n "${FAST_PID:-}" ]; then kill "$FAST_PID" 2>/dev/null || true; wait "$FAST_PID" 2>/dev/null || true; fi
}
