# Faults around lanes: a full or closed standard output, a joblog that
# cannot be written, no room for temporary files, too few file descriptors
# or processes, jobs that misbehave with their output, and odd input. Each
# fault gives a clear one-line message and a documented exit status: never
# a crash (a status of 128 or more from any signal but the documented 141
# of a closed stdout) and never a hang (every run is bounded by timeout).

load helpers/common

# The common teardown, plus what some tests here set up outside
# $BATS_TEST_TMPDIR: a tmpfs mount, and a directory another user can read.
eval "common_$(declare -f teardown)"
teardown() {
	common_teardown
	if [ -n "${MOUNTED:-}" ]; then
		umount "$MOUNTED" 2>/dev/null || umount -l "$MOUNTED" 2>/dev/null || true
		rmdir "$MOUNTED" 2>/dev/null || true
	fi
	if [ -n "${SHARED_DIR:-}" ]; then
		rm -rf "$SHARED_DIR"
	fi
}

# run_files INPUT CMD [ARG...]: like run_cmd, but leaves stdout in $OUT only
# (for outputs too big for a shell variable); $stderr is read as usual.
run_files() {
	run_to_files "$@"
	output="($(wc -c <"$OUT") bytes in $OUT)"
	slurp stderr "$ERR"
}

# spill_jobs COUNT: COUNT jobs that each write 3 MB of "abcdefghi" lines on
# stdout and 2 MB of "ABC" lines on stderr: more than the 1 MiB --group
# keeps in memory, so both streams must spill to a temporary file.
spill_jobs() {
	local i
	for ((i = 1; i <= $1; i++)); do
		echo 'yes abcdefghi | head -c 3000000; yes ABC | head -c 2000000 >&2'
	done
}

# check_spilled_output COUNT: $OUT and $ERR hold exactly what COUNT of
# spill_jobs wrote, every byte of it, apart from lanes' own lines on stderr.
check_spilled_output() {
	local want_out want_err got_out got_err i
	want_out=$(for ((i = 0; i < $1; i++)); do yes abcdefghi | head -c 3000000; done | cksum)
	want_err=$(for ((i = 0; i < $1; i++)); do yes ABC | head -c 2000000; done | cksum)
	got_out=$(cksum <"$OUT")
	got_err=$(grep -av '^lanes: ' "$ERR" | cksum)
	echo "stdout cksum: $got_out (want $want_out)"
	echo "stderr cksum: $got_err (want $want_err)"
	[ "$got_out" = "$want_out" ]
	[ "$got_err" = "$want_err" ]
}

@test "a full stdout (/dev/full) ends lanes with status 255 and one 'write error' line" {
	status=0
	timeout -k 2 10 lanes echo ::: a b >/dev/full 2>"$BATS_TEST_TMPDIR/stderr" || status=$?
	slurp stderr "$BATS_TEST_TMPDIR/stderr"
	show
	[ "$status" -eq 255 ]
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ $stderr == "lanes: "* ]]
	[[ $stderr == *"write error"* ]]
	[[ $stderr == *"No space left on device"* ]]
}

@test "a reader that goes away after one line ends lanes quickly with status 141 and no message" {
	local t0 statuses
	set_now
	t0=$NOW
	yes 'echo x' | timeout -k 2 10 lanes 2>"$BATS_TEST_TMPDIR/stderr" | head -n 1 >"$BATS_TEST_TMPDIR/stdout"
	statuses=${PIPESTATUS[*]}
	set_now
	elapsed_ms=$((NOW - t0))
	status=$(echo "$statuses" | cut -d' ' -f2)
	slurp output "$BATS_TEST_TMPDIR/stdout"
	slurp stderr "$BATS_TEST_TMPDIR/stderr"
	echo "pipeline statuses: $statuses"
	show
	# 124/137 would mean timeout had to end lanes
	[ "$status" -eq 141 ]
	[ "$elapsed_ms" -lt 5000 ]
	[ "$output" = x ]
	[ -z "$stderr" ]
}

@test "a --joblog that cannot be written (/dev/full) gives one warning; jobs run and lanes exits 0" {
	run_lanes '' -k --joblog /dev/full echo ::: a b c
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'a\nb\nc' ]
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ $stderr == "lanes: "*"/dev/full"* ]]
}

