#!/usr/bin/env bash
# Purge by tag, end to end: real Varnish (with the xkey VCL of
# `cachectl generate-vcl --xkey`) in front of the demo, whose /products/<id>
# pages declare Cache-Tag: product:<id> products. Checks that both pages are
# Varnish hits, that `cachectl purge --tag product:42 --varnish URL` drops
# /products/42 and keeps /products/43, that a purge naming no tags is
# refused, and that `cachectl purge` against a dead Varnish fails loudly.
# Needs varnish and varnish-modules (apt-get install -y varnish varnish-modules).
# Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
name=varnish-purge-check
# shellcheck source=varnish-harness.sh
source "$root/scripts/varnish-harness.sh"
ls /usr/lib/*/varnish/vmods/libvmod_xkey.so >/dev/null 2>&1 \
    || { echo "varnish-purge-check: the xkey vmod is missing (apt-get install -y varnish-modules)" >&2; exit 1; }

# CACHING_DEMO / CACHECTL: already-built binaries (the test suite passes its own).
demo=${CACHING_DEMO:-}
cachectl=${CACHECTL:-}
if [ -z "$demo" ] || [ -z "$cachectl" ]; then
    swift build --enable-all-traits --package-path "$root" --product caching-demo >&2
    swift build --enable-all-traits --package-path "$root" --product cachectl >&2
    demo="$root/.build/debug/caching-demo"
    cachectl="$root/.build/debug/cachectl"
fi
start_demo "$demo"

echo '{"caches": {"default": {"backend": "memory"}}}' > "$work/settings.json"
{
    echo 'vcl 4.1;'
    "$cachectl" generate-vcl --xkey --settings "$work/settings.json"
    echo "backend default { .host = \"127.0.0.1\"; .port = \"$demo_port\"; }"
    echo 'sub vcl_recv {'
    echo '    if (req.method != "GET" && req.method != "HEAD") { return (pass); }'
    echo '    return (hash);'
    echo '}'
} > "$work/purge.vcl"

start_varnish "$work/purge.vcl"

fail=0
check() { if eval "$2"; then echo "ok   - $1"; else echo "FAIL - $1"; fail=1; fi; }
# The number of transaction ids in X-Varnish: 2 for a hit, 1 for a miss.
hits() { curl -s -D - -o /dev/null "$@" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-varnish" {print split($2, a, " ")}'; }
url=http://127.0.0.1:$varnish_port

curl -s -o /dev/null $url/products/42
curl -s -o /dev/null $url/products/43
check "a tagged page is a Varnish hit" '[ "$(hits $url/products/42)" = 2 ]'
check "another tagged page is a Varnish hit" '[ "$(hits $url/products/43)" = 2 ]'
check "xkey is not sent to clients" '! curl -s -D - -o /dev/null $url/products/42 | grep -qi "^xkey:"'
check "cachectl purge --tag product:42 succeeds" '"$cachectl" purge --tag product:42 --varnish $url | tee "$work/purge.out" | grep -q "purged 1 objects" || { cat "$work/purge.out"; false; }'
check "the purged page is a miss" '[ "$(hits $url/products/42)" = 1 ]'
check "the other page is still a hit" '[ "$(hits $url/products/43)" = 2 ]'
check "a purge of a shared tag drops both" '"$cachectl" purge --tag products --varnish $url >/dev/null && [ "$(hits $url/products/43)" = 1 ]'
check "a purge without tags is refused by the VCL" '[ "$(curl -s -o /dev/null -w "%{http_code}" -X PURGE $url/)" = 400 ]'
dead=$(free_port)
check "a purge of a dead Varnish fails loudly" '! "$cachectl" purge --tag product:42 --varnish http://127.0.0.1:$dead 2>"$work/dead.err" && grep -q "could not reach Varnish" "$work/dead.err"'
exit $fail
