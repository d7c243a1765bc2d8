#!/usr/bin/env bash
# The main job: runs the quickstart tuning notebook end to end through real Jupyter.
# Installs what is missing (Debian's Jupyter packages), builds, installs the tunelab kernelspec
# into build/jupyter (leaving your own Jupyter untouched), executes notebooks/01-quickstart.ipynb
# with nbconvert and writes build/quickstart.ipynb and build/quickstart.html.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
npm run build --silent
export JUPYTER_DATA_DIR="$PWD/build/jupyter"
export JUPYTER_PATH="$JUPYTER_DATA_DIR"
node dist/src/cli.js install --user >/dev/null
notebook="${1:-notebooks/01-quickstart.ipynb}"
name="$(basename "$notebook" .ipynb)"
name="${name#01-}"
echo "tunelab: executing $notebook (about a minute) ..."
/usr/bin/jupyter nbconvert --to notebook --execute "$notebook" \
  --ExecutePreprocessor.timeout=1200 --ExecutePreprocessor.kernel_name=tunelab \
  --output-dir build --output "$name.ipynb"
/usr/bin/jupyter nbconvert --to html "build/$name.ipynb" --output-dir build --output "$name.html"
echo "tunelab: done: build/$name.ipynb and build/$name.html"
