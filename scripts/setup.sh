#!/usr/bin/env bash
# Installs what hud needs, once per user, and is quick when it is already there.
#
# - PyTorch 2.11.0 from its PyPI wheel (with its CUDA dependency wheels) in a virtual environment under
#   a per-user cache, outside the repository: its torch/ folder is the libtorch that tch 0.24 links
#   against, and its Python is the reference the fixtures and the live parity test run.
# - .cargo/config.toml (not committed) so that plain `cargo build`, `cargo run` and `cargo test` find
#   libtorch (LIBTORCH) and the reference Python (HUD_PYTHON) afterwards.
#
# Honoured: LIBTORCH (a libtorch folder with include/ and lib/, used instead of the wheel's),
# HUD_PYTHON (a Python with torch 2.11.0, used instead of the cache's), HUD_CACHE (the cache folder;
# default ${XDG_CACHE_HOME:-~/.cache}/hud). With LIBTORCH set, nothing is downloaded for building and
# running hud; the tests and the benchmark also need the Python reference (HUD_NEED_PYTHON=1), which
# HUD_PYTHON provides without a download. The tests of the HTML explorers need a browser
# (HUD_NEED_BROWSER=1): Debian's `chromium` is installed when no Chromium or Chrome is on the PATH and
# HUD_CHROMIUM names none (with apt-get, as root or through sudo).
#
# Use: `scripts/setup.sh` or `source scripts/setup.sh` (then LIBTORCH and HUD_PYTHON are exported).
set -euo pipefail

hud_torch_version=2.11.0
hud_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
hud_cache=${HUD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hud}
hud_venv=$hud_cache/torch-$hud_torch_version

hud_say() { echo "setup: $*" >&2; }

hud_install_venv() {
    mkdir -p "$hud_cache"
    # One install at a time per user: a second clone waits for the first instead of racing it.
    exec 9>"$hud_cache/.lock"
    flock 9
    if [ ! -f "$hud_venv/.complete" ]; then
        hud_say "installing PyTorch $hud_torch_version (libtorch and the Python reference) into $hud_venv; about 5 GB, a few minutes, once"
        rm -rf "$hud_venv"
        python3 -m venv "$hud_venv"
        "$hud_venv/bin/python" -m pip install --quiet --disable-pip-version-check \
            "torch==$hud_torch_version" numpy matplotlib
        "$hud_venv/bin/python" -c "import torch; assert torch.__version__.split('+')[0] == '$hud_torch_version', torch.__version__"
        touch "$hud_venv/.complete"
    fi
    flock -u 9
    exec 9>&-
}

hud_install_browser() {
    if [ -n "${HUD_CHROMIUM:-}" ] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null ||
        command -v google-chrome >/dev/null; then
        return
    fi
    local sudo=
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || {
            hud_say "the explorer's tests need Chromium: install Debian's chromium package (or set HUD_CHROMIUM)"
            exit 1
        }
        sudo=sudo
    fi
    hud_say "installing Chromium (Debian's chromium package) for the explorer's browser tests; a few minutes, once"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >&2
}

if [ -n "${HUD_NEED_BROWSER:-}" ]; then
    hud_install_browser
fi
if [ -z "${LIBTORCH:-}" ] || { [ -n "${HUD_NEED_PYTHON:-}" ] && [ -z "${HUD_PYTHON:-}" ]; }; then
    hud_install_venv
fi
if [ -z "${HUD_PYTHON:-}" ] && [ -f "$hud_venv/.complete" ]; then
    HUD_PYTHON=$hud_venv/bin/python
fi
if [ -z "${LIBTORCH:-}" ]; then
    LIBTORCH=$("$HUD_PYTHON" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
fi
[ -d "$LIBTORCH/lib" ] && [ -d "$LIBTORCH/include" ] || {
    hud_say "LIBTORCH=$LIBTORCH has no lib/ and include/ folders"
    exit 1
}
export LIBTORCH
hud_config=$(printf '# Written by scripts/setup.sh: where libtorch and the reference Python are.\n[env]\nLIBTORCH = "%s"\n' "$LIBTORCH")
if [ -n "${HUD_PYTHON:-}" ]; then
    export HUD_PYTHON
    hud_config=$(printf '%s\nHUD_PYTHON = "%s"\n' "$hud_config" "$HUD_PYTHON")
fi

# Written only when it changes, so that cargo sees a stable configuration and rebuilds nothing.
mkdir -p "$hud_root/.cargo"
if [ "$(cat "$hud_root/.cargo/config.toml" 2>/dev/null)" != "$hud_config" ]; then
    printf '%s\n' "$hud_config" >"$hud_root/.cargo/config.toml"
fi
