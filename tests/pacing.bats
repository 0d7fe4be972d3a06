# --delay, --rate, --load, --memfree: lanes holds job starts back, spaced in
# time or until the machine has room, without busy-waiting.

load helpers/common

# gaps FILE: the differences between consecutive start times in FILE
# (seconds, one per line, in any order), one per line.
gaps() {
	sort -n "$1" | awk 'NR > 1 { printf "%.3f\n", $1 - prev } { prev = $1 }'
}

# start_jobs COUNT FILE: COUNT job lines that each append their start time
# (seconds since the epoch, with nanoseconds) to FILE.
start_jobs() {
	local i
	for ((i = 0; i < $1; i++)); do
		printf 'date +%%s.%%N >> %s\n' "$2"
	done
}

# all_at_least MIN X...: true when every number X >= MIN.
all_at_least() {
	local min=$1
	shift
	awk -v min="$min" 'BEGIN { for (i = 1; i < ARGC; i++) if (ARGV[i] + 0 < min + 0) exit 1 }' "$@"
}

# since_first FILE: for each start time in FILE but the earliest, in order,
# how long after the earliest it was.
since_first() {
	sort -n "$1" | awk 'NR == 1 { first = $1; next } { printf "%.3f\n", $1 - first }'
}

# busy_loops N: starts N CPU-bound loops in the background; teardown kills
# them (they are in BG_PIDS).
busy_loops() {
	local i
	for ((i = 0; i < $1; i++)); do
		sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 3>&- &
		BG_PIDS+=("$!")
	done
}

@test "--delay 0.2 puts at least 0.2 s between job starts, even with free slots" {
	local t=$BATS_TEST_TMPDIR/starts g
	run_lanes "$(start_jobs 5 "$t")" -j5 --delay 0.2
	show
	cat "$t"
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$t")" -eq 5 ]
	g=($(gaps "$t"))
	echo "gaps: ${g[*]}; since the first: $(since_first "$t" | tr '\n' ' ')"
	# Each job reads the clock some ms after lanes started it; on a loaded
	# machine one may read it up to 100 ms later than the next one does.
	# The starts themselves are checked against the first, below.
	all_at_least 0.09 "${g[@]}"
	since_first "$t" | awk '{ if ($1 < NR * 0.2 - 0.05) exit 1 }'
	[ "$elapsed_ms" -ge 800 ]
	[ "$elapsed_ms" -lt 5000 ]
}

@test "--rate 5/s with -j10 starts 5 jobs at once, the next 5 a second later" {
	local t=$BATS_TEST_TMPDIR/starts log=$BATS_TEST_TMPDIR/log
	run_lanes "" -j10 --rate 5/s --joblog "$log" true ::: $(seq 10)
	show
	[ "$status" -eq 0 ]
	# the start times lanes itself recorded, not clocks read by the jobs
	tail -n +2 "$log" | cut -f 3 >"$t"
	[ "$(wc -l <"$t")" -eq 10 ]
	since_first "$t" | tr '\n' ' '
	# No window of one second holds more than 5 starts (the joblog's
	# times have milliseconds).
	sort -n "$t" | awk '{ t[NR] = $1 } END { for (i = 6; i <= NR; i++) if (t[i] - t[i - 5] < 0.998) exit 1 }'
	# And the first 5 were not held back at all.
	since_first "$t" | awk 'NR <= 4 { if ($1 > 0.5) exit 1 }'
	[ "$elapsed_ms" -ge 950 ]
}

@test "--rate with a fraction spaces the starts evenly" {
	local t=$BATS_TEST_TMPDIR/starts g
	run_lanes "$(start_jobs 4 "$t")" -j4 --rate 2.5/s
	show
	[ "$status" -eq 0 ]
	g=($(gaps "$t"))
	echo "gaps: ${g[*]}"
	# one start each 0.4 s (each job reads the clock a few ms late)
	all_at_least 0.3 "${g[@]}"
	[ "$elapsed_ms" -ge 1100 ]
}

