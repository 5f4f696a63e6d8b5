#!/usr/bin/env bash
# Installs Django 5.2.19 (the newest that runs on this Python) into .build-django,
# for the Django parity test (Tests/HummingbirdCachingTests/DjangoParityTests.swift)
# and the side-by-side benchmarks. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
target=.build-django
if PYTHONPATH=$target python3 -c 'import django, sys; sys.exit(django.get_version() != "5.2.19")' 2>/dev/null; then
    exit 0
fi
echo "install-django: django==5.2.19 into $target"
python3 -m pip install --quiet --disable-pip-version-check --target "$target" django==5.2.19
