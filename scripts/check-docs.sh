#!/usr/bin/env bash
# Builds the DocC documentation of every public library module (each has a
# Sources/<Module>/Documentation.docc catalog) with swift-docc-plugin, warnings
# as errors: a broken ``Symbol`` link, a wrong `- Parameter` name or a missing
# article is a failure. Prints one line per module; exits non-zero if any
# module's documentation has a warning or does not build.
#
#   scripts/check-docs.sh                 every module
#   scripts/check-docs.sh Caching HTTPCaching
#
# Offline: the plugin is a package dependency (resolved from the mirror like the
# others) and `docc` ships with the toolchain. Both optional traits are on
# (--enable-all-traits), so that VaporCaching's sources (trait Vapor) are
# compiled and documented. The build goes to its own scratch path
# (DOCS_SCRATCH_PATH, default .build-docs) so that it never invalidates .build;
# DOCS_SCRATCH_PATH=.build reuses a `swift build --enable-all-traits` build
# instead of compiling everything a second time.
set -uo pipefail
cd "$(dirname "$0")/.."

scratch=${DOCS_SCRATCH_PATH:-.build-docs}
all_modules=(
    Caching HTTPCaching HummingbirdCaching VaporCaching
    RedisCaching MemcachedCaching SQLiteCaching PostgresCaching
    MustacheCaching CachingBackends CachingProxy CachingPurge
)
if [ "$#" -gt 0 ]; then modules=("$@"); else modules=("${all_modules[@]}"); fi

logs="$scratch/check-docs"
# The plugin moves each archive into place: the parent must exist.
mkdir -p "$logs" "$scratch/docs"
failed=0
started=$(date +%s)
for module in "${modules[@]}"; do
    if [ ! -d "Sources/$module/Documentation.docc" ]; then
        echo "docs $module: FAIL (no Sources/$module/Documentation.docc)"
        failed=1
        continue
    fi
    log="$logs/$module.log"
    begin=$(date +%s)
    status=0
    rm -rf "${scratch:?}/docs/$module"   # the plugin will not move an archive over an old one
    swift package --scratch-path "$scratch" --enable-all-traits --disable-sandbox \
        generate-documentation --target "$module" --warnings-as-errors \
        --output-path "$scratch/docs/$module" >"$log" 2>&1 || status=$?
    seconds=$(( $(date +%s) - begin ))
    # docc's diagnostics and the compiler's on this package's sources; not the
    # package manager's notes about dependencies ("warning: 'swift-nio': ...")
    # nor warnings inside their checkouts, which this package cannot fix.
    problems=$(grep -E '(warning|error):' "$log" \
        | grep -vE "^warning: '[^']+': |/checkouts/|^error: .*exit code" || true)
    # A failed docc run leaves no archive to move; say so only if nothing else did.
    if printf '%s\n' "$problems" | grep -qv 'NSCocoaErrorDomain'; then
        problems=$(printf '%s\n' "$problems" | grep -v 'NSCocoaErrorDomain' || true)
    fi
    if [ "$status" -eq 0 ] && [ -z "$problems" ]; then
        echo "docs $module: ok (${seconds}s)"
    else
        count=$(printf '%s\n' "$problems" | grep -c . || true)
        echo "docs $module: FAIL ($count problems, exit $status, ${seconds}s; log $log)"
        if [ -n "$problems" ]; then printf '%s\n' "$problems" | sed 's/^/    /'; else tail -20 "$log" | sed 's/^/    /'; fi
        failed=1
    fi
done
echo "check-docs: ${#modules[@]} modules in $(( $(date +%s) - started ))s"
if [ "$failed" -ne 0 ]; then
    echo "check-docs: the documentation has warnings or does not build (see above)" >&2
    exit 1
fi
echo "check-docs: every module's documentation builds without warnings"
