# --joblog, --resume, --resume-failed, --retry-failed: one GNU parallel
# style row per finished job, written as the job ends, and runs that pick up
# where an earlier run (of lanes or of GNU parallel) left off.

load helpers/common

HEADER=$'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand'

# split_row ROW: the TAB-separated fields of ROW into the array F (empty
# fields kept, unlike `read -a`, which merges runs of TABs).
split_row() {
	local rest=$1
	F=()
	while [[ $rest == *$'\t'* ]]; do
		F+=("${rest%%$'\t'*}")
		rest=${rest#*$'\t'}
	done
	F+=("$rest")
}

# row_of SEQ FILE: the row of job SEQ into ROW (the last one, if several),
# split into F; fails when FILE has no such row.
row_of() {
	local line
	ROW=
	while IFS= read -r line; do
		[[ $line == "$1"$'\t'* ]] && ROW=$line
	done <"$2"
	[ -n "$ROW" ] || { echo "no row for job $1 in $2"; return 1; }
	split_row "$ROW"
}

# check_row: the fields in F have the shape every row has: 9 columns, Host
# ':', a Starttime %.3f within 5 s of now, a JobRuntime %10.3f, Send 0.
check_row() {
	local start runtime
	echo "row: $ROW"
	[ "${#F[@]}" -eq 9 ]
	[ "${F[1]}" = : ]
	[[ ${F[2]} =~ ^[0-9]+\.[0-9]{3}$ ]]
	start=${F[2]%.*}
	[ $((EPOCHSECONDS - start)) -le 5 ]
	[ $((start - EPOCHSECONDS)) -le 1 ]
	[ "${#F[3]}" -eq 10 ]
	[[ ${F[3]} =~ ^\ *[0-9]+\.[0-9]{3}$ ]]
	printf -v runtime '%10.3f' "${F[3]}"
	[ "$runtime" = "${F[3]}" ]
	[ "${F[4]}" = 0 ]
}

# count_rows FILE: the number of lines of FILE after the header.
count_rows() {
	echo $(($(wc -l <"$1") - 1))
}

need_parallel() {
	command -v parallel >/dev/null 2>&1 ||
		skip "GNU parallel is not installed: cannot check joblog compatibility"
}

@test "the joblog has the header, then rows for a success, an exit 3 and a kill -9" {
	local log=$BATS_TEST_TMPDIR/log
	run_lanes $'echo hello\nprintf 1234567; exit 3\nprintf ab; kill -9 $$\n' -j3 --joblog "$log"
	show
	cat "$log"
	[ "$status" -eq 2 ]
	[ "$(wc -c <"$OUT")" -eq 15 ]
	[ "$(head -n 1 "$log")" = "$HEADER" ]
	[ "$(count_rows "$log")" -eq 3 ]

	row_of 1 "$log"
	check_row
	[ "${F[5]}" = 6 ]
	[ "${F[6]}" = 0 ]
	[ "${F[7]}" = 0 ]
	[ "${F[8]}" = "echo hello" ]

	row_of 2 "$log"
	check_row
	[ "${F[5]}" = 7 ]
	[ "${F[6]}" = 3 ]
	[ "${F[7]}" = 0 ]
	[ "${F[8]}" = "printf 1234567; exit 3" ]

	# killed by a signal: Exitval 0, the signal in Signal
	row_of 3 "$log"
	check_row
	[ "${F[5]}" = 2 ]
	[ "${F[6]}" = 0 ]
	[ "${F[7]}" = 9 ]
	[ "${F[8]}" = 'printf ab; kill -9 $$' ]
}

@test "a timed-out job has Exitval -1 and Signal 15 in its row" {
	local log=$BATS_TEST_TMPDIR/log
	run_lanes "printf abc; $SLEEP 5"$'\n' --joblog "$log" --timeout 0.2
	show
	[ "$status" -eq 1 ]
	row_of 1 "$log"
	check_row
	[ "${F[5]}" = 3 ]
	[ "${F[6]}" = -1 ]
	[ "${F[7]}" = 15 ]
	[ "${F[8]}" = "printf abc; $SLEEP 5" ]
	awk -v t="${F[3]}" 'BEGIN { exit !(t >= 0.19 && t < 1.5) }'
	wait_unmarked "$MARK" 1
}

@test "--joblog FILE truncates FILE; --joblog +FILE appends without a second header" {
	local log=$BATS_TEST_TMPDIR/log
	run_lanes '' --joblog "+$log" echo ::: a
	show
	[ "$status" -eq 0 ]
	[ "$(head -n 1 "$log")" = "$HEADER" ]
	[ "$(count_rows "$log")" -eq 1 ]
	run_lanes '' --joblog "+$log" echo ::: b c
	show
	[ "$status" -eq 0 ]
	[ "$(grep -c '^Seq' "$log")" -eq 1 ]
	[ "$(count_rows "$log")" -eq 3 ]
	run_lanes '' --joblog "$log" echo ::: d
	show
	[ "$status" -eq 0 ]
	[ "$(head -n 1 "$log")" = "$HEADER" ]
	[ "$(count_rows "$log")" -eq 1 ]
	row_of 1 "$log"
	[ "${F[8]}" = "echo d" ]
}

@test "--joblog - writes the header and the rows to stdout" {
	cd "$BATS_TEST_TMPDIR"
	run_lanes '' --joblog - -j1 echo ::: a b
	show
	[ "$status" -eq 0 ]
	[ ! -e ./- ]
	[ "$(head -n 1 "$OUT")" = "$HEADER" ]
	grep -qx a "$OUT"
	grep -qx b "$OUT"
	[ "$(grep -c $'^[12]\t:\t' "$OUT")" -eq 2 ]
	[ "$(wc -l <"$OUT")" -eq 5 ]
	row_of 2 "$OUT"
	check_row
	[ "${F[8]}" = "echo b" ]
}

@test "the rows of finished jobs survive a SIGKILL of lanes, each complete" {
	local log=$BATS_TEST_TMPDIR/log jobs=$BATS_TEST_TMPDIR/jobs pid pgid deadline seq
	printf 'echo a\necho b\n%s 100\n' "$SLEEP" >"$jobs"
	start_lanes "$jobs" -j3 --joblog "$log"
	set_now
	deadline=$((NOW + 5000))
	until [ -f "$log" ] && [ "$(wc -l <"$log")" -ge 3 ]; do
		set_now
		[ "$NOW" -lt "$deadline" ] || { echo "the log never got 2 rows:"; cat "$log"; false; }
		sleep 0.02
	done
	wait_marked "$MARK" 1
	kill -KILL "$LANES_PID"
	wait "$LANES_PID" || true

	cat -A "$log"
	[ "$(tail -c 1 "$log" | od -An -c | tr -d ' ')" = '\n' ]
	[ "$(wc -l <"$log")" -eq 3 ]
	[ "$(head -n 1 "$log")" = "$HEADER" ]
	for seq in 1 2; do
		row_of "$seq" "$log"
		check_row
		[ "${F[6]}" = 0 ]
	done
	row_of 1 "$log"
	[ "${F[8]}" = "echo a" ]
	row_of 2 "$log"
	[ "${F[8]}" = "echo b" ]

	# The sleep outlives lanes: end its process group (but never our own).
	for pid in $(marked_pids "$MARK"); do
		pgid=$(ps -o pgid= -p "$pid" | tr -d ' ')
		if [ -n "$pgid" ] && [ "$pgid" != "$(ps -o pgid= -p $$ | tr -d ' ')" ]; then
			kill -KILL -- "-$pgid" 2>/dev/null || true
		else
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	wait_unmarked "$MARK" 2
}

@test "an unwritable --joblog fails with 255 before any job runs" {
	local f=$BATS_TEST_TMPDIR/ran
	run_lanes '' --joblog /nonexistent/x touch ::: "$f"
	show
	[ "$status" -eq 255 ]
	[ ! -e "$f" ]
	[ -z "$output" ]
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ $stderr == lanes:*/nonexistent/x* ]]
}

