#!/usr/bin/env bash
# The whole check: install into ./.venv, then ruff, ruff format, mypy, and the whole test suite (including the
# schemathesis run over the OpenAPI document) on SQLite and again on PostgreSQL.
#
# Extra arguments go to both pytest runs (e.g. `./scripts/test.sh -x -k events`).
#
# Environment:
#   TIPDESK_TEST_PG_ADMIN_URL   PostgreSQL server for the second pass; each run creates and drops its own database
#                               (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres)
#   TIPDESK_TEST_SKIP_POSTGRES  1 skips the PostgreSQL pass, with a warning (for machines without PostgreSQL);
#                               refused when CI=true
#   CI                          true makes an unreachable PostgreSQL a failure, never a skip
#   TIPDESK_TEST_JOBS           how many of mypy and the two pytest passes run at once (default: 2 on a machine with
#                               2+ cores, else 1); each parallel stage's output is shown whole when it ends
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

is_true() {
    case "$1" in
        1 | [Tt]rue | TRUE | [Yy]es | YES) return 0 ;;
        *) return 1 ;;
    esac
}

CI_MODE=false
is_true "${CI:-}" && CI_MODE=true
SKIP_PG=false
is_true "${TIPDESK_TEST_SKIP_POSTGRES:-}" && SKIP_PG=true

banner() {
    printf '\n%s\n%s\n' "=== $* " "$(printf '=%.0s' {1..78})"
}

loud() {
    local line
    line="$(printf '!%.0s' {1..78})"
    printf '\n%s\n' "$line" >&2
    printf '!! %s\n' "$@" >&2
    printf '%s\n\n' "$line" >&2
}

if $CI_MODE && $SKIP_PG; then
    loud "TIPDESK_TEST_SKIP_POSTGRES is set, but CI=true: CI must test on PostgreSQL." \
        "Unset TIPDESK_TEST_SKIP_POSTGRES (and make PostgreSQL reachable) to run the suite."
    exit 2
fi

# SQLAlchemy needs the psycopg 3 driver named in the URL; accept plain postgresql:// URLs too.
PG_ADMIN_URL="${TIPDESK_TEST_PG_ADMIN_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}"
case "$PG_ADMIN_URL" in
    postgresql://*) PG_ADMIN_URL="postgresql+psycopg://${PG_ADMIN_URL#postgresql://}" ;;
    postgres://*) PG_ADMIN_URL="postgresql+psycopg://${PG_ADMIN_URL#postgres://}" ;;
esac
export TIPDESK_TEST_PG_ADMIN_URL="$PG_ADMIN_URL"

# shellcheck source=scripts/venv.sh
source scripts/venv.sh

STARTED=$SECONDS
declare -a SUMMARY=()
FAILED=0

JOBS="${TIPDESK_TEST_JOBS:-}"
if [[ -z "$JOBS" ]]; then
    JOBS=1
    (($(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1) >= 2)) && JOBS=2
fi
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || {
    echo "TIPDESK_TEST_JOBS must be a positive integer, not '$JOBS'" >&2
    exit 2
}
LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT

# Runs one stage; records its result and duration instead of stopping, so one run reports every failure.
stage() {
    local name="$1"
    shift
    banner "$name"
    local t0=$SECONDS rc=0
    "$@" || rc=$?
    record "$name" "$rc" $((SECONDS - t0))
}

