# Shared by demo.sh and test.sh (sourced, not run): a Python 3.11+ virtual environment in ./.venv with tipdesk
# installed into it.

find_python() {
    local candidate
    for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "tipdesk needs Python 3.11 or newer (set PYTHON=/path/to/python3.11 if it is not on PATH)." >&2
    return 1
}

ensure_venv() {
    if [[ ! -x .venv/bin/python ]]; then
        local python
        python="$(find_python)"
        echo "Creating .venv with $("$python" --version)"
        "$python" -m venv .venv || {
            echo "Could not create .venv; on Debian/Ubuntu install the venv module: apt install python3-venv" >&2
            exit 1
        }
    elif ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo ".venv uses $(.venv/bin/python --version); tipdesk needs 3.11+. Remove .venv and run again." >&2
        exit 1
    fi
}

# Installs tipdesk (editable) with the given extras, unless .venv already holds an install made from the same
# pyproject.toml; code changes need no reinstall, and `rm -rf .venv` always starts afresh.
install_tipdesk() {
    local spec="$1" stamp=".venv/.tipdesk-installed" want
    want="$spec $(.venv/bin/python -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())')"
    local have=""
    [[ -f "$stamp" ]] && have="$(cat "$stamp")"
    # an install with the dev extras also serves a plain one
    if [[ -x .venv/bin/tipdesk && ("$have" == "$want" || "$have" == ".[dev] ${want#* }") ]]; then
        echo "tipdesk is installed in .venv (pyproject.toml unchanged)"
        return 0
    fi
    rm -f "$stamp"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
    echo "$want" >"$stamp"
}
