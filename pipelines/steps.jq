# The parameter files of the stages after the request, and the arguments of
# the optional steps' tools, selected by $what:
#   params         vt-encode's: the request less the optional steps, with
#                  the watermark image's SHA-256 ($arg)
#   scenes.params  vt-scenes': for the chapters, or for the thumbnail's
#                  scene mode; null when neither is on ($arg: the titles')
#   thumb.params   vt-thumb's; in scene mode with the SHA-256 of the shots
#                  ($arg, "" when scene detection failed)
#   scenes.args    from scenes.params: the component, then vt-scenes'
#                  options ($dir: the chapters folder)
#   scenes.m3u8    from every chunk's vt-encode line (slurped): the chunks
#                  of rung $arg, the smallest, as one playlist, with paths
#                  from $work; nothing without a rung
#   thumb.args     from thumb.params: vt-thumb's options ($dir: the
#                  thumbnails folder, $shots: vt-scenes' output)
# Arguments come out as words for the shell, each single-quoted by @sh;
# none when the step is off.
if $what == "params" then
  del(.thumbnail, .chapters) | if .watermark.image then .watermark.image_sha256 = $arg else . end
elif $what == "scenes.params" then
  if .chapters then
    {component: "chapters", threshold: .chapters.scene_threshold,
     chapters: (.chapters + {titles_sha256: $arg})}
  elif .thumbnail.mode == "scene" then {component: "thumbnail", threshold: 0.4}
  else null end
elif $what == "thumb.params" then
  .thumbnail | if .mode == "scene" then .shots_sha256 = $arg else . end
elif $what == "scenes.args" then
  select(.)
  | [.component, "-t", (.threshold | tostring)]
    + if .chapters then ["-c", $dir, "-m", (.chapters.min_length | tostring)]
        + if .chapters.titles then ["-T", .chapters.titles] else [] end
      else [] end
  | @sh
elif $what == "scenes.m3u8" then
  [.[] | .rungs[] | select(.name == $arg)] as $c
  | select($arg != "" and ($c | length) > 0)
  | "#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-PLAYLIST-TYPE:VOD",
    "#EXT-X-TARGETDURATION:\([$c[] | .end - .start] | max | ceil)",
    ($c[] | "#EXTINF:\(.end - .start),", (.path | if startswith("/") then . else ltrimstr($work + "/") end)),
    "#EXT-X-ENDLIST"
elif $what == "thumb.args" then
  select(.)
  | if .mode == "scene" and .shots_sha256 == "" then .mode = "auto" else . end
  | ["-m", .mode]
    + if .mode == "timestamp" then ["-t", (.time | tostring)] else [] end
    + if .mode == "scene" then ["-s", $shots] else [] end
    + ["-w", (.width | tostring), "-i", (.sprite_interval | tostring), "-d", $dir]
  | @sh
else error("steps.jq: unknown \($what)") end
