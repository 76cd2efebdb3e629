#!/usr/bin/env bash
# Refreshes the widget's vendored browser code from the npm registry, at the versions pinned
# in package.json / package-lock.json. Only needed after changing those pins: the result
# (bot/web/vendor/) is committed, so `make run` and `make test` never need npm.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --ignore-scripts --no-audit --no-fund
mkdir -p bot/web/vendor
# The source map is not shipped: drop its reference so no browser asks for it.
sed '/^\/\/# sourceMappingURL=/d' node_modules/socket.io-client/dist/socket.io.min.js \
  > bot/web/vendor/socket.io.min.js
cp node_modules/socket.io-client/LICENSE bot/web/vendor/socket.io-client.LICENSE
echo "Vendored socket.io-client $(node -p "require('./node_modules/socket.io-client/package.json').version") into bot/web/vendor/"
