# What lanes leaves behind when it ends jobs early: after --timeout,
# --halt now, SIGINT, SIGTERM and SIGHUP, no process of any job is left,
# grandchildren (that stay in the job's session) included, and no temporary
# file is left in TMPDIR, although every job's output had spilled there.

load helpers/common

# write_jobs COUNT [EXTRA-LINE]: $JOBS, COUNT jobs that each write 1.5 MB
# on stdout and on stderr (more than the 1 MiB --group keeps in memory, so
# both spill to a temporary file), then start a backgrounded grandchild, a
# shell with two sleeping children of its own, and sleep: 4 marked sleeps a
# job. EXTRA-LINE, if given, is one more job.
write_jobs() {
	local i
	JOBS=$BATS_TEST_TMPDIR/jobs
	for ((i = 1; i <= $1; i++)); do
		printf '%s\n' "yes out | head -c 1500000; yes err | head -c 1500000 >&2; $SLEEP 1000 & sh -c '$SLEEP 1000 & $SLEEP 1000' & $SLEEP 1000"
	done >"$JOBS"
	if [ -n "${2:-}" ]; then
		printf '%s\n' "$2" >>"$JOBS"
	fi
	SPILL=$BATS_TEST_TMPDIR/spill
	mkdir "$SPILL"
}

# count_sleeps: sets $sleeps to how many live processes run $SLEEP itself
# (not a shell whose command line mentions it). Forks once: on a loaded VM
# each fork of the bats shell costs tens of ms, and the jobs here have a
# --timeout to beat.
count_sleeps() {
	local file arg0 state key value
	sleeps=0
	for file in $(grep -l -s -a -F -e "$SLEEP" /proc/[0-9]*/cmdline); do
		arg0=
		{ IFS= read -r -d '' arg0 <"$file"; } 2>/dev/null || true
		[ "$arg0" = "$SLEEP" ] || continue
		state=
		while read -r key value _; do
			[ "$key" = State: ] && state=$value
		done 2>/dev/null <"${file%/cmdline}/status"
		[ -n "$state" ] && [ "$state" != Z ] && sleeps=$((sleeps + 1))
	done
	return 0
}

# count_spilled: sets $files to how many open files lanes has in $SPILL (an
# unlinked temporary file still shows there in /proc/PID/fd, "(deleted)").
count_spilled() {
	files=$(find "/proc/$LANES_PID/fd" -lname "$SPILL/*" -printf . 2>/dev/null)
	files=${#files}
}

# wait_running COUNT [SECONDS]: waits until COUNT jobs of write_jobs have
# all their sleeps running and lanes holds a temporary file for both
# streams of each; fails after SECONDS (default 5).
wait_running() {
	local deadline sleeps=0 files=0
	set_now
	deadline=$((NOW + ${2:-5} * 1000))
	while :; do
		count_sleeps
		count_spilled
		[ "$sleeps" -ge $((4 * $1)) ] && [ "$files" -ge $((2 * $1)) ] && break
		set_now
		if [ "$NOW" -gt "$deadline" ]; then
			echo "after ${2:-5} s: $sleeps of $((4 * $1)) sleeps, $files of $((2 * $1)) spilled files"
			alive "$LANES_PID" || echo "lanes has ended; its stderr: $(grep -a -m 5 -v '^\(out\|err\)$' "$ERR")"
			return 1
		fi
		sleep 0.05
	done
	echo "running: $sleeps sleeps; lanes holds $files temporary files in $SPILL"
}

# check_clean: no marked process is left (zombies count as gone) and
# nothing is left in the TMPDIR lanes used.
check_clean() {
	wait_unmarked "$MARK" 1
	echo "left in TMPDIR: $(ls -A "$SPILL" | head -n 5)"
	[ -z "$(ls -A "$SPILL")" ]
}

# signal_test SIGNAL STATUS
signal_test() {
	write_jobs 3
	TMPDIR=$SPILL start_lanes "$JOBS" -j3
	wait_running 3
	kill -"$1" "$LANES_PID"
	wait_lanes 5
	show
	[ "$status" -eq "$2" ]
	check_clean
}

@test "after --timeout, no process of the timed-out jobs and no temporary file is left" {
	write_jobs 3
	TMPDIR=$SPILL start_lanes "$JOBS" -j3 --timeout 3
	wait_running 3 2
	wait_lanes 8
	stderr=$(grep -a '^lanes' "$ERR" || true)
	output="($(wc -c <"$OUT") bytes)"
	show
	[ "$status" -eq 3 ]
	[ "$(grep -c '^lanes: job [123] timed out after' "$ERR")" -eq 3 ]
	check_clean
}

@test "after --halt now, no process of the ended jobs and no temporary file is left" {
	local fifo=$BATS_TEST_TMPDIR/$MARK-fifo
	mkfifo "$fifo"
	# the fourth job fails when the test writes to the FIFO
	write_jobs 3 ": < $fifo; exit 3"
	TMPDIR=$SPILL start_lanes "$JOBS" -j4 --halt now,fail=1
	wait_running 3
	: >"$fifo"
	wait_lanes 5
	show
	[ "$status" -eq 3 ]
	check_clean
}

@test "after SIGINT, no process of any job and no temporary file is left" {
	signal_test INT 130
}

@test "after SIGTERM, no process of any job and no temporary file is left" {
	signal_test TERM 143
}

@test "after SIGHUP, no process of any job and no temporary file is left" {
	signal_test HUP 129
}

# System calls are what a job costs lanes itself. The target is 12 a job
# with grouped output; make bench (B1) reports the figure beside xargs'.
@test "lanes makes at most 12 system calls per job with grouped output (strace -c, 1000 true jobs, -j2)" {
	command -v strace >/dev/null || skip "strace is not installed"
	local calls
	seq 1000 >"$BATS_TEST_TMPDIR/input"
	strace -c -o "$BATS_TEST_TMPDIR/strace" lanes -j2 true <"$BATS_TEST_TMPDIR/input"
	cat "$BATS_TEST_TMPDIR/strace"
	calls=$(awk '$NF == "total" { print $4 }' "$BATS_TEST_TMPDIR/strace")
	echo "$calls system calls for 1000 jobs"
	[ "$calls" -le 12000 ]
}

@test "check-valgrind fails, and says why, when there is no lanes to check" {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	run_cmd '' env LANES="$BATS_TEST_TMPDIR/no-such-lanes" "$BATS_TEST_DIRNAME/helpers/run-valgrind"
	show
	[ "$status" -ne 0 ]
	[[ $stderr == "run-valgrind: $BATS_TEST_TMPDIR/no-such-lanes: not built (run make first)" ]]
}
