#!/bin/sh
# Strips what a production node_modules tree does not run, in each image's builder
# stage after `pnpm install --prod`: better-sqlite3's compile leftovers (its bundled
# SQLite sources in deps/, src/, and everything under build/ but the one .node
# binding: about 27 MB). Usage: prune-node-modules.sh <app dir>.
set -eu
root=${1:?usage: prune-node-modules.sh <app dir>}
for pkg in "$root"/node_modules/.pnpm/better-sqlite3@*/node_modules/better-sqlite3; do
  [ -d "$pkg" ] || continue
  rm -rf "$pkg/deps" "$pkg/src" "$pkg/binding.gyp"
  if [ -d "$pkg/build" ]; then
    find "$pkg/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
    find "$pkg/build/Release" -mindepth 1 -maxdepth 1 ! -name better_sqlite3.node -exec rm -rf {} +
  fi
done
