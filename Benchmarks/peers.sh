# Shared by the compare scripts: Django in a temporary folder, and Django's
# rate with one worker process per core (how Django is deployed).
# Source it; it defines django_install and django_rates.

cores=$(nproc)

# django_install DIR PACKAGE...: pip-installs Django 5.2.19 and PACKAGEs into DIR.
django_install() {
    local dir=$1; shift
    echo "installing django==5.2.19 $* into a temporary folder..." >&2
    python3 -m pip install --quiet --target "$dir" django==5.2.19 "$@" >&2
}

# django_rates DIR SCRIPT ARGS...: runs SCRIPT in $cores processes at once and
# prints `op total-ops/s` lines (the sum over the processes).
django_rates() {
    local dir=$1 script=$2; shift 2
    local out
    out=$(mktemp -d)
    # The first run clears and warms up; then all workers run at once.
    PYTHONPATH="$dir" python3 "$script" "$@" >/dev/null
    for worker in $(seq 1 "$cores"); do
        DJANGO_BENCH_WORKER=$worker PYTHONPATH="$dir" python3 "$script" "$@" >"$out/$worker" &
    done
    wait
    cat "$out"/* | awk '{ sum[$1] += $2 } END { for (op in sum) print op, int(sum[op]) }'
    rm -rf "$out"
}

# ratio_line NAME OURS PEER: prints `<name>: ours=<ours> peer=<peer> ratio=<ours/peer>`,
# the one line format every compare script prints.
ratio_line() {
    awk -v n="$1" -v o="$2" -v p="$3" 'BEGIN { printf "%s: ours=%d peer=%d ratio=%.2f\n", n, o, p, o / p }'
}

# line_value NAME ours|peer: the value of that side in the ratio line NAME
# among the lines on standard input.
line_value() {
    awk -v k="$1:" -v f="$2=" '$1 == k { for (i = 2; i <= NF; i++) if (index($i, f) == 1) print substr($i, length(f) + 1) }'
}

# ratio_lines PREFIX OURS PEER: one `<prefix>-<op>: ours= peer= ratio=` line
# per op (set, get-hit and get-miss, or RATIO_OPS); when OURS or PEER hold
# several rounds' lines, the best of each.
ratio_lines() {
    local prefix=$1 ours=$2 peer=$3 op o p
    for op in ${RATIO_OPS:-set get-hit get-miss}; do
        o=$(awk -v k="$op" '$1==k && $2>m {m=$2} END {print m}' <<<"$ours")
        p=$(awk -v k="$op" '$1==k && $2>m {m=$2} END {print m}' <<<"$peer")
        ratio_line "$prefix-$op" "$o" "$p"
    done
}

# side_by_side PREFIX OURS_FUNCTION PEER_FUNCTION: runs both sides $ROUNDS
# times (default 3), interleaved, and prints ratio_lines of the best rounds.
# Why: on a small shared machine one 20,000-call phase lasts well under a
# second and the same binary varies 1.5-2x between runs; interleaving gives
# both sides the same spread of conditions, and the best round of each is the
# least disturbed.
side_by_side() {
    local prefix=$1 ours_function=$2 peer_function=$3 ours="" peer="" round
    for round in $(seq 1 "${ROUNDS:-3}"); do
        ours+=$(run_side "$ours_function")$'\n'
        peer+=$(run_side "$peer_function")$'\n'
    done
    ratio_lines "$prefix" "$ours" "$peer"
}

# run_side FUNCTION: side_by_side's one run of a side. A side that fails names
# itself (with side_by_side's prefix and round): under `set -e` a failing
# `$(...)` would otherwise end the script without a word.
run_side() {
    "$1" || { local status=$?; echo "side_by_side $prefix: $1 failed (exit $status) in round $round" >&2; return "$status"; }
}
