# The job's request, from the make variables ($ARGS.named, by variable
# name, all strings) and the job file JOB ($job: its text, "" without one).
# A variable set on make's command line or in the environment ($set lists
# them) wins over the job file, which wins over the variable's default.
# The job file's shape is checked here, and the values of the optional
# steps by their tools (vt-thumb, vt-scenes --check) right after, before
# any work: a bad one halts with one line and status 65.

# Each job file field and the variable it stands for.
def fields: [
  ["RES", "resolutions"],
  ["AUDIO", "audio"],
  ["WATERMARK", "watermark", "text"],
  ["WATERMARK_IMAGE", "watermark", "image"],
  ["WATERMARK_POS", "watermark", "position"],
  ["WATERMARK_SIZE", "watermark", "size"],
  ["WATERMARK_OPACITY", "watermark", "opacity"],
  ["THUMB", "thumbnail", "mode"],
  ["THUMB_TIME", "thumbnail", "time"],
  ["THUMB_WIDTH", "thumbnail", "width"],
  ["SPRITE_INTERVAL", "thumbnail", "sprite_interval"],
  ["CHAPTERS", "chapters", "scene_threshold"],
  ["CHAPTER_TITLES", "chapters", "titles"],
  ["CHAPTER_MIN", "chapters", "min_length"]
];

# A value for a message: quoted, on one line.
def q: "'\(tostring | gsub("[\u0000-\u001f\u007f]"; "?"))'";
def jobfile: "job file \($jobname | q)";

# The job file: an object of known fields with values of the right type.
def checked_job:
  def want($path; $what): error("\(jobfile): \($path | join(".")) must be \($what)");
  def known($prefix):
    keys_unsorted[] as $k
    | if any(fields[]; .[1:($prefix | length) + 2] == $prefix + [$k]) then empty
      else error("\(jobfile): unknown field \($prefix + [$k] | join(".") | q)") end;
  def typed($p):
    getpath($p) as $x
    | if $x == null then empty
      elif $p == ["resolutions"] then
        if ($x | type) != "array" or ($x | length) == 0 or any($x[]; type != "string" or test(",|^$"))
        then want($p; "an array of rung names such as \"720p\"") else empty end
      elif $p == ["audio"] then
        if ($x | type) == "string" or (($x | type) == "array" and ($x | length) > 0
            and all($x[]; type == "string" or type == "number")) then empty
        else want($p; "a list such as \"eng,fra\" or [\"eng\", 2]") end
      elif ($p[-1] | IN("text", "image", "position", "mode", "titles")) then
        if ($x | type) != "string" then want($p; "a string") else empty end
      elif ($x | type) != "number" then want($p; "a number")
      else empty end;
  if type != "object" then error("\(jobfile): want a JSON object") else . end
  | . as $j
  | [known([]),
     (to_entries[] | select(.key | IN("resolutions", "audio") | not) | .key as $k | .value
      | if . == null then empty
        elif type != "object" then want([$k]; "an object")
        else known([$k]) end),
     (fields[] | .[1:] as $p | $j | typed($p))] as $none
  | $j;

# The request's values are checked by the tools that use them; a plain
# decimal in a variable's text becomes a number, anything else stays text
# for the tool to refuse.
def num: if type == "string" and test("^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$") then tonumber else . end;
def numbers: with_entries(select(.value != "" and .value != null) | .value |= num);

def isset($n): any($set | split(" ")[]; . == $n);

try (
# (jq 1.6 lets a try catch errors raised after it: the array ends the try.)
($job | if . == "" then {}
    else [fromjson?] | if length != 1 then error("\(jobfile): not JSON") else .[0] | checked_job end
    end) as $j
# {value, at} per variable: where each value comes from, for messages.
| (reduce fields[] as $f ({};
    .[$f[0]] =
      if isset($f[0]) or ($j | getpath($f[1:])) == null then
        {value: $ARGS.named[$f[0]], at: $f[0]}
      else {value: ($j | getpath($f[1:])), at: "\(jobfile): \($f[1:] | join("."))"} end)) as $v
| def val($n): $v[$n].value;
# A thumbnail or chapters object in the job file turns that on by itself.
  def byjob($var; $obj):
    $v[$var].at == $var and (isset($var) | not) and ($j[$obj] | type) == "object";
  def thumbnail:
    if (val("THUMB") | . == "" or . == "none") and (byjob("THUMB"; "thumbnail") | not) then null
    else {mode: val("THUMB"), time: val("THUMB_TIME"), width: val("THUMB_WIDTH"),
          sprite_interval: val("SPRITE_INTERVAL")} | numbers end;
  def chapters:
    if (val("CHAPTERS") | . == "" or . == "none") and (byjob("CHAPTERS"; "chapters") | not) then null
    else {scene_threshold: val("CHAPTERS"), min_length: val("CHAPTER_MIN"),
          titles: val("CHAPTER_TITLES")} | numbers end;
{
  resolutions: (val("RES") | if type == "array" then . elif . == "" then null else split(",") end),
  # vt-encode -a checks this
  audio: (val("AUDIO") | if type == "array" then map(tostring) | join(",") elif . == "" then null
    else tostring end),
  seg: (if $seg == "" then null else $seg | num end),
  preset: $preset,
  threads: ($threads | tonumber),
  bitrates: (if $br == "" then null else
    ($br | split(",") | map(split("=") | {key: .[0], value: .[1]}) | from_entries) end),
  audio_bitrate: $ab,
  # vt-encode --plan checks these
  watermark: ({
    text: val("WATERMARK"),
    image: val("WATERMARK_IMAGE"),
    position: val("WATERMARK_POS"),
    size: val("WATERMARK_SIZE"),
    opacity: val("WATERMARK_OPACITY")
  } | with_entries(select(.value != "") | if .key == "size" or .key == "opacity"
      then .value |= num else . end)),
  thumbnail: thumbnail,
  chapters: chapters
}
) catch ("vt-vod: \(.)\n" | halt_error(65))
