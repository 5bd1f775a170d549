#!/usr/bin/env bash
# Runs one of the long, one-time builds of a third-party tool (Jaeger, Prometheus, SeaweedFS, ...)
# and says so while it runs: go build is silent for minutes once the modules are downloaded.
#
#   scripts/build-tool.sh NAME ESTIMATE COMMAND [ARGS...]
#   e.g. scripts/build-tool.sh Jaeger "5-10 min" go build -o bin/jaeger github.com/...
#
# Prints what is built and its estimate, then "still building NAME (N s)" every
# BUILD_PROGRESS_INTERVAL seconds (20 by default), and exits with the command's status. Ctrl-C
# stops the build too (a background job of a script would otherwise ignore it and run on).
set -uo pipefail

if (($# < 3)); then
  echo "usage: $0 NAME ESTIMATE COMMAND [ARGS...]" >&2
  exit 2
fi
name=$1 estimate=$2
shift 2
interval=${BUILD_PROGRESS_INTERVAL:-20}

echo "building $name from the Go module proxy: a one-time build (bin/ keeps it), about $estimate on 2 cores"
start=$SECONDS
# Job control gives the build a process group of its own, so that an interrupt can stop it with
# every compiler it started.
set -m
"$@" &
pid=$!
set +m
trap 'kill -TERM -- "-$pid" 2>/dev/null; wait "$pid"; echo "building $name: interrupted" >&2; exit 130' INT TERM HUP

next=$interval
while kill -0 "$pid" 2>/dev/null; do
  sleep 1
  if (( SECONDS - start >= next )) && kill -0 "$pid" 2>/dev/null; then
    echo "  still building $name ($((SECONDS - start)) s, about $estimate in all)"
    next=$((next + interval))
  fi
done
wait "$pid"
status=$?
if ((status == 0)); then
  echo "built $name in $((SECONDS - start)) s"
else
  echo "building $name failed (exit status $status) after $((SECONDS - start)) s" >&2
fi
exit "$status"
