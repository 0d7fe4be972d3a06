# Where and how the jobs' output is printed: --group (default), --line-buffer,
# --ungroup, --keep-order, --tag, --tagstring; stdout and stderr kept apart;
# and a reader that goes away early.

load helpers/common

# check_blocks FILE LETTERS BYTES: FILE holds, for each letter of LETTERS,
# exactly one contiguous run of lines "letter\n" totalling BYTES bytes.
check_blocks() {
	local file=$1 letters=$2 bytes=$3 size runs letter count i
	size=$(wc -c <"$file")
	echo "$file: $size bytes"
	[ "$size" -eq $((${#letters} * bytes)) ] || { echo "wrong size: $size"; return 1; }
	# every line is a single letter
	count=$(grep -cvx "[$letters]" "$file" || true)
	[ "$count" -eq 0 ] || { echo "$count lines are not a single letter"; return 1; }
	for ((i = 0; i < ${#letters}; i++)); do
		letter=${letters:i:1}
		count=$(tr -cd "$letter" <"$file" | wc -c)
		[ "$count" -eq $((bytes / 2)) ] || { echo "letter $letter: $count, expected $((bytes / 2))"; return 1; }
	done
	# squeezing runs of one letter leaves each letter exactly once
	runs=$(tr -d '\n' <"$file" | tr -s "$letters")
	echo "runs: $runs"
	[ "${#runs}" -eq "${#letters}" ] || { echo "output of jobs is interleaved"; return 1; }
	[ "$(echo "$runs" | fold -w1 | sort | tr -d '\n')" = "$(echo "$letters" | fold -w1 | sort | tr -d '\n')" ]
}

@test "--group (the default) never mixes several MB of output of different jobs" {
	local input='' l L out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
	for l in a b c d; do
		L=$(echo "$l" | tr a-d A-D)
		input+="yes $l | head -c 3000000; yes $L | head -c 1000000 >&2"$'\n'
	done
	status=0
	printf '%s' "$input" | timeout 30 lanes -j4 >"$out" 2>"$err" || status=$?
	echo "status: $status"
	[ "$status" -eq 0 ]
	check_blocks "$out" abcd 3000000
	check_blocks "$err" ABCD 1000000
}

@test "--group is the default and prints a job's output only when it ends" {
	run_lanes $'echo a1; sleep 0.4; echo a2\nsleep 0.2; echo b1\n' -j2
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'b1\na1\na2' ]
}

@test "--group prints each job's stdout whole, then its stderr whole" {
	local i input='' expected=''
	for i in 1 2 3 4 5 6; do
		input+="echo out1-$i; sleep 0.0$i; echo err1-$i >&2; sleep 0.0$i; echo out2-$i; echo err2-$i >&2"$'\n'
	done
	status=0
	printf '%s' "$input" | timeout 10 lanes -j3 --group >"$BATS_TEST_TMPDIR/both" 2>&1 || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/both")
	show
	[ "$status" -eq 0 ]
	[ "$(lines_of "$output")" -eq 24 ]
	for i in 1 2 3 4 5 6; do
		printf '%s\n' "$output" | grep -A3 -x "out1-$i" >"$BATS_TEST_TMPDIR/block"
		[ "$(cat "$BATS_TEST_TMPDIR/block")" = "$(printf '%s\n' "out1-$i" "out2-$i" "err1-$i" "err2-$i")" ]
	done
}

@test "--line-buffer prints lines as they come, interleaving jobs" {
	run_lanes $'echo a1; sleep 0.4; echo a2\nsleep 0.2; echo b1\n' -j2 --line-buffer
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'a1\nb1\na2' ]
}

@test "--lb is --line-buffer" {
	run_lanes $'echo a1; sleep 0.4; echo a2\nsleep 0.2; echo b1\n' -j2 --lb
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'a1\nb1\na2' ]
}

@test "--line-buffer never cuts a line, even one written in pieces" {
	run_lanes $'printf x; sleep 0.4; echo y\nsleep 0.2; echo z\n' -j2 --line-buffer
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'z\nxy' ]
}

@test "--line-buffer keeps every line of big interleaved outputs whole" {
	local a b
	a=$(printf 'a%.0s' $(seq 1 61))
	b=$(printf 'b%.0s' $(seq 1 37))
	status=0
	printf '%s\n' "yes $a | head -n 100000" "yes $b | head -n 100000" "yes $a | head -n 100000 >&2" |
		timeout 30 lanes -j3 --line-buffer >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || status=$?
	echo "status: $status"
	sort "$BATS_TEST_TMPDIR/out" | uniq -c | head
	[ "$status" -eq 0 ]
	[ "$(sort "$BATS_TEST_TMPDIR/out" | uniq -c | awk '{ print $1, length($2) }')" = $'100000 61\n100000 37' ]
	[ "$(sort "$BATS_TEST_TMPDIR/err" | uniq -c | awk '{ print $1, length($2) }')" = '100000 61' ]
}

@test "--ungroup lets jobs write straight through, even half lines" {
	run_lanes $'printf x; sleep 0.4; echo y\nsleep 0.2; echo z\n' -j2 --ungroup
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'xz\ny' ]
}

@test "-u is --ungroup" {
	run_lanes $'echo a1; sleep 0.4; echo a2\nsleep 0.2; echo b1\n' -j2 -u
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'a1\nb1\na2' ]
}

@test "-k prints in input order even when the first job is the slowest" {
	run_lanes $'sleep 0.3; echo 1\necho 2\necho 3\n' -j3 -k
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'1\n2\n3' ]
}

@test "without -k the slow first job prints last" {
	run_lanes $'sleep 0.3; echo 1\necho 2\necho 3\n' -j3
	show
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | tail -n 1)" = 1 ]
	[ "$(printf '%s\n' "$output" | sort)" = $'1\n2\n3' ]
}

