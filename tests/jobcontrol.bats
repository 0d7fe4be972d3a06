# Job control and the terminal: Ctrl-Z (SIGTSTP) stops every job and then
# lanes, SIGCONT resumes them all and no timeout counts the time stopped;
# Ctrl-\ (SIGQUIT) ends the run like Ctrl-C; --tty gives a job the
# terminal, and without it a job that uses the terminal is reported and
# ended, never left stopped. Terminals are real: a pty made by script(1).

load helpers/common

# start_in_group JOBFILE [LANES-ARG...]: start_lanes, but with lanes in a
# process group of its own under this shell, as a shell with job control
# runs it: then its SIGTSTP stops it (in an orphaned group the kernel
# would drop it).
start_in_group() {
	local jobs=$1
	shift
	OUT=$BATS_TEST_TMPDIR/stdout
	ERR=$BATS_TEST_TMPDIR/stderr
	perl -e 'setpgrp(0, 0); exec @ARGV or die "exec: $!"' \
		env --default-signal=INT,QUIT,TERM,HUP lanes "$@" <"$jobs" >"$OUT" 2>"$ERR" &
	LANES_PID=$!
	BG_PIDS+=("$LANES_PID")
}

# states_of MARK: the State letters of lanes and of every marked process.
states_of() {
	local pid
	proc_state "/proc/$LANES_PID"
	for pid in $(marked_pids "$1"); do proc_state "/proc/$pid"; done
}

# in_pty COMMAND [INPUT]: runs COMMAND (a shell line) on a new terminal,
# typing INPUT into it after half a second. Sets $status and $output
# (what the terminal showed, CRs removed).
in_pty() {
	command -v script >/dev/null || skip "script(1) (util-linux) is not installed"
	status=0
	# the typing side stays open after it has typed, until script is done
	timeout -k 2 15 script -qec "$1" /dev/null >"$BATS_TEST_TMPDIR/pty" 2>&1 \
		< <(sleep 0.5; printf '%s' "${2:-}"; exec sleep 15 3>&-) || status=$?
	kill "$!" 2>/dev/null || true
	output=$(tr -d '\r' <"$BATS_TEST_TMPDIR/pty")
}

@test "SIGTSTP stops every job's process group and then lanes; SIGCONT resumes them all" {
	printf '%s\n' "$SLEEP 1 & $SLEEP 1; echo one" "$SLEEP 1; echo two" >"$BATS_TEST_TMPDIR/jobs"
	start_in_group "$BATS_TEST_TMPDIR/jobs" -j2 -k
	wait_marked "$MARK" 3
	kill -TSTP "$LANES_PID"
	local i states
	for ((i = 0; i < 100; i++)); do
		states=$(states_of "$MARK" | sort -u | tr -d '\n')
		[ "$states" = T ] && break
		sleep 0.02
	done
	echo "states after SIGTSTP: $(states_of "$MARK" | tr '\n' ' ')"
	[ "$states" = T ]
	# stopped means stopped: still so a while later, jobs unfinished
	sleep 1.5
	[ "$(states_of "$MARK" | sort -u | tr -d '\n')" = T ]
	[ ! -s "$BATS_TEST_TMPDIR/stdout" ]
	kill -CONT "$LANES_PID"
	wait_lanes 10
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'one\ntwo' ]
	[ -z "$stderr" ]
}

@test "a job's --timeout does not count the time lanes was stopped" {
	# the job needs 1.5 s and has a timeout of 1 s of running time; it is
	# stopped from 0.3 s to 2.3 s. Counting that time it would time out.
	printf '%s\n' "$SLEEP 1.5; echo finished" >"$BATS_TEST_TMPDIR/jobs"
	start_in_group "$BATS_TEST_TMPDIR/jobs" --timeout 2.5
	wait_marked "$MARK" 1
	kill -TSTP "$LANES_PID"
	sleep 2
	kill -CONT "$LANES_PID"
	wait_lanes 10
	show
	[ "$status" -eq 0 ]
	[ "$output" = finished ]
	[ -z "$stderr" ]
}

