# vt-live(1)'s presentation of the files: each stream's state and the
# service's metrics, from what the supervisor (ROOT/streams/NAME/stream.json,
# ROOT/run/viewers.json) and the stream's vt-hls (hls-status.json,
# hls-metrics.prom) wrote. It shows the files; it computes no figure of the
# media. The inputs are those files, all streams' at once; a file NAME+
# stands for NAME.

def files: reduce inputs as $x ({};
	(input_filename | split("/")) as $p | .[$p[-2]][$p[-1] | rtrimstr("+")] = $x)
	| ([.[]["viewers.json"] | values][0] // {}) as $v
	| [.[] | select(.["stream.json"]) | {f: (.["stream.json"] | .viewers = ($v[.name] // {} | length)),
		h: (.["hls-status.json"] // {})}];

# The viewers of each stream, {NAME: {"ADDRESS USER-AGENT": Unix time}}:
# $seen with the origin's access log lines in (nginx.conf.in's vtlive:
# time, address, status, method, URI and user agent, by tabs), but those
# older than 30 s at $now.
def viewers($seen; $now): reduce (inputs | split("\t") | select(length == 6 and
		(.[2] | IN("200", "206", "304"))) | {t: (.[0] | tonumber?), who: "\(.[1]) \(.[5])",
		n: (.[4] | capture("^/live/(?<n>[a-z0-9][a-z0-9_-]*)/").n)}) as $x
	($seen // {}; .[$x.n][$x.who] = $x.t)
	| map_values(with_entries(select(.value >= $now - 30)) | select(length > 0));

# The supervisor's facts of a stream (stream.json) from its strings, times
# in Unix milliseconds; and back, as "NAME KEY VALUE" lines, with nothing
# for null and 1 and 0 for true and false.
def facts: def n: if . == "" then null else tonumber end;
	map_values(if . == "" then null else . end) + {started: (.started | n), ended: (.ended | n),
	stalled: (.stalled | n), publishes: (.publishes | n // 0),
	restarts: (.restarts | n // 0), record: (.record == "1"), vod: (.vod == "1")};
def unfacts: .name as $n | to_entries[] | select(.key != "name")
	| "\($n) \(.key) \(.value | if . == null then "" elif . == true then 1 elif . == false then 0 else . end)";

# Unix milliseconds as seconds, exactly.
def ms: "\(. / 1000 | floor).\(1000 + . % 1000 | tostring | .[1:])";
def iso: if . == null then null else (. / 1000 | floor | strftime("%Y-%m-%dT%H:%M:%S")) +
	(ms | sub("^[0-9]+"; "")) + "Z" end;

# The state format of vt-live(1).
def states: [files[] | .h as $h | .f | {name, status, broadcast, started_at: (.started | iso),
	ended_at: (.ended | iso), stalled_at: (.stalled | iso), last_segment_at: $h.last_segment_at,
	input: ({width: null, height: null, frame_rate: null, bitrate: null, video_codec: null,
		audio_codec: null} + $h.input), health: ({speed: null, dropped: null, lag: null} + $h.health),
	renditions: ($h.renditions // []), viewers, publishes, restarts, record, vod,
	playlist: "/live/\(.name)/master.m3u8",
	recording: (if .status == "ended" and $h.recording
		then "/live/\(.name)/\(.broadcast)/\($h.recording)" else null end),
	vod_job: (if .vod_job then {status: .vod_job, playlist: "/vod/\(.name)/\(.broadcast)/master.m3u8"}
		else null end)}] | sort_by(.name);

# The supervisor's families, a sample per stream, then the lines of $prom,
# the streams' vt-hls metrics; each family once, with all its samples.
def metrics($up; $prom): [files[].f] as $s
	| def family($n; $t; $h; v): "# HELP \($n) \($h)", "# TYPE \($n) \($t)",
		($s[] | (v | values) as $v | "\($n){stream=\"\(.name)\"} \($v)");
	[ "# HELP vt_live_up 1 while the vt-live supervisor runs.", "# TYPE vt_live_up gauge",
	  "vt_live_up \($up)",
	  family("vt_live_stream_up"; "gauge"; "1 while the stream is live, 0 when stalled or ended.";
		if .status == "live" then 1 else 0 end),
	  family("vt_live_stream_status"; "gauge"; "The stream's status: 1 for the one it has."; empty),
	  ($s[] | . as $x | ("live", "stalled", "ended")
		| "vt_live_stream_status{stream=\"\($x.name)\",status=\"\(.)\"} \(if . == $x.status then 1 else 0 end)"),
	  family("vt_live_stream_started_timestamp_seconds"; "gauge"; "When the broadcast began (Unix time).";
		.started | values | ms),
	  family("vt_live_stream_ended_timestamp_seconds"; "gauge"; "When the broadcast ended (Unix time).";
		.ended | values | ms),
	  family("vt_live_viewers"; "gauge"; "Clients that fetched the stream's files in the last 30 s."; .viewers),
	  family("vt_live_publishes_total"; "counter"; "Publishes in this broadcast, returns included."; .publishes),
	  family("vt_live_pipeline_restarts_total"; "counter"; "Pipelines restarted in this broadcast."; .restarts),
	  ($prom | splits("\n") | select(. != ""))]
	| reduce .[] as $l ({order: [], lines: {}};
		($l | if startswith("# ") then split(" ")[2] else sub("[{ ].*"; "") end) as $f
		| if ($l | startswith("# ")) and any(.lines[$f][]?; . == $l) then .
		  else (if .lines[$f] then . else .order += [$f] end) | .lines[$f] += [$l] end)
	| [.lines[.order[]][]] | join("\n");
