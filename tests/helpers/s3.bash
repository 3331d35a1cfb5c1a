# An S3 server on loopback (tests/s3d.js; MinIO behind it when installed),
# its keys, and curl as the independent S3 client.

S3_KEY=vtkey
S3_SECRET=vt-secret-7f3a9c21e5
# A temporary key, valid only with its session token (not with MinIO).
S3_TMP_KEY=vttemp
S3_TMP_SECRET=vt-secret-tmp-4b8d0e
S3_TMP_TOKEN=vt-token-91c2f0
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
export S3_KEY S3_SECRET S3_TMP_KEY S3_TMP_SECRET S3_TMP_TOKEN EMPTY_SHA256

# s3_start DIR [ARGS...]: an S3 server storing into DIR, with the bucket
# "videos" and every request logged to DIR/log (see tests/faults.js); MinIO
# behind it when MinIO is installed, else s3rver. ARGS go to s3d.js.
# Exports the AWS_* settings for it, and S3_LOG, S3_DIR.
s3_start() {
	local dir=$1 up=() p
	shift
	mkdir -p "$dir/data"
	: >"$dir/log"
	if command -v minio >/dev/null; then
		p=$((20000 + RANDOM % 20000))
		MINIO_ROOT_USER=$S3_KEY MINIO_ROOT_PASSWORD=$S3_SECRET \
			minio server --quiet --address "127.0.0.1:$p" "$dir/data" >"$dir/minio.log" 2>&1 3>&- &
		echo $! >"$dir/minio.pid"
		up=(--upstream "http://127.0.0.1:$p")
	fi
	_serve "$dir" s3d.js --dir "$dir/data" --log "$dir/log" --key "$S3_KEY:$S3_SECRET" \
		--key "$S3_TMP_KEY:$S3_TMP_SECRET:$S3_TMP_TOKEN" --bucket videos "${up[@]}" "$@" || return
	S3_DIR=$dir S3_LOG=$dir/log
	AWS_ENDPOINT_URL=http://127.0.0.1:$(cat "$dir/port")
	AWS_ACCESS_KEY_ID=$S3_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET AWS_REGION=us-east-1
	export S3_DIR S3_LOG AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION
	unset AWS_SESSION_TOKEN AWS_ENDPOINT_URL_S3 AWS_DEFAULT_REGION
	if [ ${#up[@]} -gt 0 ]; then
		for ((p = 0; p < 100; p++)); do
			s3curl -X PUT "$AWS_ENDPOINT_URL/videos" >/dev/null 2>&1 && return 0
			sleep 0.1
		done
		flunk "MinIO did not start: $(cat "$dir/minio.log")"
	fi
}

# s3curl ARGS...: the independent client: curl signing with SigV4 itself.
s3curl() {
	curl -sS --aws-sigv4 "aws:amz:${AWS_REGION:-us-east-1}:s3" --user "$S3_KEY:$S3_SECRET" \
		-H "x-amz-content-sha256: $EMPTY_SHA256" "$@"
}

# s3_object KEY FILE [HEADERS]: fetch videos/KEY into FILE (its response
# headers into HEADERS); fails unless the answer is 200.
s3_object() {
	local code
	code=$(s3curl -o "$2" -D "${3:-/dev/null}" -w '%{http_code}' "$AWS_ENDPOINT_URL/videos/$1") &&
		[ "$code" = 200 ] || { echo "GET videos/$1: $code" >&2; return 1; }
}

# s3_uploads PREFIX: the keys of the multipart uploads open under PREFIX.
s3_uploads() {
	s3curl "$AWS_ENDPOINT_URL/videos/?prefix=${1//\//%2F}&uploads=" | grep -o '<Key>[^<]*</Key>' | sed 's/<[^>]*>//g'
}
