#!/usr/bin/env bats
# A limit that moves: -j FILE (read again as jobs end), -j auto (chosen
# while the jobs run; CPU-bound work stays at the CPUs), --limit-log, and
# the limit in --progress and SIGUSR1's list. The throttling tests against
# a real HTTP server are in throttle.bats.

load helpers/common

# starts_within LOG LIMIT AFTER: reads a joblog; true when every job that
# started more than AFTER seconds after the first one started while fewer
# than LIMIT others were running (its own start included, at most LIMIT).
starts_within() {
	awk -v limit="$2" -v after="$3" '
		NR > 1 { n++; s[n] = $3; e[n] = $3 + $4; if (first == "" || $3 < first) first = $3 }
		END {
			for (i = 1; i <= n; i++) {
				if (s[i] < first + after) continue
				running = 0
				for (k = 1; k <= n; k++)
					if (s[k] <= s[i] && e[k] > s[i] + 0.005) running++
				if (running > limit) { printf "%d jobs ran at %.3f\n", running, s[i] - first; bad = 1 }
			}
			exit bad
		}' "$1"
}

# limit_moves LOG: the "limit why" pairs of a --limit-log, on one line,
# without its last line ("end").
limit_moves() {
	awk 'NR > 1 && $3 != "end" { printf "%s%s %s", sep, $2, $3; sep = ", " } END { print "" }' "$1"
}

@test "-j auto runs every job and prints every output" {
	run_lanes "" -j auto echo ::: a b c d e
	show
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "a b c d e " ]
}

@test "-j auto starts at twice the CPUs, kept within auto:MIN-MAX, and --limit-log says so" {
	command -v taskset >/dev/null || skip "taskset is not installed (Debian package util-linux)"
	local log=$BATS_TEST_TMPDIR/limit cpus
	cpus=$(taskset -c 0 lanes -j auto --limit-log "$log" true ::: 1 && sed -n 2p "$log" | cut -f 2)
	[ "$cpus" = 2 ]  # one CPU: 2 x 1
	run_lanes "" -j auto:1-3 --limit-log "$log" true ::: 1
	show
	[ "$(sed -n 1p "$log")" = $'Seconds\tLimit\tWhy' ]
	[[ "$(sed -n 2p "$log")" == 0.000$'\t'*$'\tstart' ]]
	local start
	start=$(sed -n 2p "$log" | cut -f 2)
	[ "$start" -le 3 ]
	run_lanes "" -j auto:5-9 --limit-log "$log" true ::: 1
	[ "$(sed -n 2p "$log" | cut -f 2)" -ge 5 ]
}

@test "-j auto:MIN-MAX never runs more than MAX jobs at once" {
	local log=$BATS_TEST_TMPDIR/conc
	run_lanes "$(concurrency_jobs 12 0.1 "$log")" -j auto:1-3
	show
	[ "$status" -eq 0 ]
	[ "$(max_concurrent "$log")" -le 3 ]
	[ "$(grep -c + "$log")" -eq 12 ]
}

@test "bad -j auto ranges, a missing -j FILE and other bad values are refused with one line and 255" {
	local v
	for v in auto: auto:0-4 auto:5-2 auto:x-3 auto:4 auto:-3 auto:2-99999 autox nosuchfile; do
		run_lanes "" -j "$v" true ::: 1
		echo "-j $v: $stderr"
		[ "$status" -eq 255 ]
		[ "$(lines_of "$stderr")" -eq 1 ]
		[[ $stderr == "lanes: -j: '$v' is not a job count"* ]]
	done
	run_lanes "" -j ./missing true ::: 1
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: -j ./missing: cannot read it: No such file or directory" ]
	printf 'many\n' >"$BATS_TEST_TMPDIR/jobs"
	run_lanes "" -j "$BATS_TEST_TMPDIR/jobs" true ::: 1
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: -j $BATS_TEST_TMPDIR/jobs: 'many' is not a job count (examples: 8, 50%, +2, -1, 0)" ]
	printf 'auto\n' >"$BATS_TEST_TMPDIR/jobs"
	run_lanes "" -j "$BATS_TEST_TMPDIR/jobs" true ::: 1
	[ "$status" -eq 255 ]
	run_lanes "" --limit-log "$BATS_TEST_TMPDIR/l" -j 2 true ::: 1
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --limit-log: is for a limit that moves: it needs -j auto or -j FILE" ]
	run_lanes "" --limit-log "$BATS_TEST_TMPDIR/no/such/dir" -j auto true ::: 1
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --limit-log $BATS_TEST_TMPDIR/no/such/dir: No such file or directory" ]
	run_lanes "" --semaphore -j auto --id "$MARK" true
	[ "$status" -eq 255 ]
	[[ $stderr == "lanes: -j: 'auto': a semaphore's size is fixed"* ]]
	seq 10 >"$BATS_TEST_TMPDIR/data"
	run_lanes "" --pipepart --block -2 -j auto -a "$BATS_TEST_TMPDIR/data" wc -l
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --block: '-2' cuts the data into blocks per job slot: it needs a fixed -j (example: -j 4)" ]
}

