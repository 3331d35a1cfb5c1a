# job.json: what was asked for, what was produced, and what was noted.
($hls[0]) as $h | ($plan[0]) as $p | ($probe[0]) as $s |
{
  status: "ok",
  request: ($params[0] + {video: $video, out: $out, chunk: ($chunk | tonumber), format: $format}),
  source: {
    format: $s.format.format_name,
    duration: $s.format.duration,
    streams: $s.streams
  },
  master: "master.m3u8",
  renditions: $h.renditions,
  audio: $h.audio,
  skipped: $p.skipped,
  notes: $p.notes,
  warnings: ([$p.skipped[] | "rung \(.name): \(.reason)"] + $p.notes)
}