@test "with TMPDIR missing, --group warns once about the temporary file and keeps all output" {
	TMPDIR=/nonexistent/lanes-test run_files "$(spill_jobs 2)"$'\n' lanes -j2 --group
	show
	[ "$status" -eq 0 ]
	[ "$(grep -c '^lanes: ' "$ERR")" -eq 1 ]
	[[ $(grep '^lanes: ' "$ERR") == *"temporary file"*"/nonexistent/lanes-test"* ]]
	check_spilled_output 2
}

@test "with TMPDIR on a full filesystem (1 MiB tmpfs), --group warns once and keeps all output" {
	local dir
	dir=$(mktemp -d "$BATS_TEST_TMPDIR/tmpfs.XXXXXX")
	if ! mount -t tmpfs -o size=1m tmpfs "$dir" 2>"$BATS_TEST_TMPDIR/mount.err"; then
		skip "cannot mount a tmpfs here: $(cat "$BATS_TEST_TMPDIR/mount.err")"
	fi
	MOUNTED=$dir
	TMPDIR=$dir run_files "$(spill_jobs 2)"$'\n' lanes -j2 --group
	show
	df -k "$dir"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^lanes: ' "$ERR")" -eq 1 ]
	[[ $(grep '^lanes: ' "$ERR") == *"temporary file"* ]]
	check_spilled_output 2
}

@test "with file descriptors for only a few jobs, -j 100 warns once, runs fewer and loses no job" {
	local log=$BATS_TEST_TMPDIR/conc.log input i running max
	: >"$log"
	input=
	for ((i = 1; i <= 30; i++)); do
		input+="echo + >> $log; sleep 0.1; echo out-$i; echo - >> $log"$'\n'
	done
	status=0
	(
		ulimit -n 40
		printf '%s' "$input" | timeout -k 2 20 lanes -j 100 >"$BATS_TEST_TMPDIR/stdout" 2>"$BATS_TEST_TMPDIR/stderr"
	) || status=$?
	slurp output "$BATS_TEST_TMPDIR/stdout"
	slurp stderr "$BATS_TEST_TMPDIR/stderr"
	show
	max=$(max_concurrent "$log")
	echo "max concurrent: $max"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sort)" = "$(for ((i = 1; i <= 30; i++)); do echo "out-$i"; done | sort)" ]
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ $stderr == "lanes: -j 100: "* ]]
	[[ $stderr =~ running\ ([0-9]+) ]]
	running=${BASH_REMATCH[1]}
	[ "$running" -ge 1 ]
	[ "$running" -lt 100 ]
	# it runs no more at once than it says
	[ "$max" -le "$running" ]
}

@test "when the process limit (RLIMIT_NPROC) refuses a job its process, lanes waits and retries: no job is lost" {
	local as_user=() cmd others limit expected i
	if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	elif runuser -u nobody -- true 2>/dev/null; then
		as_user=(runuser -u nobody --)
	else
		skip "neither setpriv nor runuser can run a command as an unprivileged user"
	fi
	# A directory the unprivileged user can read, with a copy of lanes
	SHARED_DIR=$(mktemp -d /tmp/lanes-nproc.XXXXXX)
	chmod 755 "$SHARED_DIR"
	cp "$(command -v lanes)" "$SHARED_DIR/lanes"
	chmod 755 "$SHARED_DIR/lanes"
	# lanes and at most 3 jobs at once: the processes uid 65534 already has
	# count against the limit too
	others=$(ps -u 65534 -o pid= | wc -l)
	limit=$((others + 4))
	# Each job is one process: sh runs echo itself and execs sleep.
	cmd=(prlimit --nproc="$limit:$limit" "$SHARED_DIR/lanes" -j 10 'echo out-{}; exec sleep 0.2')
	run_files "$(seq 20)"$'\n' "${as_user[@]}" "${cmd[@]}"
	output=$(cat "$OUT")
	echo "as: ${as_user[*]}; RLIMIT_NPROC $limit ($others other processes of uid 65534)"
	show
	expected=$(for ((i = 1; i <= 20; i++)); do echo "out-$i"; done | sort)
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sort)" = "$expected" ]
	# the limit did bite: 20 jobs of 0.2 s at -j10 would take about 0.4 s;
	# three at a time take at least 1.4 s
	[ "$elapsed_ms" -ge 1000 ]
}

