# Reading jobs from standard input and running them: one job per non-empty
# line, direct exec or shell with the same meaning, the job's environment
# (LANES_SEQ, LANES_SLOT) and its standard input.

load helpers/common

@test "every input line runs once as a shell command line" {
	run_lanes $'echo one\necho two; echo three\nprintf "%s\\n" four | tr f F\n' -j1
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'one\ntwo\nthree\nFour' ]
	[ -z "$stderr" ]
}

@test "blank lines are skipped and run nothing" {
	run_lanes $'\necho a\n\n\necho b\n\n' -j1
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'a\nb' ]
	[ -z "$stderr" ]
}

@test "a last line without a newline is still a job" {
	run_lanes $'echo a\necho b' -j1
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'a\nb' ]
}

@test "empty input runs no job, prints nothing and exits 0" {
	run_lanes ''
	show
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "input of only blank lines runs no job and exits 0" {
	run_lanes $'\n\n\n'
	show
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "a line that needs no shell means what it means to sh" {
	# Lines a direct-exec fast path could take, and a few that need the
	# shell; lanes' output must equal running each line with sh -c.
	local lines=(
		"printf %s- plain   spaced	words"
		"printf '<%s>\\n' 'a b' c"
		"printf '<%s>\\n' a'b c'd"
		"printf '<%s>\\n' '' x"
		"printf '<%s>\\n' 'it''s'"
		"printf '<%s>\\n' \"double quoted\""
		"printf '<%s>\\n' a\\ b"
		"printf '<%s>\\n' \$HOME"
		"printf '<%s>\\n' ~"
		"printf '<%s>\\n' x#y #comment"
		"env LANES_T=1 printf '<%s>\\n' ok"
		"LANES_T=2 sh -c 'echo \$LANES_T'"
		"cd / && pwd"
		"true && printf '<%s>\\n' after-true"
	)
	local line input='' expected
	for line in "${lines[@]}"; do
		input+="$line"$'\n'
	done
	expected=$(for line in "${lines[@]}"; do sh -c "$line"; done)
	run_lanes "$input" -j1
	show
	echo "--- expected:"
	printf '%s\n' "$expected"
	[ "$status" -eq 0 ]
	[ "$output" = "$expected" ]
}

@test "at -j1 jobs run and print in input order" {
	local i input=''
	for i in $(seq 1 30); do input+="echo $i"$'\n'; done
	run_lanes "$input" -j1
	show
	[ "$status" -eq 0 ]
	[ "$output" = "$(seq 1 30)" ]
}

@test "at -j1 a job starts only after the previous one ended" {
	local log=$BATS_TEST_TMPDIR/log i input=''
	for i in 1 2 3 4 5; do
		input+="echo start $i >> $log; sleep 0.05; echo end $i >> $log"$'\n'
	done
	run_lanes "$input" -j1
	show
	cat "$log"
	[ "$status" -eq 0 ]
	[ "$(cat "$log")" = "$(for i in 1 2 3 4 5; do echo "start $i"; echo "end $i"; done)" ]
}

@test "jobs are started in input order" {
	# Job N logs N as it starts. With -j2 and equal sleeps, two jobs
	# started together may log in either order, but a job can only start
	# after an earlier one has ended, so in FIFO order job N is logged at
	# position N-1, N or N+1.
	local log=$BATS_TEST_TMPDIR/log i input=''
	for i in $(seq 1 8); do
		input+="echo $i >> $log; sleep 0.1"$'\n'
	done
	run_lanes "$input" -j2
	show
	cat "$log"
	[ "$status" -eq 0 ]
	[ "$(sort -n "$log")" = "$(seq 1 8)" ]
	# the position of each job in the start log is off by at most 1
	awk '{ if ($1 - NR > 1 || NR - $1 > 1) { print "job " $1 " started at position " NR; bad = 1 } }
	     END { exit bad }' "$log"
}

@test "LANES_SEQ numbers the jobs 1, 2, 3 ... in input order" {
	local i input=''
	for i in $(seq 1 12); do input+="echo $i \$LANES_SEQ"$'\n'; done
	run_lanes "$input" -j4
	show
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sort -n)" = "$(for i in $(seq 1 12); do echo "$i $i"; done)" ]
}

@test "LANES_SLOT stays within 1..N and is never shared by two running jobs" {
	local log=$BATS_TEST_TMPDIR/log input='' i
	for i in $(seq 1 9); do
		input+="echo + \$LANES_SLOT >> $log; sleep 0.1; echo - \$LANES_SLOT >> $log"$'\n'
	done
	run_lanes "$input" -j3
	show
	cat "$log"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^+' "$log")" -eq 9 ]
	awk '
		$2 !~ /^[0-9]+$/ || $2 < 1 || $2 > 3 { print "slot out of range: " $0; bad = 1 }
		$1 == "+" { if (busy[$2]) { print "slot " $2 " given to two running jobs"; bad = 1 } busy[$2] = 1; used[$2]++ }
		$1 == "-" { busy[$2] = 0 }
		END { for (s = 1; s <= 3; s++) if (!used[s]) { print "slot " s " never used"; bad = 1 }
		      exit bad }' "$log"
}

@test "LANES_SLOT is 1 for every job at -j1" {
	run_lanes $'echo $LANES_SLOT\necho $LANES_SLOT\necho $LANES_SLOT\n' -j1
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'1\n1\n1' ]
}

@test "a job's standard input is /dev/null" {
	run_lanes $'readlink /proc/self/fd/0\n'
	show
	[ "$status" -eq 0 ]
	[ "$output" = /dev/null ]
}

@test "a job running cat reads nothing even though lanes' input has more lines" {
	run_lanes $'cat\necho after\necho last\n' -j1
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'after\nlast' ]
	[ "$elapsed_ms" -lt 5000 ]
}

@test "a job never reads the lines that lanes has not read yet" {
	# The second line arrives while the first job runs; a job sharing
	# lanes' stdin would read it (and lanes would never run it).
	local t0
	t0=$(now_ms)
	status=0
	output=$({ echo 'read x; echo "got [$x]"; sleep 0.5'; sleep 0.2; echo 'echo second'; } |
		timeout 10 lanes -j1) || status=$?
	elapsed_ms=$(($(now_ms) - t0))
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'got []\nsecond' ]
}

@test "--shell chooses the shell for lines that need one" {
	local shell=$BATS_TEST_TMPDIR/myshell
	printf '#!/bin/sh\necho used >> %s/shell-log\nexec /bin/sh "$@"\n' "$BATS_TEST_TMPDIR" >"$shell"
	chmod +x "$shell"
	run_lanes $'echo a; echo b\n' --shell "$shell"
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'a\nb' ]
	[ "$(cat "$BATS_TEST_TMPDIR/shell-log")" = used ]
}