@test "a joblog write error is reported once and the run completes with the jobs' status" {
	run_lanes $'echo a\necho b\nexit 2\necho c\n' -k -j2 --joblog /dev/full
	show
	[ "$status" -eq 1 ]
	[ "$output" = $'a\nb\nc' ]
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ $stderr == lanes:* ]]
}

@test "--resume skips the jobs already in the log and appends the new ones" {
	local log=$BATS_TEST_TMPDIR/log
	run_lanes '' --joblog "$log" echo ::: a b
	show
	[ "$status" -eq 0 ]
	run_lanes '' --resume --joblog "$log" echo ::: a b c
	show
	[ "$status" -eq 0 ]
	[ "$output" = c ]
	[ "$(grep -c '^Seq' "$log")" -eq 1 ]
	[ "$(count_rows "$log")" -eq 3 ]
	row_of 3 "$log"
	check_row
	[ "${F[8]}" = "echo c" ]
}

# A job that records each run in $runs and fails while $fixed is missing,
# when its argument starts with "bad".
write_flaky_job() {
	runs=$BATS_TEST_TMPDIR/runs
	fixed=$BATS_TEST_TMPDIR/fixed
	job=$BATS_TEST_TMPDIR/job.sh
	cat >"$job" <<EOF
echo "\$1" >> $runs
echo "\$1"
case \$1 in bad*) [ -e $fixed ] ;; esac
EOF
}

@test "--resume-failed reruns the failed jobs only (plain --resume none), with their own seqs" {
	local log=$BATS_TEST_TMPDIR/log runs fixed job
	write_flaky_job
	run_lanes '' --joblog "$log" sh "$job" ::: a bad1 c bad2
	show
	[ "$status" -eq 2 ]
	[ "$(count_rows "$log")" -eq 4 ]

	# Plain --resume leaves the failed jobs alone.
	: >"$runs"
	run_lanes '' --resume --joblog "$log" sh "$job" ::: a bad1 c bad2
	show
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ ! -s "$runs" ]
	[ "$(count_rows "$log")" -eq 4 ]

	touch "$fixed"
	run_lanes '' --resume-failed --joblog "$log" -k sh "$job" ::: a bad1 c bad2
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'bad1\nbad2' ]
	[ "$(sort "$runs" | tr '\n' ' ')" = "bad1 bad2 " ]
	[ "$(count_rows "$log")" -eq 6 ]
	row_of 2 "$log"
	check_row
	[ "${F[6]}" = 0 ]
	[ "${F[8]}" = "sh $job bad1" ]
	row_of 4 "$log"
	[ "${F[6]}" = 0 ]

	# The latest row of each job now succeeded: nothing is left to rerun.
	run_lanes '' --resume-failed --joblog "$log" sh "$job" ::: a bad1 c bad2
	show
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(count_rows "$log")" -eq 6 ]
}

