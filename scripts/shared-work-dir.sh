# shellcheck shell=bash
# shared_work_dir: prints a new folder that processes running as other users
# (varnishd's workers, initdb as postgres) can enter: mode 755, under TMPDIR
# when other users may pass through TMPDIR, else under /tmp. A private TMPDIR
# (mode 0700, as `mktemp -d` makes one) would shut them out of everything
# below it, whatever the folder's own mode.
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
