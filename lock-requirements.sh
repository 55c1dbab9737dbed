#!/usr/bin/env bash
# Regenerate the hash-locked requirement files from their hand-edited sources:
#   requirements.in      -> requirements.txt      (runtime; what the README installs)
#   requirements-dev.in  -> requirements-dev.txt  (runtime + tests and lint, at the same versions)
#   requirements-pip.in  -> requirements-pip.txt  (pip and setuptools alone, installed first)
# Every transitive package is pinned with its hashes, pip and setuptools included. Existing pins are kept unless
# a source asks for another version; to move everything to the newest releases: bash lock-requirements.sh --upgrade
# Uses pip-tools from the dev virtualenv ($PORTAL_VENV, default .venv; requirements-dev.txt installs it).
set -euo pipefail
cd "$(dirname "$0")"
VENV="${PORTAL_VENV:-.venv}"
[ -x "$VENV/bin/pip-compile" ] || "$VENV/bin/python" -m pip install --quiet -r requirements-dev.txt
lock() {
    "$VENV/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
        --no-emit-find-links --no-emit-trusted-host "$@"
}
lock "$@" --output-file requirements.txt requirements.in
lock "$@" --output-file requirements-dev.txt requirements-dev.in
lock --output-file requirements-pip.txt requirements-pip.in
echo "Locked: requirements.txt, requirements-dev.txt, requirements-pip.txt"
