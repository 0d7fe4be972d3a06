#!/usr/bin/env bats
# --throttle-exit and --throttle-retries: a job whose exit status says
# "throttled" runs again after a backoff without counting as failed; and
# -j auto against a real HTTP server (build/throttle-server, started here
# on 127.0.0.1 and stopped by pid) that serves K requests at once and
# answers 429 above K.

load helpers/common

SERVER=$BATS_TEST_DIRNAME/../build/throttle-server

# start_server K T_MS: starts the server; sets $URL and $SERVER_PID.
start_server() {
	command -v curl >/dev/null || skip "curl is not installed (Debian package curl)"
	[ -x "$SERVER" ] || make -s -C "$BATS_TEST_DIRNAME/.." build/throttle-server >/dev/null ||
		skip "build/throttle-server could not be built"
	local port=$BATS_TEST_TMPDIR/port i
	rm -f "$port"
	"$SERVER" "$1" "$2" 20000 240 "$port" "$BATS_TEST_TMPDIR/stats" &
	SERVER_PID=$!
	BG_PIDS+=("$SERVER_PID")
	for ((i = 0; i < 250; i++)); do
		[ -s "$port" ] && break
		sleep 0.02
	done
	URL="http://127.0.0.1:$(cat "$port")/"
	FETCH=$BATS_TEST_TMPDIR/fetch
	CONC=$BATS_TEST_TMPDIR/conc
	: >"$CONC"
	# One request; 200 is success, 429 is throttled (75), anything else
	# fails. It logs "+ TIME" and "- TIME" around it, for peak_after.
	cat >"$FETCH" <<-EOF
		#!/bin/sh
		echo "+ \$(date +%s.%N)" >> $CONC
		code=\$(curl -s -o /dev/null -w '%{http_code}' "\$1")
		rc=\$?
		echo "- \$(date +%s.%N)" >> $CONC
		[ \$rc -eq 0 ] || exit 1
		case \$code in 200) exit 0 ;; 429) exit 75 ;; *) exit 1 ;; esac
	EOF
	chmod +x "$FETCH"
}

# stop_server: stops it and reads its stats into $REQUESTS $OK $THROTTLED $PEAK.
stop_server() {
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID" || true
	REQUESTS=$(awk '$1 == "requests" { print $2 }' "$BATS_TEST_TMPDIR/stats")
	OK=$(awk '$1 == "ok" { print $2 }' "$BATS_TEST_TMPDIR/stats")
	THROTTLED=$(awk '$1 == "throttled" { print $2 }' "$BATS_TEST_TMPDIR/stats")
	PEAK=$(awk '$1 == "peak" { print $2 }' "$BATS_TEST_TMPDIR/stats")
	echo "server: $REQUESTS requests, $OK ok, $THROTTLED throttled, at most $PEAK at once"
}

# peak_after LOG SECONDS: the most jobs running at once, in a log of
# "+ TIME" and "- TIME" lines, from SECONDS after the first event on.
peak_after() {
	sort -k2 -n "$1" | awk -v after="$2" 'NR == 1 { t0 = $2 }
		{ n += $1 == "+" ? 1 : -1; if ($2 - t0 >= after && n > m) m = n } END { print m + 0 }'
}

# counted N: a job line that counts its runs in a file of its own and
# exits 75 for the first N of them, then 0; it prints its run number.
counted() {
	local c=$BATS_TEST_TMPDIR/count.$2
	echo "echo x >> $c; n=\$(wc -l < $c); echo run \$n; [ \$n -gt $1 ] || exit 75"
}

@test "a throttled job runs again until it is not, counts as succeeded, and only its last run is printed and logged" {
	local log=$BATS_TEST_TMPDIR/log
	run_lanes "$(counted 2 a)"$'\n' --throttle-exit 75 --joblog "$log"
	show
	[ "$status" -eq 0 ]
	[ "$output" = "run 3" ]
	[ "$(wc -l <"$log")" -eq 2 ]
	[ "$(cut -f 1,7 "$log" | tail -n 1)" = $'1\t0' ]
}

@test "throttled runs do not use up --retries; failures still do" {
	local c=$BATS_TEST_TMPDIR/count
	# Runs 1 and 2 are throttled, 3 fails, 4 succeeds: 2 attempts of --retries.
	run_lanes "echo x >> $c; n=\$(wc -l < $c); echo run \$n; [ \$n -le 2 ] && exit 75; [ \$n -ge 4 ]"$'\n' \
		--throttle-exit 75 --retries 2
	show
	[ "$status" -eq 0 ]
	[ "$output" = "run 4" ]
}

