#!/usr/bin/env bash
# Installs a built package on this machine and checks what an administrator relies on (CI runs it as root):
#
#   bash scripts/test-deb.sh winnow_<version>_<arch>.deb
#
# Every step that can run without systemd as PID 1: install, the binary without the toolchain, a man page,
# the unit verified, the installed daemon run as the winnow user on the installed spool, remove keeps the spool,
# purge removes the configuration and keeps the spool, lintian without errors. Leaves the package purged.
set -euo pipefail
deb=$(readlink -f "$1")
seed=$(readlink -f "$(dirname "$0")/../../shared/corpus/seed/000_23272d59b78fa6f4.txt")
step() { echo "test-deb: $*"; }
fail() { echo "test-deb: FAILED: $*" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
# Installs packages, fetching the package lists first when the machine has none.
need() { apt-get install -y -qq "$@" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$@" >/dev/null; }; }
step "install"
need "$deb"
dpkg -s winnow | grep -q '^Status: install ok installed' || fail "not installed"

step "the binary runs with nothing of the toolchain in the loader's path"
! ldd /usr/bin/winnow | grep -qi swift || fail "links a Swift toolchain library: $(ldd /usr/bin/winnow | grep -i swift)"
version=$(env -i PATH=/usr/bin:/bin /usr/bin/winnow --version)
[ "$version" = "$(dpkg-query -W -f='${Version}' winnow)" ] || fail "winnow --version says '$version'"

step "man winnow-watch renders"
command -v man >/dev/null || need man-db
MANPAGER=cat MANWIDTH=100 man winnow-watch 2>/dev/null | grep -q -- '--compression' || fail "man winnow-watch"
for shell in bash-completion/completions/winnow zsh/vendor-completions/_winnow fish/vendor_completions.d/winnow.fish; do
    [ -s "/usr/share/$shell" ] || fail "missing completion /usr/share/$shell"
done

step "the installed unit verifies"
systemd-analyze verify /lib/systemd/system/winnow.service

step "nothing is enabled by the package; the user and the spool exist"
[ ! -e /etc/systemd/system/multi-user.target.wants/winnow.service ] || fail "the package enabled the service"
getent passwd winnow >/dev/null || fail "no winnow user"
[ "$(stat -c %U /var/lib/winnow/spool)" = winnow ] || fail "the spool is not the winnow user's"

step "the installed daemon, as the winnow user, turns a dropped article into an output"
setpriv --reuid winnow --regid winnow --init-groups /usr/bin/winnow watch --config /etc/winnow.conf 2>/tmp/winnow-deb.log &
daemon=$!
for _ in $(seq 100); do [ -d /var/lib/winnow/spool/inbox ] && break; sleep 0.1; done
install -o winnow -g winnow -m 640 "$seed" /var/lib/winnow/spool/inbox/.seed.txt
mv /var/lib/winnow/spool/inbox/.seed.txt /var/lib/winnow/spool/inbox/seed.txt
for _ in $(seq 200); do [ -s /var/lib/winnow/spool/out/seed.txt.jsonl.gz ] && break; sleep 0.1; done
kill -TERM "$daemon"
wait "$daemon" || fail "the daemon exited with $?: $(cat /tmp/winnow-deb.log)"
zcat /var/lib/winnow/spool/out/seed.txt.jsonl.gz | grep -q '"title":"Xi Jinping' || fail "no record in out/"

step "remove keeps the spool and the configuration"
dpkg -r winnow >/dev/null
[ ! -e /usr/bin/winnow ] || fail "the binary is still there"
[ -s /var/lib/winnow/spool/out/seed.txt.jsonl.gz ] || fail "remove deleted an output"
[ -e /etc/winnow.conf ] || fail "remove deleted the configuration"

step "purge removes the configuration, never the spool"
dpkg -P winnow >/dev/null
[ ! -e /etc/winnow.conf ] || fail "purge kept /etc/winnow.conf"
[ -s /var/lib/winnow/spool/out/seed.txt.jsonl.gz ] || fail "purge deleted an output"
rm -rf /var/lib/winnow

step "lintian"
command -v lintian >/dev/null || need lintian
lintian --fail-on error --tag-display-limit 0 "$deb" || fail "lintian reports errors"
step "ok"
