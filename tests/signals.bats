# SIGINT, SIGTERM and SIGHUP sent to lanes: it starts nothing more, ends
# every running job's process group, prints what finished jobs wrote, and
# exits 128+signal; no job process, grandchildren included, outlives it.

load helpers/common

# write_jobs [TRAP]: a job file for -j3: one quick job, then three jobs of a
# shell with two sleeping children each (all marked; 9 processes), and a
# fifth job that must never start. TRAP is put in front of the long jobs.
write_jobs() {
	JOBS=$BATS_TEST_TMPDIR/jobs
	printf '%s\n' \
		"echo done-early" \
		"${1:-}$SLEEP 1000 & $SLEEP 1000; :" \
		"${1:-}$SLEEP 1000 & $SLEEP 1000; :" \
		"${1:-}$SLEEP 1000 & $SLEEP 1000; :" \
		"touch $BATS_TEST_TMPDIR/started5" >"$JOBS"
}

# signal_test SIGNAL STATUS: starts lanes -j3 on write_jobs, waits for its
# nine marked processes, sends SIGNAL and checks what lanes leaves behind.
signal_test() {
	write_jobs
	start_lanes "$JOBS" -j3
	wait_marked "$MARK" 9
	kill -"$1" "$LANES_PID"
	wait_lanes 5
	show
	[ "$status" -eq "$2" ]
	[ "$elapsed_ms" -lt 1500 ]
	[ "$output" = done-early ]
	[ ! -e "$BATS_TEST_TMPDIR/started5" ]
	wait_unmarked "$MARK" 1
}

@test "SIGINT ends every job, grandchildren too, and lanes exits 130" {
	signal_test INT 130
}

@test "SIGTERM ends every job, grandchildren too, and lanes exits 143" {
	signal_test TERM 143
}

@test "SIGHUP ends every job, grandchildren too, and lanes exits 129" {
	signal_test HUP 129
}

@test "on SIGTERM, jobs that ignore TERM get the rest of the --termseq" {
	write_jobs "trap '' TERM; "
	start_lanes "$JOBS" -j3
	wait_marked "$MARK" 9
	kill -TERM "$LANES_PID"
	wait_lanes 5
	show
	[ "$status" -eq 143 ]
	[ "$elapsed_ms" -lt 3000 ]
	[ ! -e "$BATS_TEST_TMPDIR/started5" ]
	wait_unmarked "$MARK" 1
}

@test "on SIGINT lanes waits out the --termseq for jobs that ignore TERM" {
	write_jobs "trap '' TERM; "
	start_lanes "$JOBS" -j3 --termseq TERM,700,KILL,25
	wait_marked "$MARK" 9
	kill -INT "$LANES_PID"
	sleep 0.3
	alive "$LANES_PID" || { echo "lanes ended before the KILL step of its --termseq"; false; }
	wait_lanes 5
	show
	[ "$status" -eq 130 ]
	[ "$elapsed_ms" -lt 2500 ]
	wait_unmarked "$MARK" 1
}

@test "a second SIGINT kills the jobs at once" {
	write_jobs "trap '' TERM; "
	start_lanes "$JOBS" -j3 --termseq TERM,10000,KILL,25
	wait_marked "$MARK" 9
	kill -INT "$LANES_PID"
	sleep 0.3
	alive "$LANES_PID" || { echo "lanes ended before the KILL step of its --termseq"; false; }
	kill -INT "$LANES_PID"
	wait_lanes 5
	show
	[ "$status" -eq 130 ]
	[ "$elapsed_ms" -lt 1500 ]
	[ ! -e "$BATS_TEST_TMPDIR/started5" ]
	wait_unmarked "$MARK" 1
}

@test "SIGINT in --ungroup mode also leaves no process behind" {
	write_jobs
	start_lanes "$JOBS" -j3 -u
	wait_marked "$MARK" 9
	kill -INT "$LANES_PID"
	wait_lanes 5
	show
	[ "$status" -eq 130 ]
	[ "$output" = done-early ]
	wait_unmarked "$MARK" 1
}

@test "SIGTERM while a job has a --timeout pending leaves no process behind" {
	write_jobs
	start_lanes "$JOBS" -j3 --timeout 60
	wait_marked "$MARK" 9
	kill -TERM "$LANES_PID"
	wait_lanes 5
	show
	[ "$status" -eq 143 ]
	[ "$elapsed_ms" -lt 1500 ]
	wait_unmarked "$MARK" 1
}

@test "a signal ignored when lanes started stays ignored in its jobs, even one lanes itself catches" {
	# SIGPIPE (13) and SIGUSR1 (10): lanes catches both; the job must find them ignored
	run_cmd '' bash -c "trap '' PIPE USR1; exec lanes 'cat /proc/self/status; : {}' ::: 1"
	show
	[ "$status" -eq 0 ]
	[[ $output =~ SigIgn:[[:space:]]+([0-9a-f]+) ]]
	local mask=$((16#${BASH_REMATCH[1]}))
	[ $((mask >> 12 & 1)) -eq 1 ]
	[ $((mask >> 9 & 1)) -eq 1 ]
}

@test "a signal lanes catches is back at its default in a job" {
	# cat catches nothing itself (grep, say, catches SIGSEGV); lanes starts
	# with nothing ignored (a background shell ignores SIGINT, SIGQUIT)
	run_cmd '' env --default-signal lanes 'cat /proc/self/status; : {}' ::: 1
	show
	[ "$status" -eq 0 ]
	# signals 1 to 31: the real-time ones above are the C library's (and
	# the sanitizer build's runtime ignores two of them)
	local kind mask
	for kind in SigIgn SigCgt SigBlk; do
		[[ $output =~ $kind:[[:space:]]+([0-9a-f]+) ]]
		mask=$((16#${BASH_REMATCH[1]}))
		echo "$kind: $((mask & 0x7fffffff))"
		[ $((mask & 0x7fffffff)) -eq 0 ]
	done
}
