#!/bin/sh
# Copy the pinned GOV.UK Frontend, htmx and Swagger UI builds from node_modules into static/vendor/.
# (vnu-jar, the Nu HTML checker, is a devDependency the tests run from node_modules; not vendored.)
# Idempotent: reinstalls only when package-lock.json changed, rebuilds static/vendor each run.
# Nothing is fetched at run time by the app; this script is the only network step (npm ci).
set -eu

cd "$(dirname "$0")/.."

lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.vendor-lock-sha256"

# node_modules is stale when it was installed from a different lockfile (or by hand).
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
    npm ci --no-audit --no-fund
    printf '%s\n' "$lock_hash" >"$stamp"
fi

govuk="node_modules/govuk-frontend/dist/govuk"
htmx="node_modules/htmx.org/dist"
swagger="node_modules/swagger-ui-dist"
out="static/vendor"
tmp="static/.vendor.tmp"

# Build into a scratch folder, then swap, so a failed run never leaves a half-copied vendor dir.
rm -rf "$tmp"
mkdir -p "$tmp"

# GOV.UK Frontend's CSS points at /assets/...; make those URLs relative to the CSS file so they
# resolve to static/vendor/assets/ under whatever prefix static/ is mounted at. The source-map
# comment is dropped because the rewrite shifts columns.
sed -e 's#url(/assets/#url(assets/#g' \
    -e 's#/\*\# sourceMappingURL=[^*]*\*/##' \
    "$govuk/govuk-frontend.min.css" >"$tmp/govuk-frontend.min.css"
cp "$govuk/govuk-frontend.min.js" "$govuk/govuk-frontend.min.js.map" "$tmp/"
cp -R "$govuk/assets" "$tmp/assets"
cp "$htmx/htmx.min.js" "$tmp/htmx.min.js"
# The API docs page (/schema/swagger) loads these from us: the CSP allows no CDN.
mkdir -p "$tmp/swagger-ui"
for f in swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css; do
    sed -e 's#//\# sourceMappingURL=.*##' -e 's#/\*\# sourceMappingURL=[^*]*\*/##' "$swagger/$f" >"$tmp/swagger-ui/$f"
done

# Every url() left in the CSS must point at a file we copied.
missing=0
for rel in $(grep -o 'url([^)]*)' "$tmp/govuk-frontend.min.css" | sed -e 's/^url(//' -e 's/)$//' \
    -e 's/^["'\'']//' -e 's/["'\'']$//' | sort -u); do
    case "$rel" in
    data:*) continue ;;
    /* | http:* | https:*) echo "absolute URL left in CSS: $rel" >&2; missing=1 ;;
    *) [ -f "$tmp/$rel" ] || { echo "CSS references missing file: $rel" >&2; missing=1; } ;;
    esac
done
[ "$missing" -eq 0 ] || { rm -rf "$tmp"; exit 1; }

node -e '
const v = (p) => require("./node_modules/" + p + "/package.json").version;
console.log(`govuk-frontend ${v("govuk-frontend")}\nhtmx.org ${v("htmx.org")}\nswagger-ui-dist ${v("swagger-ui-dist")}`);
' >"$tmp/VERSIONS"

rm -rf "$out"
mv "$tmp" "$out"
echo "vendored into $out:"
sed 's/^/  /' "$out/VERSIONS"
