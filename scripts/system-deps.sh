#!/usr/bin/env bash
# Installs the Debian packages that the notebooks and the tests use, when they are missing:
# real Jupyter (client, nbconvert, nbclient, the classic Notebook, the kernel conformance suite)
# Chromium for the browser tests, PostgreSQL for the shared-study tests, and scikit-learn (the
# reference values of the metric tests). Needs root (or sudo) only when something is missing.
# Debian's Python is /usr/bin/python3; a python3 earlier on PATH may not see these packages.
set -euo pipefail
packages=(jupyter-client jupyter-nbconvert python3-nbclient jupyter-notebook python3-jupyter-kernel-test chromium postgresql python3-sklearn)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "tunelab: installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
