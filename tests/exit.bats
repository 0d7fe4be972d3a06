# lanes' exit status: 0 when every job succeeded, the number of failed jobs
# up to 100, 101 beyond; commands that cannot be run are failed jobs.
# (128+signal is in signals.bats, 255 for usage errors in options.bats.)

load helpers/common

# repeat COUNT LINE: COUNT copies of LINE, one a line.
repeat() {
	local i
	for ((i = 0; i < $1; i++)); do printf '%s\n' "$2"; done
}

@test "lanes exits 0 when every job succeeds" {
	run_lanes $'true\necho ok\nexit 0\n'
	show
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	[ -z "$stderr" ]
}

@test "lanes exits 3 when three jobs fail" {
	run_lanes "$(repeat 3 false)"
	show
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "the exit status counts failed jobs, not their statuses" {
	run_lanes $'exit 3\ntrue\nexit 1\nexit 200\necho ok\n'
	show
	[ "$status" -eq 3 ]
	[ "$output" = ok ]
}

@test "lanes exits 100 when exactly 100 jobs fail" {
	run_lanes "$(repeat 100 false; repeat 5 true)" -j4
	show
	[ "$status" -eq 100 ]
}

@test "lanes exits 101 when more than 100 jobs fail" {
	run_lanes "$(repeat 150 false)" -j4
	show
	[ "$status" -eq 101 ]
}

@test "a job killed by a signal is a failed job" {
	run_lanes $'kill -KILL $$\ntrue\n'
	show
	[ "$status" -eq 1 ]
}

@test "a command that does not exist is a failed job with a one-line message" {
	run_lanes $'no_such_cmd_xyz\n'
	show
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == *no_such_cmd_xyz* ]]
	[[ "$stderr" == *"not found"* ]]
}

@test "a command that does not exist with arguments is reported the same way" {
	run_lanes $'no_such_cmd_xyz --flag value\n'
	show
	[ "$status" -eq 1 ]
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == *no_such_cmd_xyz* ]]
	[[ "$stderr" == *"not found"* ]]
}

@test "the other jobs still run when a command does not exist" {
	run_lanes $'echo before\nno_such_cmd_xyz\necho after\n' -j1
	show
	[ "$status" -eq 1 ]
	[ "$output" = $'before\nafter' ]
	[ "$(lines_of "$stderr")" -eq 1 ]
}

@test "a command that does not exist fails with status 127, as in a shell" {
	# --halt now,fail=1 makes lanes exit with the failing job's status.
	run_lanes $'no_such_cmd_xyz\n' --halt now,fail=1
	show
	[ "$status" -eq 127 ]
	run_lanes $'no_such_cmd_xyz > /dev/null\n' --halt now,fail=1
	show
	[ "$status" -eq 127 ]
}

@test "a file that is not executable fails with status 126, as in a shell" {
	printf 'echo hi\n' >"$BATS_TEST_TMPDIR/not-exec"
	chmod 644 "$BATS_TEST_TMPDIR/not-exec"
	run_lanes "$BATS_TEST_TMPDIR/not-exec"$'\n' --halt now,fail=1
	show
	[ "$status" -eq 126 ]
	[ -z "$output" ]
	[[ "$stderr" == *not-exec* ]]
}

@test "a failing job's status passes through --halt fail=1 unchanged" {
	run_lanes $'exit 42\n' --halt now,fail=1
	show
	[ "$status" -eq 42 ]
}
