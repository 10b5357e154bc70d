#!/usr/bin/env bash
# Installs everything acp-extend's tests and demo need on a fresh Debian
# machine: Debian packages (registry, skopeo, htpasswd, openssl), the npm
# dependencies (which pin and install the Node the project runs on), and the
# Go-built sandbox binaries (cached in ~/.cache/acp-extend).
#   --demo  what `npm run demo` needs: the Pulumi engine is built only when no
#           `pulumi` 3.x is on PATH (the demo then uses yours).
set -euo pipefail
demo=false
[ "${1:-}" = "--demo" ] && demo=true
cd "$(dirname "$0")/.."

need=()
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v skopeo >/dev/null || need+=(skopeo)
command -v htpasswd >/dev/null || need+=(apache2-utils)
command -v openssl >/dev/null || need+=(openssl)
$demo || { command -v python3 >/dev/null && python3 -c "import venv, ensurepip" 2>/dev/null; } || need+=(python3 python3-venv)
# git http-backend: the loopback git server of `pulumi package add <git URL>`'s test.
$demo || [ -x /usr/lib/git-core/git-http-backend ] || need+=(git)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
# Builds (or finds cached) the sandbox's control plane and upstream OLM v0 (sandbox/olm).
node_modules/.bin/node bin/acp-extend.js sandbox build
# The real Pulumi engine for the e2e tests and the demo: the CLI, the Node.js
# language host and the Kubernetes provider, built from Go modules by test/engine
# (cached in ~/.cache/acp-extend/engine-<version>-<hash>; cold ~10 min on an idle
# 2-core machine, ~6 GB of Go build cache; warm: a cache lookup).
if $demo && pulumi version 2>/dev/null | grep -qE '^v?3\.'; then
  echo "setup: the demo will use your Pulumi CLI ($(command -v pulumi), $(pulumi version)); not building one"
else
  node_modules/.bin/node dist/tools/engine.js
fi
if ! $demo; then
  # For the e2e suites of examples/yaml-operator and examples/python-operator:
  # the Pulumi YAML language host (github.com/pulumi/pulumi-yaml, cold ~2.5 min),
  # our Python language host (test/languages/python, ~1.5 min once the engine's
  # packages are in the Go build cache) and the wheels from PyPI the tests' pip
  # installs the `pulumi` Python SDK from (~10 s), cached beside the engine.
  node_modules/.bin/node dist/tools/languages.js
fi