@test "a job's --timeout still fires after a stop, counting only the time it ran" {
	printf '%s\n' "$SLEEP 30" >"$BATS_TEST_TMPDIR/jobs"
	start_in_group "$BATS_TEST_TMPDIR/jobs" --timeout 1 --joblog "$BATS_TEST_TMPDIR/log"
	wait_marked "$MARK" 1
	kill -TSTP "$LANES_PID"
	sleep 1.5
	kill -CONT "$LANES_PID"
	wait_lanes 10
	show
	[ "$status" -eq 1 ]
	[[ $stderr == "lanes: job 1 timed out after 1s: "* ]]
	# the joblog's runtime is wall time: the 1.5 s stopped and the 1 s run
	awk -F'\t' 'NR == 2 && $4 >= 2.4 && $7 == -1 { ok = 1 } END { exit !ok }' "$BATS_TEST_TMPDIR/log"
	wait_unmarked "$MARK" 1
}

@test "SIGQUIT (Ctrl-\\) ends every job like SIGINT, and lanes exits 131" {
	printf '%s\n' "$SLEEP 100 & $SLEEP 100" "$SLEEP 100" >"$BATS_TEST_TMPDIR/jobs"
	start_lanes "$BATS_TEST_TMPDIR/jobs" -j2
	wait_marked "$MARK" 3
	kill -QUIT "$LANES_PID"
	wait_lanes 5
	show
	[ "$status" -eq 131 ]
	[[ $stderr == "lanes: SIGQUIT: ending 2 running jobs" ]]
	wait_unmarked "$MARK" 1
}

@test "with --tty a job reads the terminal, as its foreground process group" {
	# shellcheck disable=SC2016 # the job's shell expands these
	in_pty 'lanes --tty '\''read x; echo "got $x"; set -- $(cut -d")" -f2 /proc/$$/stat); echo "pgrp=$3 tpgid=$6"'\'' ::: 1' $'hello\n'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"got hello"* ]]
	[[ $output =~ pgrp=([0-9]+)\ tpgid=([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
}

@test "with --tty lanes takes the terminal back after each job" {
	in_pty 'lanes --tty '\''read x; echo "got $x"'\'' ::: 1 2; echo "lanes exited $?"; read y; echo "shell got $y"' $'a\nb\nc\n'
	echo "$output"
	[[ $output == *"got a 1"* ]]
	[[ $output == *"got b 2"* ]]
	[[ $output == *"lanes exited 0"* ]]
	[[ $output == *"shell got c"* ]]
}

@test "without --tty a job that reads the terminal is reported and ended, not left stopped" {
	in_pty 'lanes '\''read x < /dev/tty; echo "got $x"'\'' ::: 1; echo "lanes exited $?"'
	echo "$output"
	[[ $output == *"lanes: job 1 was stopped for reading the terminal (SIGTTIN); ending it (a job that uses the terminal needs --tty)"* ]]
	[[ $output == *"lanes exited 1"* ]]
	# the job read nothing: it never got to its echo
	! grep -q '^got' "$BATS_TEST_TMPDIR/pty"
}

@test "without --tty a job that sets up the terminal (stty) is reported and ended" {
	in_pty 'lanes '\''stty {} < /dev/tty'\'' ::: -echo; echo "lanes exited $?"'
	echo "$output"
	[[ $output == *"lanes: job 1 was stopped for setting up the terminal (SIGTTOU)"* ]]
	[[ $output == *"lanes exited 1"* ]]
}

@test "--tty runs one job at a time: another -j is a usage error" {
	run_lanes '' --tty -j4 echo ::: a
	show
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --tty: runs one job at a time (a terminal has one foreground job): cannot be combined with -j 4" ]
	[ -z "$output" ]
}

@test "--tty without a terminal is an error before any job runs" {
	run_cmd '' setsid lanes --tty echo ::: a
	show
	[ "$status" -eq 255 ]
	[[ $stderr == "lanes: --tty: /dev/tty: "* ]]
	[ -z "$output" ]
}
