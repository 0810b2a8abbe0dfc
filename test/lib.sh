# test/lib.sh: shared by test/run-tests, test/run-demo and bench/run.
# Installs what is missing (Debian 12), builds and installs the extension,
# starts the fake Qlik Cloud, and runs a command inside a throwaway
# PostgreSQL cluster (pg_virtualenv) set up to reach the fake.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGVER=${PGVER:-15}
DEB_PACKAGES="postgresql-$PGVER postgresql-server-dev-$PGVER postgresql-$PGVER-cron \
  libcurl4-openssl-dev libcjson-dev pkg-config make gcc python3 openssl curl"

log() { printf '==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Install the Debian packages the build and the tests need, if any is missing.
ensure_deps() {
  local missing=()
  for p in $DEB_PACKAGES; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  export PATH="/usr/lib/postgresql/$PGVER/bin:$PATH"
  export PG_CONFIG="/usr/lib/postgresql/$PGVER/bin/pg_config"
}

build_install() {
  log "building and installing the extension"
  make -C "$TOP" -s PG_CONFIG="$PG_CONFIG" >/dev/null
  as_root make -C "$TOP" -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

# A world-readable scratch directory: the server runs as another user and
# must read the CA file from it.
make_workdir() {
  WORK=$(mktemp -d /tmp/qlikcloud-test.XXXXXX)
  chmod 755 "$WORK"
  export QLIKCLOUD_WORK="$WORK"
  # A directory the server (another OS user) may write files into.
  mkdir -m 1777 "$WORK/server"
  export QLIKCLOUD_SERVER_DIR="$WORK/server"
  export QLIKCLOUD_TOP="$TOP"
}

# Wait until a server started in the background (PID) has written its port
# file; show its log (LOG) if it died first.
wait_port_file() {
  for _ in $(seq 1 100); do
    [ -s "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || { cat "$3" >&2; return 1; }
    sleep 0.1
  done
}

start_fake() {
  log "generating certificates and starting the fake Qlik Cloud"
  bash "$TOP/test/fake/gencerts.sh" "$WORK/certs" >/dev/null 2>&1
  chmod -R a+rX "$WORK/certs"
  export QLIKFAKE_PORT_FILE="$WORK/fake.json"
  python3 "$TOP/test/fake/qlikfake.py" --listen 127.0.0.1:0 --control 127.0.0.1:0 \
    --cert "$WORK/certs/server.crt" --key "$WORK/certs/server.key" \
    --port-file "$QLIKFAKE_PORT_FILE" >"$WORK/fake.log" 2>&1 &
  FAKE_PID=$!
  wait_port_file "$QLIKFAKE_PORT_FILE" "$FAKE_PID" "$WORK/fake.log"
  FAKE_HTTPS_PORT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["https_port"])' "$QLIKFAKE_PORT_FILE")
  FAKE_CONTROL_PORT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["control_port"])' "$QLIKFAKE_PORT_FILE")
  export FAKE_HTTPS_PORT FAKE_CONTROL_PORT
  export QLIKFAKE_CONTROL="127.0.0.1:$FAKE_CONTROL_PORT"
  export FAKECTL="$TOP/test/fakectl"
  export QLIKCLOUD_CA="$WORK/certs/ca.crt"
  export QLIKCLOUD_OTHER_CA="$WORK/certs/other-ca.crt"
}

# The hostile Qlik Cloud (test/hostile/): every answer one Qlik would never send.
# Needs start_fake's certificates; exports HOSTILE_PORT.
start_hostile() {
  local pf="$WORK/hostile.json"
  python3 "$TOP/test/hostile/hostile.py" --listen 127.0.0.1:0 --port-file "$pf" \
    --cert "$WORK/certs/server.crt" --key "$WORK/certs/server.key" >"$WORK/hostile.log" 2>&1 &
  HOSTILE_PID=$!
  wait_port_file "$pf" "$HOSTILE_PID" "$WORK/hostile.log"
  HOSTILE_PORT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["https_port"])' "$pf")
  export HOSTILE_PORT
}

cleanup() {
  if [ -n "${HOSTILE_PID:-}" ]; then kill "$HOSTILE_PID" 2>/dev/null || true; wait "$HOSTILE_PID" 2>/dev/null || true; fi
  if [ -n "${FAKE_PID:-}" ]; then kill "$FAKE_PID" 2>/dev/null || true; wait "$FAKE_PID" 2>/dev/null || true; fi
  if [ -n "${WORK:-}" ] && [ -z "${KEEP_WORK:-}" ]; then rm -rf "$WORK"; fi
}

