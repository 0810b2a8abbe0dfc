"""Command line entry: start the HTTPS fake and its control port.

    python3 test/fake/qlikfake.py --listen 127.0.0.1:0 --control 127.0.0.1:0 \
        --cert DIR/server.crt --key DIR/server.key --port-file FILE [--seed FILE.json]
"""
import argparse
import ipaddress
import json
import os
import signal
import sys
import threading

from . import blobs, resources
from .control import ControlHandler, ControlServer
from .server import STOP, TLSServer, make_tls_context
from .state import STATE, SeedError


def _addr(text):
    host, _, port = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    return host, int(port)


def main(argv=None):
    p = argparse.ArgumentParser(prog="qlikfake", description="Fake Qlik Cloud for tests")
    p.add_argument("--listen", default="127.0.0.1:0", help="HTTPS address (port 0 = any free)")
    p.add_argument("--control", default="127.0.0.1:0", help="control address, loopback only")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--port-file", help="write {https_port, control_port, pid} here when ready")
    p.add_argument("--seed", help="seed JSON file applied at start")
    args = p.parse_args(argv)

    resources.load()
    listen, control = _addr(args.listen), _addr(args.control)
    try:
        if not ipaddress.ip_address(control[0]).is_loopback:
            p.error("--control must be a loopback address")
    except ValueError:
        p.error("--control must be an IP address")
    if args.seed:
        try:
            with open(args.seed, encoding="utf-8") as f:
                STATE.seed(json.load(f))
        except (OSError, ValueError, SeedError) as e:
            print("qlikfake: bad seed %s: %s" % (args.seed, e), file=sys.stderr)
            sys.exit(2)

    https = TLSServer(listen, make_tls_context(args.cert, args.key))
    ctl = ControlServer(control, ControlHandler)
    for srv in (https, ctl):
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()

    done = threading.Event()

    def stop(signum, frame):
        STOP.set()
        done.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    info = {"https_port": https.server_address[1], "control_port": ctl.server_address[1],
            "pid": os.getpid()}
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(info, f)
        os.replace(tmp, args.port_file)     # readers never see a half-written file
    print("qlikfake: https on %s:%d, control on %s:%d" % (listen[0], info["https_port"],
                                                         control[0], info["control_port"]),
          file=sys.stderr, flush=True)
    while not done.wait(1.0):
        pass
    for srv in (https, ctl):
        srv.shutdown()
        srv.server_close()
    blobs.STORE.cleanup()               # the temp directory of app files / temp contents
    # Handler threads are daemons (some may sit in a hang fault); do not wait for them.
    os._exit(0)
