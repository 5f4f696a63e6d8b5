# Sourced by the scripts that start servers on loopback (cache-tests.sh,
# varnish-check.sh, varnish-purge-check.sh): one way to pick a free port.
#
# free_port prints a TCP port in 20000-39999 that nothing on 127.0.0.1
# answers on, or fails after 50 tries naming the calling script.
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 20000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
    echo "${0##*/}: no free port found" >&2; return 1
}