@test "--throttle-retries N: after N reruns a throttled exit is a failure, with its status" {
	local log=$BATS_TEST_TMPDIR/log
	run_lanes "$(counted 99 a)"$'\n'"$(counted 1 b)"$'\n' --throttle-exit 75,111 --throttle-retries 2 --joblog "$log" -k
	show
	[ "$status" -eq 1 ]
	[ "$output" = $'run 3\nrun 2' ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/count.a")" -eq 3 ]
	[ "$(tail -n +2 "$log" | cut -f 1,7 | sort | tr '\n' ' ')" = $'1\t75 2\t0 ' ]
	run_lanes "$(counted 99 c)"$'\n' --throttle-exit 75 --throttle-retries 0
	[ "$status" -eq 1 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/count.c")" -eq 1 ]
}

@test "a throttled job waits 100 ms, then twice as long each time, or what --retry-delay says" {
	local t=$BATS_TEST_TMPDIR/times
	run_lanes "echo \$EPOCHREALTIME >> $t; [ \$(wc -l < $t) -ge 4 ] || exit 75"$'\n' --throttle-exit 75 --shell bash
	show
	[ "$status" -eq 0 ]
	cat "$t"
	# Waits of 100, 200, 400 ms (and up to a quarter more): generous bounds.
	awk 'NR > 1 { d[NR] = $1 - prev } { prev = $1 }
	     END { exit !(d[2] >= 0.095 && d[3] >= 0.195 && d[4] >= 0.395 && d[4] < 3) }' "$t"
	rm "$t"
	run_lanes "echo \$EPOCHREALTIME >> $t; [ \$(wc -l < $t) -ge 2 ] || exit 75"$'\n' --throttle-exit 75 --shell bash \
		--retry-delay 0.5
	awk 'NR == 2 { exit !($1 - prev >= 0.49) } { prev = $1 }' "$t"
}

@test "a job that times out or is killed by a signal is not throttled, whatever its status" {
	local c=$BATS_TEST_TMPDIR/count
	# It exits 75 when the timeout's TERM comes: still a timeout.
	run_lanes "echo x >> $c; trap 'exit 75' TERM; $SLEEP 5 & wait"$'\n' --throttle-exit 75,255 --timeout 0.3
	show
	[ "$status" -eq 1 ]
	[ "$(wc -l <"$c")" -eq 1 ]
	run_lanes "echo x >> $c; kill -TERM \$\$"$'\n' --throttle-exit 143,15
	[ "$status" -eq 1 ]
	[ "$(wc -l <"$c")" -eq 2 ]
}

@test "throttled reruns wait for a limit lowered meanwhile: -j FILE read again on a throttled end" {
	local f=$BATS_TEST_TMPDIR/jobs c=$BATS_TEST_TMPDIR/conc i lines=
	echo 4 >"$f"
	# Four jobs, each throttled once; the first writes 1 into the file as
	# it is. Their reruns then run one at a time.
	for i in 1 2 3 4; do
		lines+="echo \"+ \$(date +%s.%N)\" >> $c; $SLEEP 0.2; echo \"- \$(date +%s.%N)\" >> $c; "
		lines+="[ -e $c.$i ] || { touch $c.$i; [ $i = 1 ] && echo 1 > $f; exit 75; }"$'\n'
	done
	run_lanes "$lines" -j "$f" --throttle-exit 75 --retry-delay 0.3
	show
	[ "$status" -eq 0 ]
	sort -k2 -n "$c"
	[ "$(grep -c '^+' "$c")" -eq 8 ]
	[ "$(peak_after "$c" 0)" -eq 4 ]
	# the reruns begin 0.3 s after the first runs end (0.2 s in)
	[ "$(peak_after "$c" 0.45)" -eq 1 ]
}

@test "--halt soon does not wait out a throttled job's backoff: it ends with its last status" {
	run_lanes "" -j2 --throttle-exit 75 --retry-delay 30 --halt soon,fail=1 ::: "exit 75" "sleep 0.3; exit 3"
	show
	[ "$status" -eq 3 ]
	[ "$stderr" = "lanes: --halt soon,fail=1: job 2 failed (status 3); starting no more jobs" ]
	[ "$elapsed_ms" -lt 5000 ]
}

