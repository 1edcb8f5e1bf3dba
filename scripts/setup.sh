#!/usr/bin/env bash
# Creates .venv with the dev dependencies from pyproject.toml ([dependency-groups] dev).
# Idempotent: does nothing when the interpreter and the dependency list are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv

# Prefer python3.13 (the Lambda runtime we target), else any python3 >= 3.11. pyenv shims may
# exist for versions that are not active, so each candidate is asked to run before it is chosen.
find_python() {
  local candidates=("${PYTHON:-}" python3.13)
  if command -v pyenv >/dev/null 2>&1; then
    candidates+=("$(pyenv root)"/versions/3.13*/bin/python3.13)
  fi
  candidates+=(python3.12 python3.11 python3)
  for c in "${candidates[@]}"; do
    [ -n "$c" ] || continue
    if "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1; then
      command -v "$c" || echo "$c"
      return 0
    fi
  done
  echo "setup: no Python >= 3.11 found (set PYTHON=/path/to/python3.13)" >&2
  return 1
}

python=$(find_python)
deps=$("$python" - <<'EOF'
import tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["dependency-groups"]["dev"]))
EOF
)
want=$(printf '%s\n%s\n' "$("$python" -VV)" "$deps" | sha256sum | cut -c1-16)
stamp="$venv/.deps-$want"

if [ -f "$stamp" ] && [ -x "$venv/bin/python" ]; then
  exit 0
fi

echo "setup: creating $venv with $("$python" -V)" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
printf '%s\n' "$deps" >"$venv/requirements-dev.txt"
# (grep drops one machine-specific pip warning about absent local mirrors; errors still show)
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$venv/requirements-dev.txt" \
  2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
touch "$stamp"
echo "setup: $venv ready" >&2
