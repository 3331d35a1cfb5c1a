#!/usr/bin/env bash
# The VOD pipeline without make: the same tools, chunks fanned out with
# xargs -P. Usage: examples/vod-by-hand.sh in.mp4 out-dir [rungs]
set -euo pipefail
in=$1 out=$2 res=${3:-720p,360p}
work=$out/.work
mkdir -p "$work"

vt-probe "$in" | vt-encode --plan -r "$res" > "$work/plan.json"   # fails early on a bad rung
vt-split -s 6 -c 6 -d "$work/chunks" "$in" > "$work/chunks.json"

jq -r '.chunks[].index' "$work/chunks.json" |
	xargs -P "$(nproc)" -I{} sh -c \
	    'vt-encode -r "$1" -P veryfast -t 1 -c "$2" -d "$3/enc" < "$3/chunks.json" > "$3/enc-$2.json"' \
	    sh "$res" {} "$work"
vt-encode --audio -d "$work/enc" < "$work/chunks.json" > "$work/enc-audio.json"

cat "$work"/enc-*.json | vt-hls -d "$out" | jq '.renditions[] | {name, bandwidth, frames}'
