# How many jobs run at once: -j/--jobs/-P in all its forms and the default,
# measured by the jobs themselves (see concurrency_jobs in helpers/common).

load helpers/common

# run_concurrency COUNT SECONDS [LANES-ARG...]: runs COUNT jobs that each
# sleep SECONDS through `lanes ARGS` (or through $LAUNCH, e.g. taskset,
# when set) and sets $max to the most that ran at once.
run_concurrency() {
	local count=$1 seconds=$2 log=$BATS_TEST_TMPDIR/conc.log
	shift 2
	: >"$log"
	run_cmd "$(concurrency_jobs "$count" "$seconds" "$log")" ${LAUNCH:-} lanes "$@"
	max=$(max_concurrent "$log")
	show
	echo "max concurrent: $max; starts logged: $(grep -c '^+' "$log")"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^+' "$log")" -eq "$count" ]
	[ "$(grep -c '^-' "$log")" -eq "$count" ]
}

@test "-j3 runs exactly 3 jobs at a time, never more" {
	run_concurrency 12 0.2 -j3
	[ "$max" -eq 3 ]
}

@test "--jobs 2 runs 2 jobs at a time" {
	run_concurrency 4 0.2 --jobs 2
	[ "$max" -eq 2 ]
}

@test "-P 4 (the xargs spelling) runs 4 jobs at a time" {
	run_concurrency 8 0.2 -P 4
	[ "$max" -eq 4 ]
}

@test "-j1 runs one job at a time" {
	run_concurrency 3 0.1 -j1
	[ "$max" -eq 1 ]
}

@test "without -j, lanes runs one job at a time on one usable CPU (taskset -c 0)" {
	LAUNCH="taskset -c 0" run_concurrency 3 0.2
	[ "$max" -eq 1 ]
}

@test "without -j, lanes runs as many jobs as usable CPUs (taskset -c 0,1)" {
	[ "$(nproc --all)" -ge 2 ] || skip "needs 2 CPUs, this machine has $(nproc --all)"
	if [ -r /sys/fs/cgroup/cpu.max ] && read -r quota period </sys/fs/cgroup/cpu.max &&
		[ "$quota" != max ] && [ $((quota / period)) -lt 2 ]; then
		skip "the cgroup cpu.max quota allows fewer than 2 CPUs"
	fi
	LAUNCH="taskset -c 0,1" run_concurrency 4 0.2
	[ "$max" -eq 2 ]
}

@test "-j 300% on one usable CPU runs 3 jobs at a time" {
	LAUNCH="taskset -c 0" run_concurrency 4 0.2 -j 300%
	[ "$max" -eq 3 ]
}

@test "-j +2 on one usable CPU runs 3 jobs at a time" {
	LAUNCH="taskset -c 0" run_concurrency 4 0.2 -j +2
	[ "$max" -eq 3 ]
}

@test "-j -1 on two usable CPUs runs 1 job at a time" {
	[ "$(nproc --all)" -ge 2 ] || skip "needs 2 CPUs, this machine has $(nproc --all)"
	LAUNCH="taskset -c 0,1" run_concurrency 3 0.15 -j -1
	[ "$max" -eq 1 ]
}

@test "-j 0 runs all the jobs at once" {
	LAUNCH="taskset -c 0" run_concurrency 12 0.4 -j 0
	[ "$max" -eq 12 ]
}

@test "-j 1000 is accepted and runs that many jobs at once" {
	# Starting a shell costs several ms on a small machine, so 60 jobs of
	# 1.2 s stand in for 1000; most of them must overlap.
	run_concurrency 60 1.2 -j 1000
	[ "$max" -ge 45 ]
}

@test "-j 1000 still runs every job when file descriptors are scarce" {
	local log=$BATS_TEST_TMPDIR/conc.log input
	: >"$log"
	input=$(concurrency_jobs 50 0.05 "$log")
	status=0
	(
		ulimit -n 64
		printf '%s\n' "$input" | timeout -k 2 20 lanes -j 1000 >"$BATS_TEST_TMPDIR/stdout" 2>"$BATS_TEST_TMPDIR/stderr"
	) || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/stdout")
	stderr=$(cat "$BATS_TEST_TMPDIR/stderr")
	show
	max=$(max_concurrent "$log")
	echo "max concurrent: $max; starts: $(grep -c '^+' "$log"); ends: $(grep -c '^-' "$log")"
	# lanes may say it runs fewer at once; it must not fail or lose jobs
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(grep -c '^+' "$log")" -eq 50 ]
	[ "$(grep -c '^-' "$log")" -eq 50 ]
	[ "$max" -ge 2 ]
}
