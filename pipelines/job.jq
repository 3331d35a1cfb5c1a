# job.json: what was asked for, what was produced, and what was noted.
# $thumb, $scenes: the optional steps' output (null when off or failed);
# $chapters: OUT/chapters/chapters.json; $warn: the steps' failures;
# $chunks: the split's manifest, with the segment and chunk lengths used;
# $launch: the heavy steps' records (pipelines/launch), those of steps
# this job no longer has (chunks of an older split, a step now off) left out.
($hls[0]) as $h | ($plan[0]) as $p | ($probe[0]) as $s | ($request[0]) as $r |
def rel: ltrimstr($out + "/");
([$chunks[0].chunks[].index | "c" + ("0000" + tostring)[-5:]] + ["fetch", "probe", "split", "hls"]
  + if $h.audio then ["audio"] else [] end + if $r.thumbnail then ["thumb"] else [] end
  + if $r.chapters or $r.thumbnail.mode == "scene" then ["scenes"] else [] end) as $names |
([$launch[] | select(.name as $n | $names | index([$n]))] | sort_by(.name)) as $steps |
{
  status: "ok",
  request: ($params[0] + {thumbnail: $r.thumbnail, chapters: $r.chapters,
    video: $video, out: $out, seg: $chunks[0].seg, chunk: $chunks[0].chunk, format: $format}
    + if $job == "" then {} else {job: $job} end),
  source: {
    format: $s.format.format_name,
    duration: $s.format.duration,
    streams: $s.streams
  },
  master: "master.m3u8",
  renditions: $h.renditions,
  audio: $h.audio,
  audio_renditions: $h.audio_renditions,
  thumbnail: ($thumb.thumbnail | if . then {path: (.path | rel)} + {mode, time, width, height}
    + if .requested_time != null then {requested_time} else {} end else null end),
  sprite: ($thumb.sprite | if . then {vtt: (.vtt | rel), sheets: [.sheets[].path | rel]}
    + {interval, tiles, tile_width, tile_height} else null end),
  chapters: (if $chapters and $r.chapters then {
    count: ($chapters.chapters | length),
    cuts: ($scenes.cuts | length),
    threshold: $scenes.threshold,
    files: {vtt: "chapters/chapters.vtt", json: "chapters/chapters.json", hls: "chapters/chapters-hls.json"}
  } else null end),
  skipped: $p.skipped,
  notes: $p.notes,
  warnings: ([$p.skipped[] | {component: "plan", message: "rung \(.name): \(.reason)"}]
    + [$p.notes[] | {component: "plan", message: .}]
    + $warn
    + if $r.thumbnail.mode == "scene" and $thumb.thumbnail.mode == "auto" then
        [{component: "thumbnail", message: "no shots to choose from: chosen as in auto mode"}]
      else [] end),
  steps: $steps,
  summary: {
    steps: ($steps | length),
    tries: ([$steps[].tries] | add // 0),
    retried: [$steps[] | select(.tries > 1) | .name],
    nodes: ([$steps[] | .node, .failed_on[] | select(. != "")] | unique | length),
    cpu_seconds: ([$steps[].cpu_seconds // 0] | add // 0 | . * 1000 | round / 1000),
    step_seconds: ([$steps[].seconds] | add // 0 | . * 1000 | round / 1000)
  }
}
