# Sourced by the scripts that start servers on loopback (cache-tests.sh,
# varnish-check.sh, varnish-purge-check.sh): one way to pick a free port.
#
# free_port prints a TCP port in 22000-31999 that nothing on 127.0.0.1
# answers on, or fails after 50 tries naming the calling script. The range is
# below Linux's ephemeral ports (32768 and up): a port there that nothing
# answers on may still be the local end of some client's connection, and a
# server's bind then fails ("Address already in use", seen in a test run). The
# Swift tests' own fixed ranges (19000-21999) are left to them.
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((22000 + RANDOM % 10000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
    echo "${0##*/}: no free port found" >&2; return 1
}
