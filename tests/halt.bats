# --halt: stopping early when jobs fail, succeed or are done; soon (let the
# running jobs finish) or now (end them too); and the legacy 0, 1, 2.

load helpers/common

# one_halt_line: stderr is exactly one line from lanes saying it halts.
one_halt_line() {
	[ "$(lines_of "$stderr")" -eq 1 ] || { echo "expected one line on stderr"; return 1; }
	[[ "$stderr" == "lanes: "* ]] || { echo "stderr line does not start with 'lanes: '"; return 1; }
	printf '%s\n' "$stderr" | grep -qi halt || { echo "stderr does not say it is halting"; return 1; }
}

# Job lines for "now" and "soon": -j2, the first fails (or succeeds) after
# 0.2 s (0.1 s for soon), the second is running then, the third is
# still waiting.
now_jobs() {
	printf '%s\n' \
		"sleep 0.2; $1" \
		"echo partial; $SLEEP 100; touch $BATS_TEST_TMPDIR/late" \
		"touch $BATS_TEST_TMPDIR/started3"
}
soon_jobs() {
	printf '%s\n' \
		"sleep 0.1; $1" \
		"sleep 0.5; echo slow-done" \
		"touch $BATS_TEST_TMPDIR/started3"
}

@test "--halt now,fail=1 ends the running jobs, drops their output and exits with the job's status" {
	run_lanes "$(now_jobs 'exit 3')" -j2 --halt now,fail=1
	show
	[ "$status" -eq 3 ]
	[ "$elapsed_ms" -lt 2000 ]
	[ -z "$output" ]
	[ ! -e "$BATS_TEST_TMPDIR/late" ]
	[ ! -e "$BATS_TEST_TMPDIR/started3" ]
	one_halt_line
	wait_unmarked "$MARK" 1
}

@test "--halt 2 is --halt now,fail=1" {
	run_lanes "$(now_jobs 'exit 3')" -j2 --halt 2
	show
	[ "$status" -eq 3 ]
	[ "$elapsed_ms" -lt 2000 ]
	[ -z "$output" ]
	[ ! -e "$BATS_TEST_TMPDIR/started3" ]
	one_halt_line
	wait_unmarked "$MARK" 1
}

@test "--halt soon,fail=1 starts no more jobs but lets the running ones finish" {
	run_lanes "$(soon_jobs 'exit 3')" -j2 --halt soon,fail=1
	show
	[ "$status" -eq 3 ]
	[ "$output" = slow-done ]
	[ "$elapsed_ms" -ge 450 ]
	[ ! -e "$BATS_TEST_TMPDIR/started3" ]
	one_halt_line
}

@test "--halt 1 is --halt soon,fail=1" {
	run_lanes "$(soon_jobs 'exit 3')" -j2 --halt 1
	show
	[ "$status" -eq 3 ]
	[ "$output" = slow-done ]
	[ ! -e "$BATS_TEST_TMPDIR/started3" ]
	one_halt_line
}

@test "--halt 0 never halts: every job runs and failures are counted" {
	run_lanes $'false\necho b\nexit 3\necho d\n' -j1 --halt 0
	show
	[ "$status" -eq 2 ]
	[ "$output" = $'b\nd' ]
	[ -z "$stderr" ]
}

@test "without --halt every job runs whatever fails" {
	run_lanes $'exit 7\necho b\nexit 3\necho d\n' -j1
	show
	[ "$status" -eq 2 ]
	[ "$output" = $'b\nd' ]
	[ -z "$stderr" ]
}

@test "--halt now,fail=2 halts at the second failure and exits 2, the number failed, as GNU parallel" {
	run_lanes $'false\necho b\nexit 5\necho d\n' -j1 --halt now,fail=2
	show
	[ "$status" -eq 2 ]
	[ "$output" = b ]
	one_halt_line
}

@test "--halt now,fail=2 with a single failure runs everything and counts it" {
	run_lanes $'false\necho b\necho c\n' -j1 --halt now,fail=2
	show
	[ "$status" -eq 1 ]
	[ "$output" = $'b\nc' ]
	[ -z "$stderr" ]
}

@test "--halt soon,fail=50% halts when half of the jobs have failed and exits 50, the percentage" {
	run_lanes $'false\nexit 4\necho c\necho d\n' -j1 --halt soon,fail=50%
	show
	[ "$status" -eq 50 ]
	[ -z "$output" ]
	one_halt_line
}

@test "--halt now,success=1 ends the running jobs once one succeeds" {
	run_lanes "$(now_jobs 'true')" -j2 --halt now,success=1
	show
	# The job ended by lanes may or may not count as failed; either way
	# this is the normal exit status, not a signal or an error.
	[ "$status" -le 1 ]
	[ "$elapsed_ms" -lt 2000 ]
	[ -z "$output" ]
	[ ! -e "$BATS_TEST_TMPDIR/late" ]
	[ ! -e "$BATS_TEST_TMPDIR/started3" ]
	one_halt_line
	wait_unmarked "$MARK" 1
}

@test "--halt soon,success=1 lets the running jobs finish and exits 0 when none failed" {
	run_lanes "$(soon_jobs 'true')" -j2 --halt soon,success=1
	show
	[ "$status" -eq 0 ]
	[ "$output" = slow-done ]
	[ ! -e "$BATS_TEST_TMPDIR/started3" ]
	one_halt_line
}

@test "--halt soon,success=1 exits 0 once it halts, whatever failed before, as GNU parallel" {
	run_lanes $'false\ntrue\necho never\n' -j1 --halt soon,success=1
	show
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	one_halt_line
}

@test "--halt soon,done=2 halts after two jobs, failed or not" {
	run_lanes $'false\ntrue\necho never\n' -j1 --halt soon,done=2
	show
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	one_halt_line
}

@test "--halt now,done=50% halts when half of the jobs are done" {
	run_lanes $'echo a\necho b\necho c\necho d\n' -j1 --halt now,done=50%
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'a\nb' ]
	one_halt_line
}

@test "--halt soon,fail=1 with the next job waiting for its --delay: it never starts and lanes ends at once" {
	run_lanes '' -j2 --delay 5 --halt soon,fail=1 'exit 1; : {}' ::: a b c
	show
	[ "$status" -eq 1 ]
	[ "$elapsed_ms" -lt 3000 ]
	[ "$stderr" = "lanes: --halt soon,fail=1: job 1 failed (status 1); starting no more jobs" ]
}
