#!/usr/bin/env bash
# Sourced by .ci/run: puts a supported Node.js LTS first on PATH. Node 20 is past its end of life
# and several dependencies declare Node 22.12 or newer; where the machine's Node is older than 22,
# Node 24 comes from the npm registry's `node` package (it ships Node's own binaries), installed
# once into a cache folder outside the checkout. npm is a Node script, so it then runs on it too.
SUPPORTED_NODE_MAJOR=24
machine_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$machine_major" -lt 22 ]; then
  node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/welfare-backbone/node-$SUPPORTED_NODE_MAJOR"
  if [ ! -x "$node_dir/node_modules/.bin/node" ]; then
    echo "Node $(node --version 2>/dev/null) is past its support: installing Node $SUPPORTED_NODE_MAJOR from the npm registry into $node_dir"
    mkdir -p "$node_dir"
    npm install --prefix "$node_dir" --no-save --no-audit --no-fund --loglevel=error "node@$SUPPORTED_NODE_MAJOR" ||
      { echo "could not install Node $SUPPORTED_NODE_MAJOR from the npm registry"; return 1; }
  fi
  export PATH="$node_dir/node_modules/.bin:$PATH"
fi
echo "Node $(node --version), npm $(npm --version)"