@test "--retry-failed reruns the failed commands of the log and ignores the command line" {
	local log=$BATS_TEST_TMPDIR/log runs fixed job
	write_flaky_job
	run_lanes '' --joblog "$log" sh "$job" ::: a bad1 c
	show
	[ "$status" -eq 1 ]
	touch "$fixed"
	: >"$runs"
	run_lanes '' --retry-failed --joblog "$log" echo ::: x y z
	show
	[ "$status" -eq 0 ]
	[ "$output" = bad1 ]
	[ "$(cat "$runs")" = bad1 ]
	[ "$(count_rows "$log")" -eq 4 ]
	row_of 2 "$log"
	check_row
	[ "${F[6]}" = 0 ]
	[ "${F[8]}" = "sh $job bad1" ]
}

@test "--resume, --resume-failed and --retry-failed need a joblog file: 255, no job runs" {
	local f=$BATS_TEST_TMPDIR/ran opt
	for opt in --resume --resume-failed --retry-failed; do
		run_lanes '' "$opt" touch ::: "$f"
		echo "$opt"
		show
		[ "$status" -eq 255 ]
		[ "$(lines_of "$stderr")" -eq 1 ]
		[[ $stderr == lanes:* ]]
		run_lanes '' "$opt" --joblog - touch ::: "$f"
		echo "$opt --joblog -"
		show
		[ "$status" -eq 255 ]
		[ "$(lines_of "$stderr")" -eq 1 ]
		[ -z "$output" ]
		[ ! -e "$f" ]
	done
}

@test "lanes --resume picks up a joblog written by GNU parallel" {
	need_parallel
	local log=$BATS_TEST_TMPDIR/log
	run_cmd '' parallel --will-cite --joblog "$log" echo ::: a b
	show
	[ "$status" -eq 0 ]
	[ "$(count_rows "$log")" -eq 2 ]
	run_lanes '' --resume --joblog "$log" echo ::: a b c
	show
	[ "$status" -eq 0 ]
	[ "$output" = c ]
	[ "$(count_rows "$log")" -eq 3 ]
	row_of 3 "$log"
	check_row
}

@test "GNU parallel --resume picks up a joblog written by lanes" {
	need_parallel
	local log=$BATS_TEST_TMPDIR/log
	run_lanes '' --joblog "$log" echo ::: a b
	show
	[ "$status" -eq 0 ]
	run_cmd '' parallel --will-cite --resume --joblog "$log" echo ::: a b c
	show
	[ "$status" -eq 0 ]
	[ "$output" = c ]
	[ "$(count_rows "$log")" -eq 3 ]
}

@test "GNU parallel --resume-failed reruns the failed jobs of a lanes joblog" {
	need_parallel
	local log=$BATS_TEST_TMPDIR/log
	run_lanes '' --joblog "$log" sh -c ::: 'echo a' 'echo b; exit 1' 'echo c; kill -9 $$'
	show
	[ "$status" -eq 2 ]
	run_cmd '' parallel --will-cite --resume-failed -k --joblog "$log" sh -c ::: 'echo a' 'echo b; exit 1' 'echo c; kill -9 $$'
	show
	[ "$output" = $'b\nc' ]
}

@test "a newline in a command is a NUL in the joblog, and --retry-failed runs the exact command again" {
	local log=$BATS_TEST_TMPDIR/log
	run_lanes '' --joblog "$log" $'echo one\necho two {}; false' ::: x
	show
	[ "$status" -eq 1 ]
	[ "$output" = $'one\ntwo x' ]
	[ "$(count_rows "$log")" -eq 1 ]
	[ "$(tail -n 1 "$log" | cut -f 9 | tr '\0' '@')" = 'echo one@echo two x; false' ]
	run_lanes '' --retry-failed --joblog "$log"
	show
	[ "$status" -eq 1 ]
	[ "$output" = $'one\ntwo x' ]
}

@test "GNU parallel writes a newline in a command as a NUL too, and lanes reruns its failed command exactly" {
	need_parallel
	local log=$BATS_TEST_TMPDIR/log
	run_cmd '' parallel --will-cite --joblog "$log" $'echo one\necho two {}; false' ::: x
	[ "$(tail -n 1 "$log" | cut -f 9 | tr '\0' '@')" = 'echo one@echo two x; false' ]
	run_lanes '' --retry-failed --joblog "$log"
	show
	[ "$output" = $'one\ntwo x' ]
}
