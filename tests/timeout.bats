# --timeout and --termseq: a job that runs too long is ended, with its whole
# process group, quickly, and counted as failed.

load helpers/common

@test "a job that outlives --timeout 0.2 is ended within 1.5 s" {
	run_lanes $'sleep 10\n' --timeout 0.2
	show
	[ "$status" -eq 1 ]
	[ "$elapsed_ms" -lt 1500 ]
	[ "$elapsed_ms" -ge 150 ]
}

@test "a timed-out job is reported on stderr with its number, duration and command" {
	run_lanes $'echo fine\nsleep 10\n' -j2 --timeout 0.3
	show
	[ "$status" -eq 1 ]
	[ "$output" = fine ]
	[ "$(lines_of "$stderr")" -eq 1 ]
	# the duration as the user wrote it or normalised: 0.3, 0.3s, 300ms ...
	[[ "$stderr" =~ ^lanes:\ job\ 2\ timed\ out\ after\ [^:]*(\.3|300)[^:]*:\ sleep\ 10$ ]]
}

@test "a job that ends before its timeout is not touched" {
	run_lanes $'sleep 0.2; echo done\n' --timeout 5
	show
	[ "$status" -eq 0 ]
	[ "$output" = done ]
	[ -z "$stderr" ]
}

@test "--timeout accepts plain seconds, fractions and ms/s/m suffixes" {
	local d
	for d in 0.25 250ms 0.25s 0.004m; do
		run_lanes $'sleep 10\n' --timeout "$d"
		echo "--timeout $d"
		show
		[ "$status" -eq 1 ]
		[ "$elapsed_ms" -lt 1500 ]
		[ "$elapsed_ms" -ge 180 ]
	done
}

@test "--timeout accepts whole numbers with m, h and d suffixes" {
	local d
	for d in 1 1s 1m 1h 1d 2.5h; do
		run_lanes $'sleep 0.05; echo ok\n' --timeout "$d"
		echo "--timeout $d"
		show
		[ "$status" -eq 0 ]
		[ "$output" = ok ]
	done
}

@test "a timeout counts as one failed job among successful ones" {
	run_lanes $'sleep 10\ntrue\nsleep 10\necho x\n' -j4 --timeout 0.3
	show
	[ "$status" -eq 2 ]
	[ "$output" = x ]
	[ "$(printf '%s\n' "$stderr" | grep -c 'timed out')" -eq 2 ]
	[ "$elapsed_ms" -lt 1500 ]
}

@test "each job gets its own deadline, counted from its own start" {
	# -j1: three jobs of 0.15 s with --timeout 0.3 all succeed, though
	# together they take longer than the timeout.
	run_lanes $'sleep 0.15\nsleep 0.15\nsleep 0.15\n' -j1 --timeout 0.3
	show
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "a timed-out job's grandchildren are killed too" {
	run_lanes "sh -c '$SLEEP 100 & $SLEEP 100'"$'\n' --timeout 0.2
	show
	[ "$status" -eq 1 ]
	[ "$elapsed_ms" -lt 1500 ]
	wait_unmarked "$MARK" 1
}

@test "a timed-out job's backgrounded grandchild is killed even when the shell waits for it" {
	run_lanes "$SLEEP 100 & $SLEEP 100 & wait"$'\n' --timeout 0.2
	show
	[ "$status" -eq 1 ]
	[ "$elapsed_ms" -lt 1500 ]
	wait_unmarked "$MARK" 1
}

@test "a job that ignores TERM is killed by the KILL at the end of the default --termseq" {
	# Default TERM,200,TERM,100,TERM,50,KILL,25: KILL about 350 ms after
	# the deadline.
	run_lanes "trap '' TERM; $SLEEP 100; :"$'\n' --timeout 0.2
	show
	[ "$status" -eq 1 ]
	[ "$elapsed_ms" -lt 2000 ]
	[ "$elapsed_ms" -ge 400 ]
	wait_unmarked "$MARK" 1
}

@test "--termseq chooses the signals sent at the timeout" {
	local f=$BATS_TEST_TMPDIR/got
	run_lanes "trap 'echo INT > $f; exit 0' INT; $SLEEP 100; :"$'\n' --timeout 0.2 --termseq INT,1000,KILL,25
	show
	[ "$status" -eq 1 ]
	[ "$elapsed_ms" -lt 1000 ]
	[ "$(cat "$f")" = INT ]
	wait_unmarked "$MARK" 1
}

@test "--termseq KILL,25 kills at once a job that ignores TERM" {
	run_lanes "trap '' TERM; $SLEEP 100; :"$'\n' --timeout 0.2 --termseq KILL,25
	show
	[ "$status" -eq 1 ]
	[ "$elapsed_ms" -lt 1000 ]
	wait_unmarked "$MARK" 1
}

@test "--termseq waits between its steps before the next signal" {
	# TERM is ignored, KILL comes 500 ms later.
	run_lanes "trap '' TERM; $SLEEP 100; :"$'\n' --timeout 0.2 --termseq TERM,500,KILL,25
	show
	[ "$status" -eq 1 ]
	[ "$elapsed_ms" -ge 650 ]
	[ "$elapsed_ms" -lt 2500 ]
	wait_unmarked "$MARK" 1
}

@test "many jobs timing out at once are all ended promptly" {
	local i input=''
	for i in $(seq 1 8); do input+="$SLEEP 10"$'\n'; done
	run_lanes "$input" -j8 --timeout 0.3
	show
	[ "$status" -eq 8 ]
	[ "$(printf '%s\n' "$stderr" | grep -c 'timed out')" -eq 8 ]
	[ "$elapsed_ms" -lt 1500 ]
	wait_unmarked "$MARK" 1
}