@test "a job that closes its stdout early does not disturb the output of the others" {
	local mode input i expected
	input=$'exec >&-; sleep 0.1; echo err >&2\n'
	for ((i = 1; i <= 6; i++)); do
		input+="echo out-$i; sleep 0.0$i; echo more-$i"$'\n'
	done
	expected=$(for ((i = 1; i <= 6; i++)); do echo "out-$i"; echo "more-$i"; done | sort)
	for mode in --group --line-buffer --keep-order; do
		run_lanes "$input" -j3 $mode
		echo "mode $mode"
		show
		[ "$status" -eq 0 ]
		[ "$(printf '%s\n' "$output" | sort)" = "$expected" ]
		[ "$stderr" = err ]
	done
}

# big_line_test MODE: a job writes one line of 100 MB (the issue asks for
# 1 GB; 100 MB keeps the suite fast and crosses every buffer size just the
# same) while two other jobs write 2000 short lines each.
# shellcheck disable=SC2016 # the $i and $(seq 2000) are the jobs', not ours
big_line_test() {
	local input bs cs long offset
	bs=$(printf 'b%.0s' {1..57})
	cs=$(printf 'c%.0s' {1..56})
	input=$'head -c 100000000 /dev/zero | tr \'\\0\' a; echo\n'
	input+='for i in $(seq 2000); do echo "b-$i-'"$bs"$'"; done\n'
	input+='for i in $(seq 2000); do echo "c-$i-'"$cs"$'"; done\n'
	run_files "$input" lanes -j3 "$1"
	show
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# (grep, sed and awk take seconds on a line of 100 MB; cut, head,
	# tail -c and tr do not)
	# exactly one line holds an a: the long one, line $long
	long=$(cut -c1-100 "$OUT" | grep -n a | cut -d: -f1 | tr '\n' ' ')
	echo "lines with an a: $long"
	[[ $long =~ ^[0-9]+\ $ ]]
	long=${long% }
	# it holds nothing but a's
	offset=$(head -n $((long - 1)) "$OUT" | wc -c)
	[ "$(tail -c +$((offset + 1)) "$OUT" | head -n 1 | tr -d a | od -An -c | tr -d ' ')" = '\n' ]
	# with the a's taken out, the rest is the 4000 short lines, each whole
	# and once, and the empty line that was the long one
	{ echo; seq 2000 | sed "s/.*/b-&-$bs/"; seq 2000 | sed "s/.*/c-&-$cs/"; } |
		LC_ALL=C sort >"$BATS_TEST_TMPDIR/expected"
	# and all that is left of the size is the 100000000 a's
	[ "$(wc -c <"$OUT")" -eq $(($(wc -c <"$BATS_TEST_TMPDIR/expected") + 100000000)) ]
	tr -d a <"$OUT" | LC_ALL=C sort | cmp - "$BATS_TEST_TMPDIR/expected"
}

@test "a 100 MB line arrives whole with --line-buffer, and so do the other jobs' lines" {
	big_line_test --line-buffer
}

@test "a 100 MB line arrives whole with --group, and so do the other jobs' lines" {
	big_line_test --group
}

@test "a job ends when its process ends, though a background process it started still holds its stdout" {
	run_lanes "sh -c '$SLEEP 5 & echo started'"$'\necho other\necho other2\n' -j2 -k
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'started\nother\nother2' ]
	[ -z "$stderr" ]
	# lanes did not wait for the background sleep (GNU parallel and xargs
	# do not either); it is still running, and the test ends it
	[ "$elapsed_ms" -lt 4000 ]
	[ "$(count_marked "$MARK")" -eq 1 ]
}

@test "what a job's background process writes after the job has ended is discarded, and blocks nothing" {
	run_lanes "sh -c '($SLEEP 0.5; echo late; echo late-err >&2) & echo started'"$'\n' --line-buffer
	show
	[ "$status" -eq 0 ]
	[ "$output" = started ]
	[ -z "$stderr" ]
	# the job ended (and its pipes were closed) before the late writes,
	# however long lanes itself took
	wait_unmarked "$MARK" 5
}

