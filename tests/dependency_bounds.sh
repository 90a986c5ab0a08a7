#!/usr/bin/env bash
# Checks that pyproject.toml's bounds are true: installs the project with its dev extras
# twice per Python, once with the lowest versions its direct dependencies allow and once
# with the newest, each in a virtual environment outside the repository, and runs there
# the lint, the type check, the unit tests and a subset of the end-to-end tests (both
# ODBC drivers, HTTP and stdio, declared tools, the guard). Not part of `make test`:
# it downloads every dependency afresh and takes 10-20 minutes per environment.
#
#   tests/dependency_bounds.sh [PYTHON ...]      (default: python3; `make deps-check`)
#
# DEPS_DIR (default /tmp/azsql-mcp-deps) holds the environments; DEPS_RESOLUTIONS
# (default "lowest-direct highest") and DEPS_TESTS (the pytest arguments) narrow a run.
set -u
cd "$(dirname "$0")/.."
dir=${DEPS_DIR:-/tmp/azsql-mcp-deps}
resolutions=${DEPS_RESOLUTIONS:-lowest-direct highest}
tests=${DEPS_TESTS:-tests/unit tests/e2e/test_transports.py tests/e2e/test_declared_http.py
  tests/integration/test_declared_tools.py tests/integration/test_read_policy.py
  tests/integration/test_guard_offloop.py tests/integration/test_uvloop.py
  tests/integration/test_database_read.py}
pythons=("$@")
[ ${#pythons[@]} -gt 0 ] || pythons=(python3)
mkdir -p "$dir"

# uv resolves to the lowest versions (pip cannot): the one on PATH, else one of our own
uv=$(command -v uv || true)
if [ -z "$uv" ]; then
  uv=$dir/uv/bin/uv
  if [ ! -x "$uv" ]; then
    "${pythons[0]}" -m venv "$dir/uv" && "$dir/uv/bin/python" -m pip install -q uv || {
      echo "cannot install uv: install it (pip install uv) or python3-venv" >&2
      exit 2
    }
  fi
fi

failed=0
summary=()
for python in "${pythons[@]}"; do
  version=$("$python" -c 'import platform; print(platform.python_version())') || {
    echo "$python: not found" >&2
    exit 2
  }
  for resolution in $resolutions; do
    venv=$dir/py$version-$resolution
    log=$venv.log
    rm -rf "$venv"
    echo "== Python $version, $resolution: $venv (log $log)"
    if ! { "$uv" venv -q -p "$python" "$venv" \
      && "$uv" pip install -p "$venv/bin/python" --resolution "$resolution" -e '.[dev]'; } \
      >"$log" 2>&1; then
      summary+=("Python $version $resolution: install failed (see $log)")
      failed=1
      continue
    fi
    # the versions tested, for the record
    "$uv" pip freeze -q -p "$venv/bin/python" | grep -v '^-e ' >"$venv.txt"
    result=""  # what failed
    "$venv/bin/ruff" check -q src tests bench examples >>"$log" 2>&1 || result="$result ruff"
    "$venv/bin/ruff" format --check -q src tests bench examples >>"$log" 2>&1 \
      || result="$result ruff-format"
    "$venv/bin/mypy" >>"$log" 2>&1 || result="$result mypy"
    # shellcheck disable=SC2086  # $tests is a list of paths
    "$venv/bin/python" -m pytest -q -p no:cacheprovider $tests >>"$log" 2>&1 \
      || result="$result pytest"
    [ -z "$result" ] || failed=1
    summary+=("Python $version $resolution: ${result:+failed:$result; }$(tail -n 1 "$log")"
      "  (versions: $venv.txt)")
  done
done
printf '%s\n' "${summary[@]}"
exit $failed
