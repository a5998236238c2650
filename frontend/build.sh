#!/bin/sh
# build.sh OUTDIR API_URL — builds the web app for one API origin into OUTDIR
# (VITE_API_URL is fixed at build time). Installs the npm packages from the
# lock file when they are missing, and does nothing when OUTDIR already holds
# a build of the same sources for the same API URL.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
out=${1:?usage: build.sh OUTDIR API_URL}
api=${2:?usage: build.sh OUTDIR API_URL}
. "$ROOT/stack/node.sh"
npm_ci "$HERE"
cd "$HERE"

stamp=$( (echo "$api"; find src public index.html vite.config.ts tsconfig.json package-lock.json -type f | LC_ALL=C sort |
	xargs sha256sum) | sha256sum | cut -c1-64)
if [ -f "$out/index.html" ] && [ "$(cat "$out/.build-stamp" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi
echo "frontend: building for $api into $out"
mkdir -p "$out"
VITE_API_URL=$api npx --no-install vite build --logLevel error --outDir "$out" --emptyOutDir
echo "$stamp" >"$out/.build-stamp"
chmod -R a+rX "$out"
