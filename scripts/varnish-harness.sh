# shellcheck shell=bash
# Sourced by varnish-check.sh and varnish-purge-check.sh: the demo and real
# Varnish in front of it, each on a port chosen per run and checked free, so a
# leftover server never answers. The caller sets $root and $name (for
# messages). Defines:
#   $work          a new folder varnishd's workers can enter (they run as their
#                  own users); removed on exit
#   $varnishd      the varnishd binary (the script exits if there is none)
#   $demo_port $varnish_port
#   start_demo DEMO      the demo binary on $demo_port, once it answers
#   start_varnish VCL    varnishd with that VCL file on $varnish_port, once it
#                        answers (the script exits with varnishd's log if not)
# On exit the demo and varnishd are stopped and $work is removed.

# shared_work_dir: prints a new folder, mode 755, under TMPDIR when other users
# may pass through TMPDIR, else under /tmp. A private TMPDIR (mode 0700, as
# `mktemp -d` makes one) would shut varnishd's workers out of everything below
# it, whatever the folder's own mode.
shared_work_dir() {
    local base=${TMPDIR:-/tmp} dir
    case $(stat -c %A "$base" 2>/dev/null) in
        ?????????[xt]) ;;
        *) base=/tmp ;;
    esac
    dir=$(mktemp -d -p "$base")
    chmod 755 "$dir"
    echo "$dir"
}

work=$(shared_work_dir)
demo_pid=""
varnish_pid=""
varnish_cleanup() {
    [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null || true
    # Stop varnishd and wait for it before deleting its working directory: a
    # manager whose -n directory vanishes mid-shutdown can hang and keep the
    # port, and a later run would then share it (SO_REUSEPORT) with stale objects.
    if [ -n "$varnish_pid" ]; then
        kill "$varnish_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$varnish_pid" 2>/dev/null || break; sleep 0.1; done
    fi
    # SIGKILL what is left: started from the test suite, varnishd inherits a
    # signal mask with SIGTERM blocked, so the kill above does not stop it.
    pkill -9 -f "varnishd.*$work" 2>/dev/null || true
    rm -rf "$work"
}
trap varnish_cleanup EXIT
varnishd=$(command -v varnishd || echo /usr/sbin/varnishd)
[ -x "$varnishd" ] || { echo "$name: varnishd not found (apt-get install -y varnish)" >&2; exit 1; }

# shellcheck source=free-port.sh
source "$root/scripts/free-port.sh"
demo_port=$(free_port)
varnish_port=$(free_port)

start_demo() {
    "$1" --port "$demo_port" >/dev/null 2>&1 & demo_pid=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$demo_port/" && break; sleep 0.1; done
}

start_varnish() {
    "$varnishd" -a "127.0.0.1:$varnish_port" -f "$1" -s malloc,32m -n "$work/varnish" -F >"$work/varnishd.log" 2>&1 &
    varnish_pid=$!
    for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.1:$varnish_port/" && break; sleep 0.1; done
    curl -s -o /dev/null "http://127.0.0.1:$varnish_port/" \
        || { echo "$name: varnishd did not start:" >&2; cat "$work/varnishd.log" >&2; exit 1; }
}
