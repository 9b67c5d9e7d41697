# Sourced by bin/run and bin/test: finds a Python >= 3.12, makes .venv, installs requirements.txt.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

is_suitable() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

find_python() {
    local c
    # pyenv shims for python3.12/3.13 exist on PATH but fail unless that version is selected,
    # so every candidate is judged by running it, not by its name.
    for c in ${PYTHON:-} python3.13 python3.12 python3; do
        if command -v "$c" >/dev/null 2>&1 && is_suitable "$c"; then command -v "$c"; return 0; fi
    done
    local root=${PYENV_ROOT:-$HOME/.pyenv}
    command -v pyenv >/dev/null 2>&1 && root=$(pyenv root)
    for c in $(ls -d "$root"/versions/3.* 2>/dev/null | sort -V -r); do
        if is_suitable "$c/bin/python3"; then echo "$c/bin/python3"; return 0; fi
    done
    return 1
}

if ! [ -x .venv/bin/python ] || ! is_suitable .venv/bin/python; then
    if ! BASE_PYTHON=$(find_python); then
        echo "pointbook needs Python >= 3.12 and found none (tried \$PYTHON, python3.13, python3.12, python3, pyenv)." >&2
        echo "Install Python 3.12 or newer, or set PYTHON=/path/to/python3.12." >&2
        exit 1
    fi
    rm -rf .venv
    echo "Creating .venv with $BASE_PYTHON ($("$BASE_PYTHON" --version))"
    "$BASE_PYTHON" -m venv .venv
fi

want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat .venv/.requirements.sha256 2>/dev/null)" != "$want" ]; then
    echo "Installing requirements.txt into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
    echo "$want" > .venv/.requirements.sha256
fi
PY="$ROOT/.venv/bin/python"
export ROOT PY
