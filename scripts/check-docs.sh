#!/usr/bin/env bash
# Runs every fenced block marked ```sh check in README.md and docs/*.md, so the commands the docs show cannot
# rot. Each block runs in its own bash (errexit, pipefail) from the project folder, with the release build's
# winnow first on PATH, in its own process group: whatever it leaves running (winnow watch &) is stopped after
# it. A spool a block makes (./winnow-spool) is removed. Blocks that need the network or systemd as PID 1 are
# not marked; CI runs the package's steps itself (scripts/test-deb.sh). WINNOW_BIN_DIR names another build's
# folder (CI's): the blocks run its winnow, and a `swift build` in a block (the README's tour builds first)
# does nothing, since that build is done.
#
#   bash scripts/check-docs.sh            # exit 1 when a block fails, naming its file and line
set -uo pipefail
cd "$(dirname "$0")/.."
bin="${WINNOW_BIN_DIR:-$(swift build -c release --show-bin-path)}"
[ -x "$bin/winnow" ] || { echo "check-docs: build first (swift build -c release)" >&2; exit 1; }
# The tour reads records with jq (package lists fetched first when the machine has none).
export DEBIAN_FRONTEND=noninteractive
command -v jq >/dev/null || apt-get install -y -qq jq >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq jq >/dev/null; }
failures=0
blocks=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for file in README.md docs/*.md; do
    # Each marked block into its own script, named by its first line's number.
    awk -v out="$work" -v file="$(basename "$file")" '
        /^```sh check$/ { inside = 1; start = NR; name = out "/" file "." NR ".sh"; next }
        /^```$/ && inside { inside = 0; close(name); next }
        inside { print > name }
    ' "$file"
done
if [ -n "${WINNOW_BIN_DIR:-}" ]; then
    mkdir -p "$work/shim"
    real_swift=$(command -v swift)
    cat > "$work/shim/swift" <<SHIM
#!/usr/bin/env bash
if [ "\${1:-}" = build ]; then echo "check-docs: built already, in $WINNOW_BIN_DIR" >&2; exit 0; fi
exec "$real_swift" "\$@"
SHIM
    chmod +x "$work/shim/swift"
    bin="$bin:$work/shim"
fi
for script in "$work"/*.sh; do
    [ -e "$script" ] || continue
    blocks=$((blocks + 1))
    where=$(basename "$script" .sh)
    rm -rf winnow-spool
    PATH="$bin:$PATH" setsid bash -euo pipefail "$script" > "$work/out" 2>&1 &
    leader=$!
    wait "$leader"
    status=$?
    kill -TERM -- "-$leader" 2>/dev/null
    sleep 0.5
    kill -KILL -- "-$leader" 2>/dev/null
    if [ "$status" -ne 0 ]; then
        echo "check-docs: FAILED: the block at ${where%.*} line ${where##*.} (exit $status):" >&2
        sed 's/^/    /' "$work/out" | tail -20 >&2
        failures=$((failures + 1))
    else
        echo "check-docs: ok: ${where%.*} line ${where##*.}"
    fi
done
rm -rf winnow-spool
echo "check-docs: $blocks blocks, $failures failed"
[ "$failures" -eq 0 ]
