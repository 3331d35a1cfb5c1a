# Encoding parameters from the make variables (all passed as strings).
{
  resolutions: (if $res == "" then null else ($res | split(",")) end),
  seg: ($seg | tonumber),
  preset: $preset,
  threads: ($threads | tonumber),
  bitrates: (if $br == "" then null else
    ($br | split(",") | map(split("=") | {key: .[0], value: .[1]}) | from_entries) end),
  audio_bitrate: $ab,
  watermark: ({
    text: $wm,
    image: $wmimage,
    image_sha256: $wmsum,
    position: $wmpos,
    size: $wmsize,
    opacity: $wmopacity
  } | with_entries(select(.value != ""))
    # plain decimals become numbers; anything else stays text, for vt-encode to refuse
    | with_entries(if (.key == "size" or .key == "opacity") and
        (.value | test("^([0-9]+[.]?[0-9]*|[.][0-9]+)$")) then .value |= tonumber else . end))
}
