# A reader slower than the jobs, and a long burst of starts: lanes never
# blocks on either. Timeouts land and signals act while lanes' reader
# reads nothing, memory stays bounded meanwhile, and every byte arrives
# once the reader reads again. The bounds here are generous; make bench
# (B7) measures how late a timeout and a SIGTERM really are.

load helpers/common

# start_stalled SECONDS LANES-ARG...: starts lanes in the background, its
# stdout a FIFO whose reader opens it at once but reads nothing for
# SECONDS, then copies everything into $READ. Sets $LANES_PID and
# $READER_PID; lanes' stderr goes to $ERR.
start_stalled() {
	local seconds=$1
	shift
	local fifo=$BATS_TEST_TMPDIR/fifo
	READ=$BATS_TEST_TMPDIR/read
	ERR=$BATS_TEST_TMPDIR/stderr
	OUT=/dev/null
	mkfifo "$fifo"
	(
		exec <"$fifo"
		"$SLEEP_BIN" "$seconds"
		cat >"$READ.part"
		mv "$READ.part" "$READ"
	) &
	READER_PID=$!
	BG_PIDS+=("$READER_PID")
	env --default-signal=INT,QUIT,TERM,HUP lanes "$@" >"$fifo" 2>"$ERR" </dev/null &
	LANES_PID=$!
	BG_PIDS+=("$LANES_PID")
}

# wait_reader [SECONDS]: waits for the reader to have copied everything.
wait_reader() {
	local i
	for ((i = 0; i < ${1:-20} * 50; i++)); do
		[ -e "$READ" ] && return 0
		sleep 0.02
	done
	echo "the reader never finished"
	return 1
}

# rss_kb PID: lanes' resident memory now, in KiB.
rss_kb() {
	local key value
	while read -r key value _; do
		if [ "$key" = VmRSS: ]; then echo "$value"; fi
	done <"/proc/$1/status"
}

@test "a job's --timeout lands on time while lanes' reader reads nothing" {
	start_stalled 3 -j2 --timeout 1 --joblog "$BATS_TEST_TMPDIR/log" ::: 'head -c 10000000 /dev/zero' "$SLEEP 30"
	wait_lanes 15
	show
	wait_reader
	cut -f1,4,7,8 "$BATS_TEST_TMPDIR/log"
	[ "$status" -eq 1 ]
	[ "$(wc -c <"$READ")" -eq 10000000 ]
	# the sleep job: ended by the timeout (Exitval -1, Signal 15) after
	# about 1 s, long before the reader woke at 3 s
	local runtime
	runtime=$(awk -F'\t' '$1 == 2 { print $4 }' "$BATS_TEST_TMPDIR/log")
	awk -F'\t' '$1 == 2 && $7 == -1 && $8 == 15 { found = 1 } END { exit !found }' "$BATS_TEST_TMPDIR/log"
	awk -v r="$runtime" 'BEGIN { exit !(r >= 1.0 && r < 1.8) }'
	[[ $stderr == "lanes: job 2 timed out after 1s: "* ]]
}

@test "SIGTERM ends the jobs at once while lanes' reader reads nothing, and lanes exits 143 soon after" {
	start_stalled 30 -j2 ::: 'head -c 10000000 /dev/zero' "$SLEEP 30"
	wait_marked "$MARK" 1
	sleep 0.3
	kill -TERM "$LANES_PID"
	# the job is gone within a second, with the reader still asleep
	wait_unmarked "$MARK" 1
	wait_lanes 5
	show
	[ "$status" -eq 143 ]
	[[ $stderr == *"lanes: SIGTERM: ending 1 running job"* ]]
}