@test "--rate accepts /m, /h, /d and fractional rates" {
	local r
	for r in 0.5/s 60/m 3600/h 86400/d 0.00001/s 1/d; do
		run_lanes '' --rate "$r" echo ::: x
		echo "--rate $r"
		show
		[ "$status" -eq 0 ]
		[ "$output" = x ]
	done
}

@test "--load holds jobs back while the machine has that many processes running" {
	local f=$BATS_TEST_TMPDIR/ran
	busy_loops 2
	run_cmd '' timeout 1 lanes --load 0.5 touch ::: "$f"
	show
	[ "$status" -eq 124 ]
	[ ! -e "$f" ]
}

@test "--load lets jobs run when the machine is below the threshold" {
	local f=$BATS_TEST_TMPDIR/ran
	run_lanes '' --load 1000 touch ::: "$f"
	show
	[ "$status" -eq 0 ]
	[ -e "$f" ]
	[ "$elapsed_ms" -lt 2000 ]
}

# all_but_1k: the machine's memory less 1 KiB, as a --memfree value: never
# available (the kernel keeps some), but not more than there is.
all_but_1k() {
	awk '$1 == "MemTotal:" { print $2 - 1 "K" }' /proc/meminfo
}

@test "--memfree of nearly all the machine's memory holds jobs back, without busy-waiting" {
	local f=$BATS_TEST_TMPDIR/ran jobs=$BATS_TEST_TMPDIR/jobs stat ticks hz
	echo "touch $f" >"$jobs"
	start_lanes "$jobs" --memfree "$(all_but_1k)"
	sleep 1
	alive "$LANES_PID"
	read -r -a stat <"/proc/$LANES_PID/stat"
	kill -KILL "$LANES_PID"
	wait "$LANES_PID" || true
	[ ! -e "$f" ]
	# utime + stime (fields 14 and 15; the command name has no spaces):
	# well under a fifth of the second it waited.
	ticks=$((stat[13] + stat[14]))
	hz=$(getconf CLK_TCK)
	echo "CPU: $ticks ticks of $hz a second"
	[ "$ticks" -lt $((hz / 5)) ]
}

@test "--memfree above the machine's memory is refused: no job could ever start" {
	run_lanes '' --memfree 1000T touch ::: "$BATS_TEST_TMPDIR/ran"
	show
	[ "$status" -eq 255 ]
	[[ $stderr == "lanes: --memfree: 1000T is more than this machine's memory ("*" GiB): no job could ever start" ]]
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "--timeout, --delay and --retry-delay over 100 years are too long, and say so" {
	local o
	for o in --timeout --delay --retry-delay; do
		run_lanes '' "$o" 99999999999d true ::: 1
		show
		[ "$status" -eq 255 ]
		[ "$stderr" = "lanes: $o: '99999999999d' is too long: at most 100 years (36500d)" ]
	done
}

@test "--memfree lets jobs run when that much memory is available" {
	local f=$BATS_TEST_TMPDIR/ran m
	for m in 1M 1K 1000; do
		rm -f "$f"
		run_lanes '' --memfree "$m" touch ::: "$f"
		echo "--memfree $m"
		show
		[ "$status" -eq 0 ]
		[ -e "$f" ]
		[ "$elapsed_ms" -lt 2000 ]
	done
}

@test "bad --rate, --memfree, --load, --delay, --retries, --retry-delay values exit 255 with one line" {
	local f=$BATS_TEST_TMPDIR/ran bad
	for bad in '--rate 10' '--rate x/s' '--rate 5/w' '--rate 0.000000001/d' '--memfree 1X' '--load abc' \
		'--delay 3x' '--retries x' '--retries -1' '--retry-delay x'; do
		set -- $bad
		run_lanes '' "$1" "$2" touch ::: "$f"
		echo "$bad"
		show
		[ "$status" -eq 255 ]
		[ -z "$output" ]
		[ "$(lines_of "$stderr")" -eq 1 ]
		[[ $stderr == "lanes: $1"*"$2"* ]]
		[ ! -e "$f" ]
	done
}

@test "lanes does not wait for a pace no job needs: --delay 5 with one job ends at once" {
	run_lanes '' --delay 5 true ::: 1
	show
	[ "$status" -eq 0 ]
	[ "$elapsed_ms" -lt 2000 ]
}