@test "--keep-order keeps input order with more jobs than slots" {
	local i input=''
	# job i sleeps (10 - i) * 0.05 s: the later the job, the sooner it ends
	for i in $(seq 1 10); do input+="sleep 0.$(((10 - i) * 5 / 10))$(((10 - i) * 5 % 10)); echo $i"$'\n'; done
	run_lanes "$input" -j4 --keep-order
	show
	[ "$status" -eq 0 ]
	[ "$output" = "$(seq 1 10)" ]
}

@test "-k keeps the order of stderr too" {
	run_lanes $'sleep 0.3; echo e1 >&2\necho e2 >&2\necho e3 >&2\n' -j3 -k
	show
	[ "$status" -eq 0 ]
	[ "$stderr" = $'e1\ne2\ne3' ]
}

@test "-k does not hold back the runs of later jobs" {
	# While the slow first job runs, the other slots keep running jobs;
	# each job logs its number as it ends.
	local i log=$BATS_TEST_TMPDIR/log input
	input="sleep 0.6; echo \$LANES_SEQ >> $log; echo 1"$'\n'
	for i in $(seq 2 9); do input+="sleep 0.05; echo \$LANES_SEQ >> $log; echo $i"$'\n'; done
	run_lanes "$input" -j3 -k
	show
	cat "$log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(seq 1 9)" ]
	# 8 jobs of 0.05 s on 2 free slots fit in 0.6 s; ask for half of them
	[ "$(sed '/^1$/q' "$log" | grep -vcx 1)" -ge 4 ]
}

@test "-k behind a slow first job does not run out of file descriptors" {
	# 100 jobs finish while the first still runs; holding an open file
	# for each of them would exceed a limit of 64.
	local i input=$'sleep 0.5; echo 1\n'
	for i in $(seq 2 100); do input+="echo $i"$'\n'; done
	status=0
	(
		ulimit -n 64
		printf '%s' "$input" | timeout -k 2 20 lanes -k -j4 >"$BATS_TEST_TMPDIR/stdout" 2>"$BATS_TEST_TMPDIR/stderr"
	) || status=$?
	slurp output "$BATS_TEST_TMPDIR/stdout"
	slurp stderr "$BATS_TEST_TMPDIR/stderr"
	show
	[ "$status" -eq 0 ]
	[ "$output" = "$(seq 1 100)" ]
}

@test "--tag prefixes every stdout line with the job's command line and a TAB" {
	run_lanes $'echo a\necho b; echo c\n' -j1 --tag
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'echo a\ta\necho b; echo c\tb\necho b; echo c\tc' ]
}

@test "--tag prefixes stderr lines too" {
	run_lanes $'echo e >&2\n' --tag
	show
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = $'echo e >&2\te' ]
}

@test "--tag works with --line-buffer" {
	run_lanes $'echo a1; sleep 0.4; echo a2\nsleep 0.2; echo b1\n' -j2 --lb --tag
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'echo a1; sleep 0.4; echo a2\ta1\nsleep 0.2; echo b1\tb1\necho a1; sleep 0.4; echo a2\ta2' ]
}

@test "--tagstring prefixes every line with the string and a TAB" {
	run_lanes $'echo a; echo b\necho c\n' -j1 --tagstring 'my tag'
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'my tag\ta\nmy tag\tb\nmy tag\tc' ]
}

@test "jobs' stdout goes to stdout and their stderr to stderr, in every mode" {
	local mode
	for mode in --group --line-buffer --ungroup --keep-order; do
		run_lanes $'echo out1; echo err1 >&2\necho out2; echo err2 >&2\n' -j1 $mode
		echo "mode $mode"
		show
		[ "$status" -eq 0 ]
		[ "$output" = $'out1\nout2' ]
		[ "$stderr" = $'err1\nerr2' ]
	done
}

@test "a job's output without a final newline is printed whole" {
	run_lanes $'printf abc\n' -j1
	show
	[ "$status" -eq 0 ]
	[ "$output" = abc ]
}

# head_pipe LANES-ARG...: yes 'echo x' | lanes ARGS | head -n 3, bounded by
# timeout 10; sets $output, $stderr and $lanes_status (timeout's status).
head_pipe() {
	local t0
	t0=$(now_ms)
	output=$(
		yes 'echo x' | timeout -k 2 10 lanes "$@" 2>"$BATS_TEST_TMPDIR/err" | head -n 3
		echo "lanes status: ${PIPESTATUS[1]}" >"$BATS_TEST_TMPDIR/status"
	)
	elapsed_ms=$(($(now_ms) - t0))
	status=$(sed 's/.*: //' "$BATS_TEST_TMPDIR/status")
	stderr=$(cat "$BATS_TEST_TMPDIR/err")
	show
}

@test "lanes stops when its reader goes away: yes | lanes | head -n 3" {
	head_pipe
	# 124/137: timeout had to end lanes
	[ "$status" -ne 124 ]
	[ "$status" -ne 137 ]
	[ "$output" = $'x\nx\nx' ]
}

@test "lanes stops when its reader goes away, with -k" {
	head_pipe -k
	[ "$status" -ne 124 ]
	[ "$status" -ne 137 ]
	[ "$output" = $'x\nx\nx' ]
}

@test "lanes stops when its reader goes away, with --line-buffer" {
	head_pipe --line-buffer
	[ "$status" -ne 124 ]
	[ "$status" -ne 137 ]
	[ "$output" = $'x\nx\nx' ]
}

@test "a reader going away makes no 'Broken pipe' noise" {
	head_pipe
	[ "$status" -ne 124 ]
	[ "$(printf '%s\n' "$stderr" | grep -ci 'broken pipe')" -eq 0 ]
}
