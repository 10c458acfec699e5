# Sourced by the commands in bin/: creates .venv with the project on first use (or when
# setup.cfg changes) and sets ROOT, VENV and PY. Needs only python3 with venv and pip.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
_stamp="$VENV/.installed-$(cksum < "$ROOT/setup.cfg" | cut -d' ' -f1)"
if [ ! -f "$_stamp" ]; then
  echo "Setting up $VENV (first use; takes a minute)..." >&2
  if ! { python3 -m venv "$VENV" \
      && "$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip \
      && "$PY" -m pip install --quiet --disable-pip-version-check -e "$ROOT[dev]"; } >&2; then
    echo "error: could not install the project into $VENV (see pip's output above)" >&2
    exit 1
  fi
  rm -f "$VENV"/.installed-* && touch "$_stamp"
fi
export PATH="$VENV/bin:$PATH"