# Run "$@" inside a throwaway cluster whose server reaches the fake.
# Extra server options may be given in PG_EXTRA_OPTS (an array).
in_cluster() {
  local opts=(
    -o "qlikcloud.ca_file=$QLIKCLOUD_CA"
    -o "qlikcloud.connect_to=::127.0.0.1:$FAKE_HTTPS_PORT"
    -o "logging_collector=on"
    -o "log_min_messages=warning"
  )
  if [ -n "${PG_EXTRA_OPTS+x}" ]; then opts+=("${PG_EXTRA_OPTS[@]}"); fi
  # -t: a cluster in a temporary directory even as root, so that several
  # runs (and a system cluster) can live side by side.
  # An explicit free port: pg_createcluster's own choice can collide with a
  # cluster it does not know of (another run's, or the system's).
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  pg_virtualenv -t -c "-p $port" -v "$PGVER" "${opts[@]}" "$@"
}

# The settings of in_cluster, as NAME=VALUE words in CLUSTER_SETTINGS, for a
# cluster started without pg_virtualenv.
own_cluster_settings() {
  CLUSTER_SETTINGS=(
    "qlikcloud.ca_file=$QLIKCLOUD_CA"
    "qlikcloud.connect_to=::127.0.0.1:$FAKE_HTTPS_PORT"
    "logging_collector=on"
    "log_min_messages=warning"
  )
  local o
  if [ -n "${PG_EXTRA_OPTS+x}" ]; then
    for o in "${PG_EXTRA_OPTS[@]}"; do [ "$o" = -o ] || CLUSTER_SETTINGS+=("$o"); done
  fi
}

# Run "$@" as the OS user the server runs as (postgres when root).
as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# An alternative to in_cluster for a server that needs an environment of its
# own (test/run-sanitizers preloads the ASan runtime into it, and into no
# other process): initdb and the postmaster run straight from BINDIR, without
# pg_virtualenv or pg_ctl (both run `postgres -V`).  Listens on a Unix socket
# in $WORK only, trusts local connections, and exports PGHOST, PGPORT, PGUSER
# and PGDATABASE for the commands that follow.
#   start_own_cluster BINDIR [NAME=VALUE...]   (the server's extra environment)
#   stop_own_cluster
start_own_cluster() {
  local bindir=$1; shift
  OWN_DATA="$WORK/data"
  local sock="$WORK/sock" port s
  local settings=()
  mkdir -p "$sock"
  mkdir -m 700 "$OWN_DATA"
  if [ "$(id -u)" = 0 ]; then chown postgres "$sock" "$OWN_DATA"; fi
  as_server_user "$bindir/initdb" -D "$OWN_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log" >&2; return 1; }
  own_cluster_settings
  for s in "${CLUSTER_SETTINGS[@]}"; do settings+=(-c "$s"); done
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_server_user env "$@" "$bindir/postgres" -D "$OWN_DATA" -p "$port" -k "$sock" \
    -c listen_addresses= "${settings[@]}" >"$WORK/postmaster.log" 2>&1 &
  local launcher=$!
  export PGHOST="$sock" PGPORT="$port" PGUSER=postgres PGDATABASE=postgres
  for _ in $(seq 1 600); do
    if [ -s "$OWN_DATA/postmaster.pid" ] && pg_isready -q; then
      OWN_PM_PID=$(head -n 1 "$OWN_DATA/postmaster.pid")
      return 0
    fi
    sleep 0.1
  done
  log "the server did not start"; cat "$WORK/postmaster.log" >&2
  # The postmaster is the launcher itself, or runuser's child.
  kill -QUIT $(pgrep -P "$launcher") "$launcher" 2>/dev/null || true
  return 1
}

# Fast shutdown of the server start_own_cluster started; waits until every
# server process has exited (so that whatever they write at exit is written).
stop_own_cluster() {
  [ -n "${OWN_PM_PID:-}" ] || return 0
  kill -INT "$OWN_PM_PID" 2>/dev/null || true
  for _ in $(seq 1 600); do
    kill -0 "$OWN_PM_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$OWN_PM_PID" 2>/dev/null && kill -QUIT "$OWN_PM_PID" 2>/dev/null
  OWN_PM_PID=
}
