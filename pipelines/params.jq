# The job's request, from the make variables ($ARGS.named, by variable
# name, all strings) and the job file JOB ($job: its text, "" without one).
# A variable set on make's command line or in the environment ($set lists
# them) wins over the job file, which wins over the variable's default.
# Every value is checked here, before any work: a bad one halts with one
# line "vt-vod: ..." and status 65.

# Each job file field and the variable it stands for.
def fields: [
  ["RES", "resolutions"],
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
      elif ($p[-1] | IN("text", "image", "position", "mode", "titles")) then
        if ($x | type) != "string" then want($p; "a string") else empty end
      elif ($x | type) != "number" then want($p; "a number")
      else empty end;
  if type != "object" then error("\(jobfile): want a JSON object") else . end
  | . as $j
  | [known([]),
     (to_entries[] | select(.key != "resolutions") | .key as $k | .value
      | if . == null then empty
        elif type != "object" then want([$k]; "an object")
        else known([$k]) end),
     (fields[] | .[1:] as $p | $j | typed($p))] as $none
  | $j;

# A decimal number from a variable's text, or a job file's number.
def number($at):
  if type == "number" then .
  elif type == "string" and test("^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$") then tonumber
  else error("\($at): \(q) is not a number") end;
def within($lo; $hi; $at):
  if . < $lo or . > $hi then error("\($at): \(.) is out of range (\($lo) to \($hi))") else . end;

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
  def at($n): $v[$n].at;
# A thumbnail or chapters object in the job file turns that on by itself.
  def thumb_mode:
    if $v.THUMB.at == "THUMB" and ($j.thumbnail | type) == "object" and (isset("THUMB") | not)
    then (if $j.thumbnail.time != null then "timestamp" else "auto" end) else val("THUMB") end;
  def threshold:
    if $v.CHAPTERS.at == "CHAPTERS" and ($j.chapters | type) == "object" and (isset("CHAPTERS") | not)
    then 0.4 else val("CHAPTERS") end;
{
  resolutions: (val("RES") | if type == "array" then . elif . == "" then null else split(",") end),
  seg: ($seg | tonumber),
  preset: $preset,
  threads: ($threads | tonumber),
  bitrates: (if $br == "" then null else
    ($br | split(",") | map(split("=") | {key: .[0], value: .[1]}) | from_entries) end),
  audio_bitrate: $ab,
  # vt-encode --plan checks these; plain decimals become numbers, anything
  # else stays text for it to refuse
  watermark: ({
    text: val("WATERMARK"),
    image: val("WATERMARK_IMAGE"),
    position: val("WATERMARK_POS"),
    size: val("WATERMARK_SIZE"),
    opacity: val("WATERMARK_OPACITY")
  } | with_entries(select(.value != ""))
    | with_entries(if (.key == "size" or .key == "opacity") and (.value | type) == "string" and
        (.value | test("^([0-9]+[.]?[0-9]*|[.][0-9]+)$")) then .value |= tonumber else . end)),
  thumbnail: (thumb_mode as $m
    | if $m == "" or $m == "none" then null
      elif ($m | IN("auto", "timestamp", "scene") | not) then
        error("\(at("THUMB")): unknown mode \($m | q) (want auto, timestamp, scene or none)")
      else {mode: $m}
        + (val("THUMB_TIME") as $t
           | if $m == "timestamp" then
               if $t == "" then error("\(at("THUMB")): timestamp mode needs a time (THUMB_TIME, or thumbnail.time)")
               else {time: ($t | number(at("THUMB_TIME")) | within(-1e9; 1e9; at("THUMB_TIME")))} end
             elif $t != "" then error("\(at("THUMB_TIME")): a time is only for timestamp mode, not \($m | q)")
             else {} end)
        + {width: (val("THUMB_WIDTH") | number(at("THUMB_WIDTH")) | within(2; 16384; at("THUMB_WIDTH"))
                   | if . != floor then error("\(at("THUMB_WIDTH")): \(.) is not a whole number") else . end),
           sprite_interval: (val("SPRITE_INTERVAL") | number(at("SPRITE_INTERVAL"))
                   | if . != 0 and . < 0.1 then error("\(at("SPRITE_INTERVAL")): \(.) is under 0.1 (0: no sprite)") else . end
                   | within(0; 86400; at("SPRITE_INTERVAL")))}
      end),
  chapters: (threshold as $c
    | if $c == "" or $c == "none" then null
      else {scene_threshold: ($c | number("\(at("CHAPTERS")) (a scene threshold, or none)")
                              | within(0; 1; at("CHAPTERS"))),
            min_length: (val("CHAPTER_MIN") | number(at("CHAPTER_MIN")) | within(0; 86400; at("CHAPTER_MIN")))}
        + (val("CHAPTER_TITLES") | if . == "" then {} else {titles: .} end)
      end)
}
) catch ("vt-vod: \(.)\n" | halt_error(65))
