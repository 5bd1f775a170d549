#!/usr/bin/env bash
# Runs the Postman collection with newman against a running gateway.
#
#   postman/run.sh [BASE_URL]          default: the environment file's http://127.0.0.1:8080
#
# POSTMAN_FOLDERS  folders to run, in order, separated by spaces or commas (e.g. "user video");
#                  empty or unset runs the whole collection
# POSTMAN_REPORT   also write newman's JSON report to this file
#
# The publish request uploads sample.mp4 from newman's working directory: a two-second clip
# generated here with ffmpeg, into a temporary folder removed at exit.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
base_url="${1:-}"

for tool in newman ffmpeg; do
  if ! command -v "$tool" >/dev/null; then
    case "$tool" in
      newman) echo "run.sh: newman is missing: npm install -g newman@6.2.2 (or run .ci/run)" >&2 ;;
      ffmpeg) echo "run.sh: ffmpeg is missing: apt-get install -y ffmpeg (or run .ci/run)" >&2 ;;
    esac
    exit 2
  fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/tiktok-postman.XXXXXX")"
trap 'rm -rf "$work"' EXIT

ffmpeg -hide_banner -loglevel error -f lavfi -i testsrc=size=320x240:rate=25 -t 2 \
  -c:v libx264 -pix_fmt yuv420p -movflags +faststart "$work/sample.mp4"

args=(run "$here/simple-tiktok.postman_collection.json"
  --environment "$here/local.postman_environment.json"
  --working-dir "$work"
  --color off)
if [[ -n "$base_url" ]]; then
  args+=(--env-var "baseUrl=$base_url")
fi
if [[ -n "${POSTMAN_REPORT:-}" ]]; then
  args+=(--reporters cli,json --reporter-json-export "$POSTMAN_REPORT")
else
  args+=(--reporters cli)
fi
folders="${POSTMAN_FOLDERS:-}"
for folder in ${folders//,/ }; do
  args+=(--folder "$folder")
done

newman "${args[@]}"