@test "--throttle-exit cannot be combined with --round-robin, whose blocks are not kept" {
	run_lanes "" --pipe --round-robin --throttle-exit 75 cat
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --round-robin: cannot be combined with --throttle-exit: a job's blocks are not kept" ]
}

@test "SIGTERM while a throttled job waits for its rerun ends lanes at once" {
	lanes --throttle-exit 75 --retry-delay 60 "exit 75 # $MARK" ::: 1 >/dev/null 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$! rc=0
	BG_PIDS+=("$pid")
	sleep 0.5
	set_now
	local t0=$NOW
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	set_now
	[ "$rc" -eq 143 ]
	[ $((NOW - t0)) -lt 3000 ]
}

@test "bad --throttle-exit and --throttle-retries values are refused with one line and 255" {
	local v
	for v in 0 256 -1 x 75, ,75 75,,111 7.5 ''; do
		run_lanes "" --throttle-exit "$v" true ::: 1
		echo "--throttle-exit '$v': $stderr"
		[ "$status" -eq 255 ]
		[ "$stderr" = "lanes: --throttle-exit: '$v' is not a list of exit statuses from 1 to 255 (examples: 75, 75,111)" ]
	done
	for v in -1 x ''; do
		run_lanes "" --throttle-exit 75 --throttle-retries "$v" true ::: 1
		[ "$status" -eq 255 ]
		[ "$stderr" = "lanes: --throttle-retries: '$v' is not a number of reruns (examples: 0, 5, 100)" ]
	done
	run_lanes "" --throttle-retries 3 true ::: 1
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --throttle-retries: needs --throttle-exit CODES: the exit statuses that mean throttled" ]
}

@test "--progress counts the throttled runs" {
	run_lanes "$(counted 2 a)"$'\n' --throttle-exit 75 --progress
	show
	[ "$status" -eq 0 ]
	[[ $stderr == *"1 done, 0 running, 2 throttled, "* ]]
}

@test "a fixed -j above what the server takes: every request still succeeds, throttled ones run again" {
	start_server 3 50
	run_lanes "" -j 8 --throttle-exit 75 "$FETCH" "$URL" ::: $(seq 40)
	show
	stop_server
	[ "$status" -eq 0 ]
	[ "$OK" -eq 40 ]
	[ "$THROTTLED" -gt 0 ]
	# lanes ran up to its 8, whatever the server took
	local peak
	peak=$(peak_after "$CONC" 0)
	echo "lanes ran at most $peak at once"
	[ "$peak" -le 8 ]
	[ "$peak" -gt 3 ]
}

@test "K=6, T=100 ms, 300 requests: -j auto is near the best fixed -j, with few 429s, and every request succeeds" {
	start_server 6 100
	LANES_TEST_LIMIT=60
	local best=0 j
	for j in 6 12; do
		run_lanes "" -j "$j" --throttle-exit 75 "$FETCH" "$URL" ::: $(seq 300)
		[ "$status" -eq 0 ]
		echo "-j $j: $elapsed_ms ms"
		if [ "$best" -eq 0 ] || [ "$elapsed_ms" -lt "$best" ]; then best=$elapsed_ms; fi
	done
	stop_server
	local ok_fixed=$OK throttled_fixed=$THROTTLED
	[ "$ok_fixed" -eq 600 ]
	start_server 6 100
	run_lanes "" -j auto --throttle-exit 75 --limit-log "$BATS_TEST_TMPDIR/limit" "$FETCH" "$URL" ::: $(seq 300)
	show
	local auto=$elapsed_ms
	stop_server
	echo "-j auto: $auto ms (best fixed: $best ms); fixed runs had $throttled_fixed 429s"
	cat "$BATS_TEST_TMPDIR/limit"
	[ "$status" -eq 0 ]
	[ "$OK" -eq 300 ]
	# lanes never ran more requests at once than its highest limit
	local highest peak
	highest=$(awk 'NR > 1 && $2 > m { m = $2 } END { print m }' "$BATS_TEST_TMPDIR/limit")
	peak=$(peak_after "$CONC" 0)
	echo "lanes ran at most $peak at once; the highest limit was $highest"
	[ "$peak" -le "$highest" ]
	# The issue's figures are 1.25 x and 10 %; the bounds here are looser,
	# for a loaded machine (make bench reports the figures).
	[ "$auto" -le $((best * 3 / 2)) ]
	[ "$THROTTLED" -lt 45 ]
	grep -q throttled "$BATS_TEST_TMPDIR/limit"
}
