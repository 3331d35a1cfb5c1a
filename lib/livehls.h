/* Live HLS: sliding-window playlists kept from vt-livesegment's segment
 * lines. See vt-hls(1). */
#ifndef VT_LIVEHLS_H
#define VT_LIVEHLS_H

#include <stdio.h>

struct vt_livehls_opts {
	const char *dir;	/* the folder vt-livesegment writes */
	int window;		/* segments in a playlist */
	int record;		/* keep every segment; write a VOD at the end */
	int open;		/* at the end of the input, leave the playlists
				   live, for a restart or a later run to end */
	double hold_back;	/* EXT-X-SERVER-CONTROL:HOLD-BACK; 0 = none */
	const char *listen;	/* serve LL-HLS playlists here (vt_httpd_open);
				   NULL: none */
	const char *status;	/* write the stream's status (JSON) here; NULL: none */
	const char *metrics;	/* and its metrics (Prometheus text); NULL: none */
	const char *const *labels;	/* NAME=VALUE, on every metric */
	int stream_master;	/* also write the master one folder up, its
				   URIs into this folder: a stream's master
				   that follows its broadcasts */
	size_t nlabels;
};

/* Read segment lines from in until its end, keeping dir's playlists and
 * deleting segments once no viewer can still want them. A state file in
 * dir lets a restart continue the playlists; the status and metrics
 * files follow every start, segment and end line. Prints a summary JSON line;
 * returns the exit status. */
int vt_livehls_run(const struct vt_livehls_opts *o, FILE *in);

#endif
