#!/usr/bin/env bash
# Dependency audit of the project venv with pip-audit (installed into a throwaway venv, not the project's).
# --strict: a dependency that could not be audited is a failure, so an unreachable or partial PyPI JSON API
# cannot pass as "No known vulnerabilities found".
set -euo pipefail
cd "$(dirname "$0")/.."
AUDIT_VENV="${AUDIT_VENV:-.audit-venv}"
[ -x "$AUDIT_VENV/bin/pip-audit" ] || { python3 -m venv "$AUDIT_VENV" && "$AUDIT_VENV/bin/pip" install -q pip-audit; }
SITE=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
exec "$AUDIT_VENV/bin/pip-audit" --strict --progress-spinner off --path "$SITE" "$@"