@test "-j FILE changed mid-run takes effect at the next job end" {
	local f=$BATS_TEST_TMPDIR/jobs log=$BATS_TEST_TMPDIR/joblog ll=$BATS_TEST_TMPDIR/limit
	echo 1 >"$f"
	# Job 1 writes 4 into the file and ends: jobs 2-5 then start together.
	run_lanes "echo 4 > $f; $SLEEP 0.3"$'\n'"$(printf '%s 0.5\n' "$SLEEP" "$SLEEP" "$SLEEP" "$SLEEP" "$SLEEP")" \
		-j "$f" --joblog "$log" --limit-log "$ll"
	show
	[ "$status" -eq 0 ]
	cat "$log" "$ll"
	[ "$(limit_moves "$ll")" = "1 start, 4 file" ]
	[[ "$(tail -n 1 "$ll")" == *$'\t4\tend' ]]
	# Job 2 started after job 1 ended; jobs 2 to 5 within 0.25 s of each other.
	awk 'NR == 2 { end1 = $3 + $4 } NR > 2 { s[NR] = $3 }
	     END { for (i = 3; i <= 6; i++) { if (s[i] < end1 - 0.01) exit 1; if (s[i] - s[3] > 0.25) exit 2 } }' "$log"
	[ "$(wc -l <"$log")" -eq 7 ]
}

@test "-j FILE with bad contents or gone mid-run: one warning each, the old limit kept, no job lost" {
	local f=$BATS_TEST_TMPDIR/jobs conc=$BATS_TEST_TMPDIR/conc
	echo 2 >"$f"
	run_lanes "echo many > $f"$'\n'"$(concurrency_jobs 6 0.1 "$conc")"$'\n'"rm $f"$'\n'"$(concurrency_jobs 6 0.1 "$conc")" \
		-j "$f"
	show
	[ "$status" -eq 0 ]
	[ "$(grep -c + "$conc")" -eq 12 ]
	[ "$(max_concurrent "$conc")" -le 2 ]
	[ "$(grep -c "'many' is not a job count (examples: 8, 50%, +2, -1, 0); keeping 2" <<<"$stderr")" -eq 1 ]
	[ "$(grep -c "cannot read it: No such file or directory; keeping 2" <<<"$stderr")" -eq 1 ]
	[ "$(lines_of "$stderr")" -eq 2 ]
}

@test "-j FILE: the jobserver lanes offers its jobs follows the file, up and down" {
	command -v make >/dev/null || skip "GNU make is not installed (Debian package make)"
	local f=$BATS_TEST_TMPDIR/jobs mk=$BATS_TEST_TMPDIR/mk conc=$BATS_TEST_TMPDIR/conc
	printf 'all: a b c d e f\na b c d e f:\n\t@echo + >> %s; %s 0.2; echo - >> %s\n' "$conc" "$SLEEP" "$conc" >"$mk"
	# Up: the file says 1 at the start; job 1 makes it 3, then a make runs.
	echo 1 >"$f"
	run_lanes "echo 3 > $f"$'\n'"make -s -f $mk" -j "$f"
	show
	[ "$status" -eq 0 ]
	cat "$conc"
	[ "$(max_concurrent "$conc")" -eq 3 ]
	# Down: from 3 to 1 before the make starts.
	: >"$conc"
	echo 3 >"$f"
	run_lanes "echo 1 > $f"$'\n'"$SLEEP 0.2; make -s -f $mk" -j "$f" -k
	show
	[ "$status" -eq 0 ]
	[ "$(max_concurrent "$conc")" -eq 1 ]
}

