# The parameter files of the stages after the request, and the arguments of
# the optional steps' tools, selected by $what:
#   params         vt-encode's: the request less the optional steps, with
#                  the watermark image's SHA-256 ($sum)
#   scenes.params  vt-scenes': for the chapters, or for the thumbnail's
#                  scene mode; null when neither is on ($sum: the titles')
#   thumb.params   vt-thumb's; in scene mode with the SHA-256 of the shots
#                  ($sum, "" when scene detection failed)
#   scenes.args    from scenes.params: the component, then vt-scenes'
#                  options ($dir: the chapters folder)
#   thumb.args     from thumb.params: vt-thumb's options ($dir: the
#                  thumbnails folder, $shots: vt-scenes' output)
# Arguments come out as words for the shell, each single-quoted by @sh;
# none when the step is off.
if $what == "params" then
  del(.thumbnail, .chapters) | if .watermark.image then .watermark.image_sha256 = $sum else . end
elif $what == "scenes.params" then
  if .chapters then
    {component: "chapters", threshold: .chapters.scene_threshold,
     chapters: (.chapters + {titles_sha256: $sum})}
  elif .thumbnail.mode == "scene" then {component: "thumbnail", threshold: 0.4}
  else null end
elif $what == "thumb.params" then
  .thumbnail | if .mode == "scene" then .shots_sha256 = $sum else . end
elif $what == "scenes.args" then
  select(.)
  | [.component, "-t", (.threshold | tostring)]
    + if .chapters then ["-c", $dir, "-m", (.chapters.min_length | tostring)]
        + if .chapters.titles then ["-T", .chapters.titles] else [] end
      else [] end
  | @sh
elif $what == "thumb.args" then
  select(.)
  | if .mode == "scene" and .shots_sha256 == "" then .mode = "auto" else . end
  | ["-m", .mode]
    + if .mode == "timestamp" then ["-t", (.time | tostring)] else [] end
    + if .mode == "scene" then ["-s", $shots] else [] end
    + ["-w", (.width | tostring), "-i", (.sprite_interval | tostring), "-d", $dir]
  | @sh
else error("steps.jq: unknown \($what)") end
