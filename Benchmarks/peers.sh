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

# ratio_lines PREFIX OURS PEER: one `<prefix>-<op>: ours= peer= ratio=` line per op.
ratio_lines() {
    local prefix=$1 ours=$2 peer=$3 op o p
    for op in set get-hit get-miss; do
        o=$(awk -v k="$op" '$1==k {print $2}' <<<"$ours")
        p=$(awk -v k="$op" '$1==k {print $2}' <<<"$peer")
        awk -v n="$prefix-$op" -v o="$o" -v p="$p" 'BEGIN { printf "%s: ours=%d peer=%d ratio=%.2f\n", n, o, p, o / p }'
    done
}
