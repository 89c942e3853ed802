#!/usr/bin/env bash
# Fetches the vendored front-end assets from the npm registry into recommender/web/static/vendor/.
# The results are committed; nothing is loaded from a CDN at run time. Re-run to upgrade.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=recommender/web/static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$dest"

fetch() {  # fetch PACKAGE@VERSION -> unpacked into $tmp/NAME
  local spec=$1 name=$2
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null && mkdir -p "$name" && tar -xzf ./*.tgz -C "$name" && rm ./*.tgz)
}

fetch htmx.org@2.0.4 htmx
cp "$tmp/htmx/package/dist/htmx.min.js" "$dest/htmx.min.js"

fetch codemirror@5.65.18 codemirror
mkdir -p "$dest/codemirror"
cp "$tmp/codemirror/package/lib/codemirror.js" "$dest/codemirror/codemirror.js"
cp "$tmp/codemirror/package/lib/codemirror.css" "$dest/codemirror/codemirror.css"
cp "$tmp/codemirror/package/mode/yaml/yaml.js" "$dest/codemirror/yaml.js"
cp "$tmp/codemirror/package/mode/gherkin/gherkin.js" "$dest/codemirror/gherkin.js"
cp "$tmp/codemirror/package/addon/display/placeholder.js" "$dest/codemirror/placeholder.js"
cp "$tmp/codemirror/package/LICENSE" "$dest/codemirror/LICENSE"

cat > "$dest/VERSIONS.txt" <<TXT
htmx.org 2.0.4 (dist/htmx.min.js)
codemirror 5.65.18 (lib/codemirror.js, lib/codemirror.css, mode/yaml, mode/gherkin, addon/display/placeholder)
fetched by scripts/fetch-assets.sh from the npm registry
TXT
echo "assets in $dest"
