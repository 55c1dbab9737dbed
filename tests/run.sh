#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine with Python 3.11:
#   bash tests/run.sh [pytest args...]      e.g.  bash tests/run.sh -x -q -m "not e2e"
# 1. apt: Debian's chromium (browser tests) and CJK fonts (Chinese text in screenshots), if missing;
#    python3-venv too when Python cannot make a venv. Root runs apt directly, others through sudo.
# 2. The virtualenv ($PORTAL_VENV, default .venv): pip and setuptools from requirements-pip.txt, then requirements-dev.txt.
# 3. python -m pytest -n 2 "$@" (browser tests included); exits with pytest's code, "no tests collected" fails.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${PORTAL_VENV:-.venv}"
APT_PACKAGES=()
started=$SECONDS

echo "== Service Center Portal: test suite"
echo "   system packages : chromium + fonts-noto-cjk via apt (only what is missing)"
echo "   virtualenv      : $VENV  (pip install -r requirements-pip.txt, then -r requirements-dev.txt)"
echo "   tests           : python -m pytest $*"

# --- 1. system packages ------------------------------------------------------------------------------
PYTHON=""
for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
done
if [ -z "$PYTHON" ]; then
    echo "error: Python 3.11 is needed (python3.11 or python3 on PATH)" >&2
    exit 2
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
[ -x /usr/bin/chromium ] || APT_PACKAGES+=(chromium)
installed fonts-noto-cjk || APT_PACKAGES+=(fonts-noto-cjk)
if [ ! -x "$VENV/bin/python" ]; then
    # Debian's own python3 makes venvs (with pip) only once python3-venv is installed
    if ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1 \
        || { [[ "$(command -v "$PYTHON")" == /usr/bin/* ]] && ! installed python3.11-venv && ! installed python3-venv; }
    then
        APT_PACKAGES+=(python3-venv)
    fi
fi

if [ ${#APT_PACKAGES[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        as_root=()
    elif command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        as_root=(none)
    fi
    if [ "${as_root[*]-}" != none ]; then
        echo "== apt-get install ${APT_PACKAGES[*]}"
        apt_opts=(-qq -o DPkg::Lock::Timeout=600)  # wait for another apt run instead of failing
        "${as_root[@]}" apt-get "${apt_opts[@]}" update
        "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get "${apt_opts[@]}" install -y --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
    else
        echo "warning: not root and no sudo: cannot install ${APT_PACKAGES[*]}." >&2
        echo "         Ask for: apt-get install --no-install-recommends ${APT_PACKAGES[*]}" >&2
        echo "         (browser tests fail without chromium; skip them with -m 'not e2e')" >&2
    fi
fi

# --- 2. virtualenv -----------------------------------------------------------------------------------
if ! "$VENV/bin/python" -c "import sys; assert sys.version_info >= (3, 11)" >/dev/null 2>&1; then
    if [ -e "$VENV" ] && [ ! -f "$VENV/pyvenv.cfg" ]; then
        echo "error: $VENV exists but is not a virtualenv; set PORTAL_VENV to another path" >&2
        exit 2
    fi
    echo "== creating virtualenv $VENV with $PYTHON"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi
echo "== pip install -r requirements-pip.txt, then -r requirements-dev.txt (hash-locked)"
# pip and setuptools first, so the locked packages are installed by a current pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-pip.txt
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# --- 3. tests ----------------------------------------------------------------------------------------
# two workers (pytest-xdist), each with its own embedded PostgreSQL and portal server: PORTAL_TEST_WORKERS=0 runs
# in one process
WORKERS="${PORTAL_TEST_WORKERS:-2}"
echo "== python -m pytest -n $WORKERS $*   (setup took $((SECONDS - started)) s)"
set +e
"$VENV/bin/python" -m pytest -n "$WORKERS" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "error: pytest collected no tests" >&2
    status=1
fi
echo "== tests/run.sh: pytest exit code $status, $((SECONDS - started)) s in all"
exit "$status"
