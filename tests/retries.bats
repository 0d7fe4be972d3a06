# --retries and --retry-delay: a failing job runs again, up to N times in
# all, with a growing pause between attempts; only its last attempt counts.

load helpers/common

# gaps FILE: the differences between consecutive lines of FILE (times in
# seconds, one per line), one per line with 3 decimals.
gaps() {
	awk 'NR > 1 { printf "%.3f\n", $1 - prev } { prev = $1 }' "$1"
}

# at_least MIN X: true when the number X >= MIN.
at_least() {
	awk -v min="$1" -v x="$2" 'BEGIN { exit !(x >= min) }'
}

@test "--retries 3 runs an always-failing job 3 times and keeps only the last attempt" {
	local c=$BATS_TEST_TMPDIR/count log=$BATS_TEST_TMPDIR/log
	run_lanes "echo x >> $c; n=\$(wc -l < $c); echo attempt \$n; echo err \$n >&2; exit 1"$'\n' \
		--retries 3 --joblog "$log"
	show
	[ "$status" -eq 1 ]
	[ "$(wc -l <"$c")" -eq 3 ]
	[ "$output" = "attempt 3" ]
	[[ $stderr == *"err 3"* ]]
	[[ $stderr != *"err 1"* ]]
	[[ $stderr != *"err 2"* ]]
	cat "$log"
	[ "$(wc -l <"$log")" -eq 2 ]
	[ "$(cut -f 1,7 "$log" | tail -n 1)" = $'1\t1' ]
}

@test "a job that fails twice then succeeds with --retries 3 succeeds, runs no more, its output printed once" {
	local c=$BATS_TEST_TMPDIR/count log=$BATS_TEST_TMPDIR/log
	run_lanes "echo x >> $c; n=\$(wc -l < $c); echo attempt \$n; [ \$n -ge 3 ]"$'\n' \
		--retries 3 --joblog "$log"
	show
	[ "$status" -eq 0 ]
	[ "$output" = "attempt 3" ]
	[ "$(wc -l <"$c")" -eq 3 ]
	cat "$log"
	[ "$(wc -l <"$log")" -eq 2 ]
	[ "$(cut -f 1,6,7,8 "$log" | tail -n 1)" = $'1\t10\t0\t0' ]
}

@test "--retries 1 runs a failing job once" {
	local c=$BATS_TEST_TMPDIR/count
	run_lanes "echo x >> $c; exit 1"$'\n' --retries 1
	show
	[ "$status" -eq 1 ]
	[ "$(wc -l <"$c")" -eq 1 ]
}

@test "--retries 0 runs a failing job until it succeeds, as GNU parallel" {
	local c=$BATS_TEST_TMPDIR/count
	run_lanes "echo x >> $c; n=\$(wc -l < $c); echo run \$n; [ \$n -ge 12 ]"$'\n' --retries 0
	show
	[ "$status" -eq 0 ]
	[ "$output" = "run 12" ]
	[ "$(wc -l <"$c")" -eq 12 ]
}

@test "GNU parallel agrees: --retries 0 runs a failing job until it succeeds" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	local c=$BATS_TEST_TMPDIR/count
	run_cmd '' parallel --will-cite --retries 0 -N0 "echo x >> $c; n=\$(wc -l < $c); echo run \$n; [ \$n -ge 12 ]" ::: 1
	show
	[ "$status" -eq 0 ]
	[ "$output" = "run 12" ]
}

@test "a retried job counts once in the exit status" {
	run_lanes $'exit 1\nexit 2\ntrue\n' --retries 2
	show
	[ "$status" -eq 2 ]
}

@test "a retried job keeps its slot: with -j1 the next job waits for its last attempt" {
	local c=$BATS_TEST_TMPDIR/count order=$BATS_TEST_TMPDIR/order
	run_lanes "echo x >> $c; echo 1 >> $order; [ \$(wc -l < $c) -ge 3 ]"$'\n'"echo 2 >> $order"$'\n' \
		-j1 --retries 3 --retry-delay 0.05
	show
	[ "$status" -eq 0 ]
	[ "$(tr '\n' ' ' <"$order")" = "1 1 1 2 " ]
}

@test "--retry-delay 0.2 waits at least 0.2 s before the first retry and 0.4 s before the second" {
	local t=$BATS_TEST_TMPDIR/times g
	run_lanes "date +%s.%N >> $t; exit 1"$'\n' --retries 3 --retry-delay 0.2
	show
	cat "$t"
	[ "$status" -eq 1 ]
	[ "$(wc -l <"$t")" -eq 3 ]
	g=($(gaps "$t"))
	echo "gaps: ${g[*]}"
	at_least 0.19 "${g[0]}"
	at_least 0.38 "${g[1]}"
	[ "$elapsed_ms" -lt 3000 ]
}

@test "with -k, the oldest job's failed attempts are not printed either: only its last" {
	local c=$BATS_TEST_TMPDIR/count
	run_lanes "echo x >> $c; n=\$(wc -l < $c); echo attempt \$n; sleep 0.2; [ \$n -ge 3 ]"$'\necho second\n' \
		-k -j2 --retries 3
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'attempt 3\nsecond' ]
}

@test "a retry waits for --rate like any other start" {
	local c=$BATS_TEST_TMPDIR/times
	run_lanes "date +%s.%N >> $c; exit 1"$'\n' -j1 --retries 3 --rate 2/s
	show
	[ "$status" -eq 1 ]
	[ "$(wc -l <"$c")" -eq 3 ]
	# at most 2 starts in any second: the 3rd start is >= 1 s after the 1st
	at_least 0.95 "$(awk 'NR == 1 { a = $1 } END { printf "%.3f", $1 - a }' "$c")"
}
