#!/usr/bin/env bash
# tests/lsp/nvim_test.sh SFDC — headless Neovim (>= 0.7, Debian's `neovim`,
# installed by tools/deps) drives `sfdc lsp` through its built-in LSP
# client; see nvim_test.lua. Ends with `N passed, N failed`.
set -u
sfdc=$(realpath "${1:?usage: nvim_test.sh SFDC}")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if ! command -v nvim >/dev/null; then
    echo "skip nvim: neovim is not installed (tools/deps installs it); the real-editor test did not run"
    echo "0 passed, 0 failed"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$root/examples/sfdata" "$tmp/ws"
export SFDC=$sfdc SFDC_STDLIB=$root/stdlib WS=$tmp/ws RESULT=$tmp/result HOME=$tmp XDG_STATE_HOME=$tmp XDG_DATA_HOME=$tmp
timeout -k 5 90 nvim --headless -u NONE -i NONE -n -c "luafile $here/nvim_test.lua" >"$tmp/nvim.log" 2>&1
rc=$?
if [ -f "$tmp/result" ] && grep -qE '^[0-9]+ passed' "$tmp/result"; then
    cat "$tmp/result"
else
    echo "FAIL nvim: no result (exit $rc): $(head -c 500 "$tmp/nvim.log" "$tmp/result" 2>/dev/null)"
    echo "0 passed, 1 failed"
fi
