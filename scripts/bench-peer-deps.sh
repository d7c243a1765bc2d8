#!/usr/bin/env bash
# Installs the Debian packages the end-to-end digits peer needs (Optuna TPE + PyTorch:
# ../shared/bench/e2e_digits_optuna_torch.py), when they are missing. Used by `npm run bench:tune`
# and `npm run bench:schedulers` only, never by the tests. Needs root (or sudo) only when something
# is missing. The peer runs with Debian's /usr/bin/python3 (a python3 earlier on PATH may not see them).
set -euo pipefail
packages=(python3-torch python3-optuna python3-numpy)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "tunelab bench: installing Debian packages for the peer: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