@test "--timeout 0.3 ends a job and the background process that shares its output, and lanes ends within about 1 s" {
	run_lanes "sh -c '$SLEEP 100 & echo started; $SLEEP 100'"$'\n' --timeout 0.3
	show
	[ "$status" -eq 1 ]
	[ "$elapsed_ms" -lt 1500 ]
	[[ $stderr == "lanes: job 1 timed out after"* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
	wait_unmarked "$MARK" 1
}

@test "an input line with a NUL byte runs as a job of its own, and the next line too" {
	# a shell string cannot hold a NUL: the input goes through a file
	printf 'echo a\0b\necho c\n' >"$BATS_TEST_TMPDIR/input"
	status=0
	timeout -k 2 10 lanes -k <"$BATS_TEST_TMPDIR/input" >"$BATS_TEST_TMPDIR/stdout" 2>"$BATS_TEST_TMPDIR/stderr" || status=$?
	slurp output "$BATS_TEST_TMPDIR/stdout"
	slurp stderr "$BATS_TEST_TMPDIR/stderr"
	show
	od -c "$BATS_TEST_TMPDIR/stdout"
	[ "$status" -eq 0 ]
	[ "$(lines_of "$output")" -eq 2 ]
	[[ ${output%%$'\n'*} == a* ]]
	[ "${output#*$'\n'}" = c ]
}

@test "an input line of invalid UTF-8 runs, its bytes passed on as they are" {
	run_lanes $'echo \xff\xfe\necho ok\n' -k
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'\xff\xfe\nok' ]
	[ -z "$stderr" ]
}

@test "CRLF line ends: each line runs, and the CR stays part of its last word" {
	run_lanes $'echo a\r\necho b\r\n' -k
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'a\r\nb\r' ]
}

@test "a last input line without a newline still runs" {
	run_lanes $'echo a\necho last' -k
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'a\nlast' ]
}

@test "a 100 kB line from :::: is read whole and passed as one argument" {
	local file=$BATS_TEST_TMPDIR/items
	{ head -c 100000 /dev/zero | tr '\0' x; echo; echo short; } >"$file"
	run_lanes '' -k 'printf %s {} | wc -c' :::: "$file"
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'100000\n5' ]
}

@test "a 1 MB line from :::: is read whole; too long for exec, it fails its job alone with status 126" {
	# Linux refuses any single exec argument over 128 KiB (MAX_ARG_STRLEN), so
	# no tool can pass 1 MB as one argument: lanes must fail that job, as
	# lanes(1) documents, and go on.
	local file=$BATS_TEST_TMPDIR/items
	{ head -c 1000000 /dev/zero | tr '\0' x; echo; echo short; } >"$file"
	run_files '' lanes --dry-run 'printf %s {} | wc -c' :::: "$file"
	[ "$status" -eq 0 ]
	# 'printf %s ' + 1000000 x's + ' | wc -c' + newline, then the short line
	[ "$(head -n 1 "$OUT" | wc -c)" -eq $((10 + 1000000 + 8 + 1)) ]
	run_lanes '' -k --joblog "$BATS_TEST_TMPDIR/log" 'printf %s {} | wc -c' :::: "$file"
	show
	cut -f1,7 "$BATS_TEST_TMPDIR/log"
	[ "$status" -eq 1 ]
	[ "$output" = 5 ]
	[ "$(tail -n +2 "$BATS_TEST_TMPDIR/log" | cut -f1,7 | sort)" = $'1\t126\n2\t0' ]
	[ "$stderr" = "lanes: job 1: its command line (1000018 bytes) is too long for this system: Argument list too long" ]
}

# A grandchild that calls setsid leaves the job's process group, so the
# termseq cannot reach it; if it keeps the job's stdout open, lanes must
# not wait for it once the job itself is gone. (The test kills it after.)
kill_marked() {
	local pid
	for pid in $(marked_pids "$1"); do
		kill -KILL "$pid" 2>/dev/null || true
	done
}
@test "--timeout ends a job whose setsid grandchild holds its stdout, without waiting for the grandchild" {
	run_lanes "setsid $SLEEP 4 & $SLEEP 100"$'\necho other\n' -j2 --timeout 0.3
	show
	[ "$status" -eq 1 ]
	[ "$output" = other ]
	[[ $stderr == *"timed out after 0.3s"* ]]
	[ "$elapsed_ms" -lt 2000 ]
	kill_marked "$MARK"
}

@test "SIGTERM ends lanes at once even when a setsid grandchild holds a job's stdout" {
	printf '%s\n' "setsid $SLEEP 4 & $SLEEP 100" >"$BATS_TEST_TMPDIR/jobs"
	start_lanes "$BATS_TEST_TMPDIR/jobs"
	wait_marked "$MARK" 2
	kill -TERM "$LANES_PID"
	wait_lanes 5
	show
	[ "$status" -eq 143 ]
	[ "$elapsed_ms" -lt 2000 ]
	kill_marked "$MARK"
}
