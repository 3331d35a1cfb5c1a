# Encoding parameters from the make variables (all passed as strings).
{
  resolutions: (if $res == "" then null else ($res | split(",")) end),
  seg: ($seg | tonumber),
  preset: $preset,
  threads: ($threads | tonumber),
  bitrates: (if $br == "" then null else
    ($br | split(",") | map(split("=") | {key: .[0], value: .[1]}) | from_entries) end),
  audio_bitrate: $ab
}
