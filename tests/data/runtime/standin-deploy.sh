#!/usr/bin/env bash
# A stand-in deploy program for tier 45 (tests/tiers/45-runtime-ops), run by
# sfdrun as `terragrunt ...` in PLAN_DIR/live/ACCOUNT. It records what the
# tier asserts on, then sleeps as a long Terraform apply would:
#   $STANDIN_LOG        gets "start PID ACCOUNT" (one line per run)
#   $STANDIN_ENV_DIR    when set: ACCOUNT.env (its environment, for the tier
#                       to compare; never printed) and ACCOUNT.identity
#                       (sts get-caller-identity with those credentials)
#   STANDIN_IGNORE_TERM=1  ignores SIGTERM, like a Terraform run finishing
#                       its current operation after being asked to stop
#   STANDIN_SLEEP=N     seconds to run (default 0)
# The sleep is exec'd, so the recorded PID is the process sfdrun started.
set -u
account=$(basename "$PWD")
echo "start $$ $account" >> "$STANDIN_LOG"
echo "stand-in deploy of $account: pid $$"
if [ -n "${STANDIN_ENV_DIR:-}" ]; then
    env > "$STANDIN_ENV_DIR/$account.env"
    aws --endpoint-url "$AWS_ENDPOINT_URL" sts get-caller-identity --output json \
        > "$STANDIN_ENV_DIR/$account.identity" 2>&1
fi
[ "${STANDIN_IGNORE_TERM:-0}" = 1 ] && trap '' TERM
exec sleep "${STANDIN_SLEEP:-0}"