# run_behind_sleeper LANES-ARG...: runs lanes, whose jobs write 80 MB in
# all, behind a reader asleep for 3 s; checks that it succeeded, that its
# memory 2 s in stayed under 32 MiB, and that all 80 MB came through.
run_behind_sleeper() {
	local rss
	start_stalled 3 "$@"
	sleep 2
	rss=$(rss_kb "$LANES_PID")
	echo "lanes' RSS with the reader asleep: $rss KiB"
	wait_lanes 20
	show
	wait_reader
	[ "$status" -eq 0 ]
	[ "$rss" -lt 32768 ]
	[ "$(wc -c <"$READ")" -eq 80000000 ]
}

@test "memory stays bounded while the reader sleeps, and every line arrives whole afterwards (--line-buffer)" {
	local line
	line=$(printf 'x%.0s' {1..99})
	run_behind_sleeper -j4 --line-buffer "yes $line | head -c 20000000; : {}" ::: 1 2 3 4
	[ "$(cksum <"$READ")" = "$(yes "$line" | head -n 800000 | cksum)" ]
}

@test "memory stays bounded while the reader sleeps, and every byte arrives afterwards (--group)" {
	run_behind_sleeper -j4 "head -c 20000000 /dev/zero | tr '\\0' {}" ::: a b c d
	# grouped: each job's 20 MB whole, one after the other: 1 MB lines
	# give four runs of 20 equal lines, of four letters
	fold -w 1000000 "$READ" | uniq -c | cut -c1-10 >"$BATS_TEST_TMPDIR/runs"
	cat "$BATS_TEST_TMPDIR/runs"
	[ "$(awk '{ print $1 }' "$BATS_TEST_TMPDIR/runs" | tr '\n' ' ')" = "20 20 20 20 " ]
	[ "$(awk '{ print substr($2, 1, 1) }' "$BATS_TEST_TMPDIR/runs" | sort | tr -d '\n')" = abcd ]
}

@test "an endless burst of --dry-run starts stops at once on SIGTERM" {
	local input=$BATS_TEST_TMPDIR/input t0
	mkfifo "$input"
	yes x >"$input" &
	BG_PIDS+=("$!")
	start_lanes "$input" --dry-run echo
	sleep 0.5
	set_now
	t0=$NOW
	kill -TERM "$LANES_PID"
	wait_lanes 5
	show
	echo "from SIGTERM to exit: $elapsed_ms ms"
	[ "$status" -eq 143 ]
	[ "$elapsed_ms" -lt 2000 ]
	# it was printing all along, and stopped after a whole line
	[ "$(head -n 1 "$OUT")" = "echo x" ]
	[ "$(wc -l <"$OUT")" -gt 1000 ]
	[ "$(tail -c 1 "$OUT" | od -An -c | tr -d ' ')" = '\n' ]
	[ -z "$(grep -v '^echo x$' "$OUT" | head -n 3)" ]
}

@test "--dry-run of a billion jobs into head -1 prints one line and exits 141 at once" {
	local statuses
	set_now
	local t0=$NOW
	timeout -k 2 10 lanes --dry-run echo ::: $(seq 1000) ::: $(seq 1000) ::: $(seq 1000) 2>"$BATS_TEST_TMPDIR/stderr" |
		head -n 1 >"$BATS_TEST_TMPDIR/stdout"
	statuses=${PIPESTATUS[*]}
	set_now
	elapsed_ms=$((NOW - t0))
	status=${statuses%% *}
	slurp output "$BATS_TEST_TMPDIR/stdout"
	slurp stderr "$BATS_TEST_TMPDIR/stderr"
	show
	[ "$status" -eq 141 ]
	[ "$output" = "echo 1 1 1" ]
	[ -z "$stderr" ]
	[ "$elapsed_ms" -lt 5000 ]
}

@test "with the reader asleep, SIGINT ends a run of queued --dry-run lines with 130" {
	start_stalled 30 --dry-run echo ::: $(seq 1000) ::: $(seq 1000)
	sleep 0.5
	kill -INT "$LANES_PID"
	wait_lanes 5
	show
	[ "$status" -eq 130 ]
}
