#!/usr/bin/env bash
# Render the debrief page in headless Chromium: a scratch SQLite database seeded with a classroom shift that three
# scripted trainees work (scripts/debrief_demo.py), served by uvicorn; the page is fetched with the instructor's
# token and screenshotted.
#
#   scripts/debrief_screenshot.sh [OUTPUT.png]     (default: /work/screens/debrief.png, else ./debrief.png)
#
# Needs Debian's `chromium` (apt-get install -y chromium) and tipdesk's dependencies on PATH's python.
# Leaves the HTML beside the screenshot (OUTPUT.html). PORT (default 8765) picks the port.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
default_out=/work/screens/debrief.png
[[ -d /work/screens ]] || default_out=./debrief.png
out=${1:-$default_out}
port=${PORT:-8765}
chromium_bin=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$chromium_bin" ]]; then
    echo "chromium is not installed (Debian: apt-get install -y chromium)" >&2
    exit 1
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

export TIPDESK_DATABASE_URL="sqlite:///$work/debrief.db"
export TIPDESK_SECRET_KEY="debrief-demo-$(python -c 'import secrets; print(secrets.token_hex(16))')"
export TIPDESK_ENVIRONMENT=development
export TIPDESK_SLA_SWEEP_INTERVAL_SECONDS=0

echo "==> Seeding a classroom shift into $work/debrief.db"
python scripts/debrief_demo.py setup "$work/state.json"

echo "==> Serving the API on 127.0.0.1:$port"
python -m uvicorn app.main:create_app --factory --host 127.0.0.1 --port "$port" --log-level warning >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done

echo "==> Three trainees work the queue"
python scripts/debrief_demo.py play "$work/state.json" "http://127.0.0.1:$port"
python scripts/debrief_demo.py sweep

exercise=$(python -c 'import json,sys; print(json.load(open(sys.argv[1]))["exercise_id"])' "$work/state.json")
token=$(python -c 'import json,sys; print(json.load(open(sys.argv[1]))["instructor.demo"])' "$work/state.json")
html="${out%.png}.html"
mkdir -p "$(dirname "$out")"
curl -fsS -H "Authorization: Bearer $token" -H "Accept: text/html" \
    "http://127.0.0.1:$port/api/v1/exercises/$exercise/debrief" -o "$html"
echo "==> Debrief page: $html ($(wc -c <"$html") bytes)"

"$chromium_bin" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2600 \
    --screenshot="$(realpath "$out")" "file://$(realpath "$html")" 2>/dev/null
echo "==> Screenshot: $out"
