#!/usr/bin/env bash
# Creates the Secrets the dev overlay needs, with random values, in the namespace tiktok-dev
# (or $1). A Secret that already exists is left alone: the dev MySQL keeps the passwords it was
# initialised with, so replacing them would lock the services out. Nothing here is committed.
#   deploy/kubernetes/overlays/dev/create-secrets.sh [namespace]
set -euo pipefail
ns="${1:-tiktok-dev}"

# 128 random bits as 32 hex digits (od reads a fixed count, so no pipe is cut short).
random() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns"

if kubectl -n "$ns" get secret tiktok-jwt >/dev/null 2>&1; then
  echo "secret/tiktok-jwt exists, kept"
else
  kubectl -n "$ns" create secret generic tiktok-jwt --from-literal=secret="$(random)"
fi

if kubectl -n "$ns" get secret tiktok-mysql >/dev/null 2>&1; then
  echo "secret/tiktok-mysql exists, kept"
else
  args=(--from-literal=root="$(random)")
  for s in user video favorite comment relation message; do
    args+=(--from-literal="$s=$(random)" --from-literal="$s-migrator=$(random)")
  done
  kubectl -n "$ns" create secret generic tiktok-mysql "${args[@]}"
fi
