#!/usr/bin/env bash
# Try tipdesk out: install into ./.venv, migrate the embedded SQLite database (./tipdesk.db), create the demo
# exercise and demo users (printed), and serve the API on http://127.0.0.1:8000 until Ctrl-C.
# Extra arguments go to `tipdesk demo` (e.g. --port 8080, --no-serve).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/venv.sh
source scripts/venv.sh

ensure_venv
echo "==> Installing tipdesk into .venv"
install_tipdesk .

echo "==> Starting the demo (Ctrl-C stops the server)"
exec .venv/bin/tipdesk demo "$@"
