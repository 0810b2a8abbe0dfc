#!/usr/bin/env python3
"""Fake Qlik Cloud server. See test/fake/README.md.

    python3 test/fake/qlikfake.py --listen 127.0.0.1:0 --control 127.0.0.1:0 \
        --cert CERT --key KEY --port-file FILE [--seed FILE.json]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from qlikfake.main import main  # noqa: E402  (the package next to this file)

main()