# Starts a stage in the background (at most JOBS at once; with JOBS=1 it simply runs); `collect` waits for them.
declare -a BG_NAMES=() BG_PIDS=()
stage_bg() {
    local name="$1"
    shift
    if ((JOBS <= 1)); then
        stage "$name" "$@"
        return
    fi
    while (($(jobs -rp | wc -l) >= JOBS)); do
        wait -n || true
    done
    local n=${#BG_PIDS[@]}
    echo "--- started in the background: $name"
    (
        t0=$SECONDS
        rc=0
        "$@" >"$LOGS/$n.log" 2>&1 || rc=$?
        echo "$rc $((SECONDS - t0))" >"$LOGS/$n.result"
    ) &
    BG_NAMES+=("$name")
    BG_PIDS+=("$!")
}

collect() {
    local i rc took
    for i in "${!BG_PIDS[@]}"; do
        wait "${BG_PIDS[$i]}" || true
        banner "${BG_NAMES[$i]}"
        cat "$LOGS/$i.log"
        read -r rc took <"$LOGS/$i.result" || { rc=1 took=0; }
        record "${BG_NAMES[$i]}" "$rc" "$took"
    done
    BG_NAMES=()
    BG_PIDS=()
}

record() {
    local name="$1" rc="$2" took="$3"
    if ((rc == 0)); then
        SUMMARY+=("$(printf '  %-6s %-34s %4ds' PASS "$name" "$took")")
    else
        FAILED=1
        local why="exit $rc"
        ((rc == 5)) && why="exit 5: no tests collected"
        SUMMARY+=("$(printf '  %-6s %-34s %4ds  (%s)' FAIL "$name" "$took" "$why")")
        echo "--- $name failed ($why)" >&2
    fi
}

postgres_reachable() {
    .venv/bin/python - "$PG_ADMIN_URL" <<'PY'
import sys

import psycopg

url = sys.argv[1].replace("postgresql+psycopg://", "postgresql://", 1)
try:
    psycopg.connect(url, connect_timeout=5).close()
except Exception as exc:  # any failure means the PostgreSQL pass cannot run
    print(f"PostgreSQL is not reachable: {type(exc).__name__}: {str(exc).strip()}", file=sys.stderr)
    sys.exit(1)
PY
}

banner "install: .venv, tipdesk with dev extras"
ensure_venv
install_tipdesk '.[dev]'
SUMMARY+=("$(printf '  %-6s %-34s %4ds' DONE "install" "$((SECONDS - STARTED))")")

stage "ruff check" .venv/bin/ruff check .
stage "ruff format --check" .venv/bin/ruff format --check .

# The longest stage starts first: the PostgreSQL pass, then the SQLite pass; mypy (short) takes the first free slot,
# so the wall time is about the PostgreSQL pass rather than mypy followed by it.
PG_SKIPPED=false
if $SKIP_PG; then
    PG_SKIPPED=true
    loud "TIPDESK_TEST_SKIP_POSTGRES=1: the PostgreSQL pass is SKIPPED." \
        "This run does not show that tipdesk works on PostgreSQL; CI will run it."
    SUMMARY+=("$(printf '  %-6s %-34s' SKIP "pytest on PostgreSQL")")
elif postgres_reachable; then
    stage_bg "pytest on PostgreSQL" env TIPDESK_TEST_DB=postgresql .venv/bin/python -m pytest "$@"
else
    FAILED=1
    SUMMARY+=("$(printf '  %-6s %-34s       (%s)' FAIL "pytest on PostgreSQL" "PostgreSQL unreachable")")
    if $CI_MODE; then
        loud "PostgreSQL is not reachable at $PG_ADMIN_URL and CI=true." \
            "The PostgreSQL pass is required in CI: failing."
    else
        loud "PostgreSQL is not reachable at $PG_ADMIN_URL." \
            "Start a local PostgreSQL (user postgres, trust auth), point TIPDESK_TEST_PG_ADMIN_URL at one," \
            "or set TIPDESK_TEST_SKIP_POSTGRES=1 to skip the PostgreSQL pass on this machine."
    fi
fi
stage_bg "pytest on SQLite" env TIPDESK_TEST_DB=sqlite .venv/bin/python -m pytest "$@"
stage_bg "mypy" .venv/bin/mypy

collect

banner "summary"
printf '%s\n' "${SUMMARY[@]}"
printf '  total %ds\n' "$((SECONDS - STARTED))"
if $PG_SKIPPED; then
    loud "The PostgreSQL pass was SKIPPED (TIPDESK_TEST_SKIP_POSTGRES=1)."
fi
if ((FAILED)); then
    echo "FAILED" >&2
    exit 1
fi
echo "OK"