@test "--progress shows the limit while it may move, and its range at the end" {
	local f=$BATS_TEST_TMPDIR/jobs
	echo 1 >"$f"
	run_lanes "echo 2 > $f"$'\n'"$SLEEP 0.1"$'\n'"$SLEEP 0.1"$'\n' -j "$f" --progress
	show
	[ "$status" -eq 0 ]
	[[ $stderr == *"0 running (limit 1)"* ]]
	[[ $stderr == *"3 done, 0 running, limit 1-2, final 2, "* ]]
	run_lanes "" -j 2 --progress true ::: 1 2
	[[ $stderr != *limit* ]]
}

@test "SIGUSR1's list of running jobs says the limit they run within" {
	local f=$BATS_TEST_TMPDIR/jobs
	echo 3 >"$f"
	lanes -j "$f" "$SLEEP" ::: 1 1 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$!
	BG_PIDS+=("$pid")
	wait_marked "$MARK" 2
	kill -USR1 "$pid"
	wait "$pid"
	cat "$BATS_TEST_TMPDIR/err"
	grep -q "^lanes: 2 running jobs, at most 3 at once (seq, slot, pid, seconds, command):$" "$BATS_TEST_TMPDIR/err"
}

# cpu_bound_run CPUS: 14 busy loops of 0.3 s under -j auto on that many CPUs.
cpu_bound_run() {
	command -v taskset >/dev/null || skip "taskset is not installed (Debian package util-linux)"
	local list=$1 busy=$BATS_TEST_TMPDIR/busy
	printf '#!/bin/sh\ntimeout 0.3 sh -c "while :; do :; done"\nexit 0\n' >"$busy"
	chmod +x "$busy"
	run_cmd "" taskset -c "$list" lanes -j auto --joblog "$BATS_TEST_TMPDIR/log" \
		--limit-log "$BATS_TEST_TMPDIR/limit" "$busy" ::: $(seq 14)
}

@test "CPU-bound jobs under -j auto on one CPU: after the first adjustment, never more than one at once" {
	cpu_bound_run 0
	show
	[ "$status" -eq 0 ]
	cat "$BATS_TEST_TMPDIR/limit"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/log")" -eq 15 ]
	# The first adjustment comes with the first generation's ends; the
	# jobs that started before it may still run, then one at a time.
	local first
	first=$(awk 'NR == 3 { print $1 }' "$BATS_TEST_TMPDIR/limit")
	[ -n "$first" ]
	[ "$(limit_moves "$BATS_TEST_TMPDIR/limit")" = "2 start, 1 cpus-full" ]
	starts_within "$BATS_TEST_TMPDIR/log" 1 "$(awk -v f="$first" 'BEGIN { print f + 0.35 }')"
}

@test "CPU-bound jobs under -j auto on two CPUs: after the first adjustment, never more than two at once" {
	[ "$(nproc)" -ge 2 ] || skip "this machine has one CPU"
	cpu_bound_run 0,1
	show
	[ "$status" -eq 0 ]
	cat "$BATS_TEST_TMPDIR/limit"
	local first
	first=$(awk 'NR == 3 { print $1 }' "$BATS_TEST_TMPDIR/limit")
	[ -n "$first" ]
	[[ "$(limit_moves "$BATS_TEST_TMPDIR/limit")" == "4 start, 2 cpu"* ]]
	awk 'NR > 2 && $2 > 2 { exit 1 }' "$BATS_TEST_TMPDIR/limit"
	starts_within "$BATS_TEST_TMPDIR/log" 2 "$(awk -v f="$first" 'BEGIN { print f + 0.35 }')"
}

@test "-j auto grows past its start while the jobs wait on something else than CPUs" {
	local log=$BATS_TEST_TMPDIR/limit
	run_lanes "" -j auto:1-12 --limit-log "$log" "$SLEEP" ::: $(for i in $(seq 60); do echo 0.05; done)
	show
	[ "$status" -eq 0 ]
	cat "$log"
	# 2 x the CPUs at the start; sleeping jobs use no CPU, so it grows.
	awk 'NR == 2 { start = $2 } NR > 2 && $2 > start { grew = 1 } END { exit !grew }' "$log"
	awk 'NR > 1 && $2 > 12 { exit 1 }' "$log"
}
