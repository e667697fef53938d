# Shared by tiers 35-tf-apply and 36-tf-apply-rds: a temporary workspace,
# an offline Terraform CLI config, a patched moto_server, result counting.
# Source it from a tier after `set -u`; it installs the EXIT trap that stops
# moto and removes the workspace.

tf_root=${SFDC_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
tf_pass=0
tf_fail=0
tf_tmp=$(mktemp -d)
tf_moto_dir=$tf_tmp/moto

tf_cleanup() {
    [ -d "$tf_moto_dir" ] && "$tf_root/tools/moto/stop" "$tf_moto_dir"
    rm -rf "$tf_tmp"
}
trap tf_cleanup EXIT

# ok NAME / bad NAME [DETAIL]: one result line each.
ok() { echo "ok   $1"; tf_pass=$((tf_pass + 1)); }
bad() { echo "FAIL $1${2:+: $2}"; tf_fail=$((tf_fail + 1)); }

# want NAME EXPECTED ACTUAL: compare two strings.
want() {
    if [ "$3" = "$2" ]; then ok "$1"; else bad "$1" "got '$3', want '$2'"; fi
}

# finish: the closing line, then exit 0 (failures are counted, not signalled).
finish() {
    echo "$tf_pass passed, $tf_fail failed"
    exit 0
}

# tf_setup: CLI config for the provider mirror and the offline environment.
tf_setup() {
    local mirror
    mirror=$(find / -maxdepth 2 -name tf-plugins -type d 2>/dev/null | head -n 1)
    if [ -z "$mirror" ] || ! command -v terraform >/dev/null || ! command -v aws >/dev/null; then
        bad "prerequisites" "terraform, awscli or the provider mirror (tf-plugins) is missing"
        finish
    fi
    cat >"$tf_tmp/cli.tfrc" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
CFG
    export TF_CLI_CONFIG_FILE=$tf_tmp/cli.tfrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
    unset TF_PLUGIN_CACHE_DIR AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE
    export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
    export AWS_REGION=eu-west-2 AWS_DEFAULT_REGION=eu-west-2 AWS_EC2_METADATA_DISABLED=true
    export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
}

# tf_moto_start: a patched moto on a free 127.0.0.1 port; exports
# AWS_ENDPOINT_URL so Terraform and awscli both talk to it.
tf_moto_start() {
    local url
    # Until tools/moto/launch.py imports patch_tf itself, run it through a
    # wrapper that installs those patches first.
    if ! grep -q 'patch_tf' "$tf_root/tools/moto/launch.py" 2>/dev/null; then
        export MOTO_PYTHON=$tf_root/tests/tf/moto-python
    fi
    if ! url=$("$tf_root/tools/moto/start" "$tf_moto_dir"); then
        bad "moto starts"
        finish
    fi
    export AWS_ENDPOINT_URL=$url
}

# tf_copy SRC NAME: copy a root module under tests/tf/apply to the workspace,
# pointing its module sources at the repository's stdlib/modules. Prints the
# copy's path.
tf_copy() {
    local dst=$tf_tmp/$2
    mkdir -p "$dst"
    cp -r "$1"/. "$dst"/
    sed -i "s#\"\\(\\.\\./\\)*stdlib/modules/#\"$tf_root/stdlib/modules/#" "$dst"/*.tf
    echo "$dst"
}

# A provider stuck retrying an emulator gap (e.g. HTTP 500s) would otherwise
# hang the tier for many minutes: bound every terraform command.
tf_timeout=${TF_TEST_TIMEOUT:-900}

# tf_step NAME DIR LOG ARGS...: run one terraform command, ok/FAIL by exit code.
tf_step() {
    local name=$1 dir=$2 log=$3
    shift 3
    if (cd "$dir" && timeout "$tf_timeout" terraform "$@" -no-color) >"$log" 2>&1; then
        ok "$name"; return 0
    fi
    bad "$name"; grep -E -A8 '^(Error|│ Error)' "$log" | head -n 40 | sed 's/^/    /'
    tail -n 5 "$log" | sed 's/^/    /'
    return 1
}

# tf_replan NAME DIR LOG: a plan right after apply must show no changes.
tf_replan() {
    local rc
    (cd "$2" && timeout "$tf_timeout" terraform plan -detailed-exitcode -input=false -no-color) >"$3" 2>&1
    rc=$?
    case $rc in
        0) ok "$1" ;;
        2) bad "$1" "plan wants changes"
           grep -E '^\s+# |^\s+[~+-] ' "$3" | head -n 40 | sed 's/^/    /' ;;
        *) bad "$1" "plan failed (exit $rc)"; tail -n 20 "$3" | sed 's/^/    /' ;;
    esac
}
