# --progress, --bar, --eta and SIGUSR1: how far the run is, always on
# stderr, never mixed into the jobs' output.

load helpers/common

# last_line TEXT: the last line of TEXT into LAST.
last_line() {
	LAST=${1##*$'\n'}
	echo "last line: $LAST"
}

@test "--progress, --bar and --eta write only lanes: lines to stderr, ending with 3/3 done" {
	local opt line
	for opt in --progress --bar --eta; do
		run_lanes '' "$opt" -k echo ::: a b c
		echo "$opt"
		show
		[ "$status" -eq 0 ]
		# stdout is exactly the jobs' output
		[ "$output" = $'a\nb\nc' ]
		[ "$(wc -c <"$OUT")" -eq 6 ]
		[ -n "$stderr" ]
		while IFS= read -r line; do
			[[ $line == "lanes: "*done* ]] || { echo "not a progress line: $line"; false; }
		done <"$ERR"
		last_line "$stderr"
		[[ $LAST =~ (^|[^0-9])3/3\ done ]]
		[[ $LAST =~ [0-9]+:[0-9]{2}\ elapsed ]]
		[[ $LAST =~ [0-9]+\.[0-9]/s ]]
		if [ "$opt" = --bar ]; then
			[[ $stderr == *"["* ]]
			[[ $stderr == *"%"* ]]
			[[ $LAST =~ \[#+\]\ *100% ]]
		fi
	done
}

@test "with commands from a pipe the total is unknown: the line says N done" {
	run_lanes $'echo a\necho b\n' --progress
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'a\nb' ] || [ "$output" = $'b\na' ]
	last_line "$stderr"
	[[ $LAST =~ (^|[^/0-9])2\ done ]]
	[[ $stderr != *[0-9]/[0-9]*done* ]]
}

@test "--total 5 gives the total the input cannot" {
	run_lanes $'echo a\necho b\necho c\n' --progress --total 5
	show
	[ "$status" -eq 0 ]
	last_line "$stderr"
	[[ $LAST =~ (^|[^0-9])3/5\ done ]]
}

@test "the progress line counts failed jobs" {
	run_lanes '' --progress sh -c ::: 'exit 1' true 'exit 2'
	show
	[ "$status" -eq 2 ]
	last_line "$stderr"
	[[ $LAST =~ (^|[^0-9])3/3\ done ]]
	[[ $LAST =~ (^|[^0-9])2\ failed ]]
}

@test "off a terminal, the progress line is printed about once a second, with an ETA" {
	# 4 jobs of 0.35 s, one at a time: about 1.4 s, so a line at the
	# start, one after about a second and the final one; not 10 a second.
	run_lanes '' --eta -j1 "$SLEEP" ::: 0.35 0.35 0.35 0.35
	show
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(lines_of "$stderr")" -ge 2 ]
	[ "$(lines_of "$stderr")" -le 4 ]
	[[ $stderr =~ ETA\ [0-9]+:[0-9]{2} ]]
	last_line "$stderr"
	[[ $LAST =~ (^|[^0-9])4/4\ done ]]
}

@test "SIGUSR1 lists the running jobs with their commands on stderr and the run goes on" {
	local jobs=$BATS_TEST_TMPDIR/jobs
	printf '%s 1; echo one\n%s 1; echo two\n' "$SLEEP" "$SLEEP" >"$jobs"
	start_lanes "$jobs" -j2
	wait_marked "$MARK" 2
	kill -USR1 "$LANES_PID"
	wait_lanes 5
	show
	[ "$status" -eq 0 ]
	# Read with sort, not from $output: wait_lanes's alive() can leave the
	# tail of /proc/PID/status in bash's read buffer when lanes exits during
	# the read, and the next `read` (slurp) returns those bytes first.
	[ "$(sort "$OUT")" = $'one\ntwo' ]
	[[ $stderr == *"$SLEEP 1; echo one"* ]]
	[[ $stderr == *"$SLEEP 1; echo two"* ]]
	[ "$(grep -c "$SLEEP 1; echo" "$ERR")" -eq 2 ]
	grep "$SLEEP 1; echo" "$ERR" | grep -q '^lanes: '
}

@test "the progress line is drawn from the start and about once a second while no job ends" {
	run_lanes '' --progress sleep ::: 1.5
	show
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# one line at the start, one a second later, one at the end
	[ "$(lines_of "$stderr")" -ge 3 ]
	[[ ${stderr%%$'\n'*} == "lanes: 0/1 done"* ]]
	[[ $stderr == *"1/1 done"*"0:0"[12]" elapsed"* ]]
}

@test "SIGUSR2 turns the progress line off, and on again" {
	printf 'sleep 1.2\n' >"$BATS_TEST_TMPDIR/jobs"
	start_lanes "$BATS_TEST_TMPDIR/jobs" --progress
	sleep 0.3
	kill -USR2 "$LANES_PID"
	wait_lanes 5
	show
	[ "$status" -eq 0 ]
	# only the line drawn before the signal: none a second later, none at the end
	[ "$(lines_of "$stderr")" -eq 1 ]
}
