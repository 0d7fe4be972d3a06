# --slurm and --slurm-args, against a real single-node Slurm (munged,
# slurmctld, slurmd on loopback ports: tests/helpers/slurm.bash): inside an
# allocation every job is a step and -j is its task count; outside one each
# job is a job of its own; exit statuses pass through, the joblog names the
# node, and a timeout or Ctrl-C leaves no step or process behind.

load helpers/common
load helpers/slurm

setup_file() {
	slurm_start
	export SLURM_UP SLURM_WHY SLURM_DIR SLURM_CONF
}

teardown_file() {
	slurm_stop
}

# no_steps_left TEXT: waits up to 5 s for Slurm to have no step and this
# machine no process whose command line has TEXT.
no_steps_left() {
	local i
	for ((i = 0; i < 100; i++)); do
		if [ -z "$(slurm_steps)" ] && ! pgrep -f "$1" >/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	echo "left: steps [$(slurm_steps | tr '\n' ' ')], processes:"
	pgrep -af "$1"
	return 1
}

@test "outside an allocation each job is a one-task Slurm job; statuses pass through, the joblog names the node" {
	slurm_need
	log=$BATS_TEST_TMPDIR/log
	run_lanes '' --slurm -k --joblog "$log" 'echo {} $SLURMD_NODENAME $SLURM_NTASKS; exit {}' ::: 0 3 0
	show
	[ "$status" -eq 1 ]
	[ "$output" = "0 $SLURM_NODE 1"$'\n'"3 $SLURM_NODE 1"$'\n'"0 $SLURM_NODE 1" ]
	[ "$(awk -F'\t' 'NR > 1 { print $2 }' "$log" | sort -u)" = "$SLURM_NODE" ]
	[ "$(awk -F'\t' 'NR > 1 { print $1 ":" $7 }' "$log" | sort | tr '\n' ' ')" = "1:0 2:3 3:0 " ]
}

@test "inside salloc -n2, -j is the allocation's 2 tasks: every job a step of it, at most 2 at once" {
	slurm_need
	log=$BATS_TEST_TMPDIR/log
	run_cmd '' salloc -Q -n2 lanes --slurm --joblog "$log" 'sleep 0.5; echo $SLURM_JOB_ID.$SLURM_STEP_ID {}' ::: 1 2 3 4 5 6
	show
	[ "$status" -eq 0 ]
	[ "$(lines_of "$output")" -eq 6 ]
	# one allocation, six steps of it
	[ "$(cut -d. -f1 <<<"$output" | sort -u | wc -l)" -eq 1 ]
	[ "$(cut -d' ' -f1 <<<"$output" | sort -u | wc -l)" -eq 6 ]
	[ "$(max_overlap "$log")" -eq 2 ]
}

@test "inside an allocation -j still sets how many steps run at once" {
	slurm_need
	log=$BATS_TEST_TMPDIR/log
	run_cmd '' salloc -Q -n2 lanes --slurm -j1 --joblog "$log" 'sleep 0.3; : {}' ::: 1 2 3
	show
	[ "$status" -eq 0 ]
	[ "$(max_overlap "$log")" -eq 1 ]
}

@test "--timeout cancels the step: nothing is left running" {
	slurm_need
	dur=4$((RANDOM % 10)).$$$RANDOM
	log=$BATS_TEST_TMPDIR/log
	run_cmd '' salloc -Q -n2 lanes --slurm --timeout 0.5 --joblog "$log" "sleep $dur" ::: 1 2
	show
	[ "$status" -eq 2 ]
	[ "$elapsed_ms" -lt 10000 ]
	[ "$(awk -F'\t' 'NR > 1 && $7 == -1' "$log" | wc -l)" -eq 2 ]
	no_steps_left "sleep $dur"
}

@test "a step that ignores TERM is killed by --termseq's KILL step" {
	slurm_need
	dur=4$((RANDOM % 10)).$$$RANDOM
	run_lanes '' --slurm --timeout 0.3 --termseq TERM,300,KILL,25 "trap '' TERM; sleep $dur" ::: 1
	show
	[ "$status" -eq 1 ]
	[ "$elapsed_ms" -lt 10000 ]
	no_steps_left "sleep $dur"
}

@test "SIGINT to lanes cancels its Slurm jobs and exits 130" {
	slurm_need
	dur=4$((RANDOM % 10)).$$$RANDOM
	start_lanes /dev/null --slurm "sleep $dur" ::: 1 2
	for ((i = 0; i < 100; i++)); do
		[ "$(pgrep -fc "^sleep $dur")" -ge 2 ] && break
		sleep 0.05
	done
	kill -INT "$LANES_PID"
	wait_lanes 10
	show
	[ "$status" -eq 130 ]
	no_steps_left "sleep $dur"
}

@test "lanes killed with SIGKILL leaves no step running" {
	# what a lanes killed so leaves behind (its private directory) stays in here
	export TMPDIR=$BATS_TEST_TMPDIR
	slurm_need
	dur=4$((RANDOM % 10)).$$$RANDOM
	start_lanes /dev/null --slurm "sleep $dur" ::: 1
	for ((i = 0; i < 100; i++)); do
		pgrep -f "^sleep $dur" >/dev/null && break
		sleep 0.05
	done
	kill -KILL "$LANES_PID"
	wait_lanes 5 || true
	no_steps_left "sleep $dur"
}

@test "--slurm-args go to srun; one it refuses is the job's failure, with srun's reason" {
	slurm_need
	run_lanes '' --slurm --slurm-args "--job-name=lanes-$MARK" 'echo $SLURM_JOB_NAME; : {}' ::: 1
	show
	[ "$status" -eq 0 ]
	[ "$output" = "lanes-$MARK" ]
	run_lanes '' --slurm --slurm-args "-p no-such-partition" --joblog - true ::: 1
	show
	[ "$status" -eq 1 ]
	[[ $stderr == *"no-such-partition"* || $stderr == *"nvalid partition"* ]]
}

@test "--workdir: the step runs in it, as srun starts there" {
	slurm_need
	run_lanes '' --slurm --workdir "$BATS_TEST_TMPDIR/w" pwd ::: 1
	show
	[ "$status" -eq 0 ]
	[ "$output" = "$BATS_TEST_TMPDIR/w" ]
}

@test "--pipe blocks reach the step's stdin through srun" {
	slurm_need
	run_lanes "$(seq 10)"$'\n' --slurm --pipe -N4 -k 'paste -sd+ | bc'
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'10\n26\n19' ]
}

@test "--slurm usage errors are one line before any job" {
	for args in "--slurm-args -v" "--slurm -S 127.0.0.2" "--slurm --tty" "--slurm --semaphore"; do
		# shellcheck disable=SC2086 # the words of each case
		run_lanes '' $args echo
		echo "case: $args"
		show
		[ "$status" -eq 255 ]
		[ "$(lines_of "$stderr")" -eq 1 ]
		[[ $stderr == "lanes: "* ]]
	done
}

@test "--slurm without srun in PATH says so" {
	bin=$BATS_TEST_TMPDIR/bin
	mkdir "$bin"
	ln -s "$(command -v lanes)" "$bin/lanes"
	for p in sh env timeout; do ln -s "$(command -v $p)" "$bin/$p"; done
	PATH=$bin run_lanes '' --slurm echo ::: 1
	show
	[ "$status" -eq 255 ]
	[[ $stderr == "lanes: --slurm: srun: no such program in PATH"* ]]
}
