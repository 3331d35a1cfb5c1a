# The parameter files of the stages after the request, and the arguments of
# the optional steps' tools, selected by $what:
#   params         vt-encode's: the request less the optional steps, with
#                  the watermark image's SHA-256 ($arg)
#   scenes.args    from the request: the component scene detection is for
#                  (chapters, or the thumbnail's scene mode), then
#                  vt-scenes' options ($dir: the chapters folder); nothing
#                  when neither is on
#   thumb.args     from the request: vt-thumb's options ($dir: the
#                  thumbnails folder, $shots: vt-scenes' output); in scene
#                  mode without shots ($arg "auto") it chooses as in auto
# The values are the request's, unchecked: the tools check them, and their
# --check prints the settings that the parameter files record. Arguments
# come out as words for the shell, each single-quoted by @sh.
def opt($o; $v): if $v == null then [] else [$o, ($v | tostring)] end;
if $what == "params" then
  del(.thumbnail, .chapters) | if .watermark.image then .watermark.image_sha256 = $arg else . end
elif $what == "scenes.args" then
  if .chapters then
    ["chapters", "-c", $dir] + opt("-t"; .chapters.scene_threshold)
    + opt("-m"; .chapters.min_length) + opt("-T"; .chapters.titles)
  elif .thumbnail.mode == "scene" then ["thumbnail"]
  else empty end
  | @sh
elif $what == "thumb.args" then
  .thumbnail | select(.)
  | if .mode == "scene" and $arg == "auto" then .mode = "auto" else . end
  | opt("-m"; .mode) + opt("-t"; .time) + opt("-w"; .width) + opt("-i"; .sprite_interval)
    + (if .mode == "scene" then ["-s", $shots] else [] end) + ["-d", $dir]
  | @sh
else error("steps.jq: unknown \($what)") end
