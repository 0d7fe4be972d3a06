#!/usr/bin/env bats
# Input sources as streams, and the ways a run can fail before its jobs:
# endless input is read only as jobs need it, bad sources and bad options
# stop lanes with status 255 before any job, and a job too long for the
# system fails alone.

load helpers/common

# no_job_ran: the jobs of these tests create $RAN when they run.
no_job_ran() {
	if [ -e "$RAN" ]; then
		echo "a job ran: $RAN exists"
		return 1
	fi
}

# common's setup, and $RAN.
eval "common_$(declare -f setup)"
setup() {
	common_setup
	RAN=$BATS_TEST_TMPDIR/ran
}

# --- Streaming

@test "endless standard input streams: the first 3 lines come out and lanes ends when the reader goes" {
	run_cmd '' bash -c 'yes | timeout 10 lanes echo | head -n 3'
	show
	[ "$output" = $'y\ny\ny' ]
	[ "$elapsed_ms" -lt 5000 ]
}

@test "endless standard input with -j2 and {#} streams and ends when the reader goes" {
	run_cmd '' bash -c 'yes | timeout 10 lanes -j2 echo {#} | head -n 3'
	show
	[ "$(lines_of "$output")" -eq 3 ]
	[[ $output =~ ^[0-9]+$'\n'[0-9]+$'\n'[0-9]+$ ]]
	[ "$elapsed_ms" -lt 5000 ]
}

@test "an endless first source streams while a ::: second source is combined with each item" {
	run_cmd '' bash -c 'yes | timeout 10 lanes -k echo {1} {2} :::: - ::: a b | head -n 4'
	show
	[ "$output" = $'y a\ny b\ny a\ny b' ]
	[ "$elapsed_ms" -lt 5000 ]
}

@test "a big -n takes its items from the stream and the last job gets the rest" {
	local expected= i
	for ((i = 1; i <= 1000; i++)); do
		if ((i % 300 == 1)); then
			[ "$i" -gt 1 ] && expected+=$'\n'
			expected+=$i
		else
			expected+=" $i"
		fi
	done
	run_cmd '' bash -c 'seq 1000 | lanes -k -n 300 echo'
	show
	[ "$status" -eq 0 ]
	[ "$(lines_of "$output")" -eq 4 ]
	[ "$output" = "$expected" ]
	local last=${output##*$'\n'} words=()
	read -ra words <<<"$last"
	[ "${#words[@]}" -eq 100 ]
}

# --- Sources that cannot be read and options that cannot be used

@test "an unreadable :::: file stops lanes with 255 and one line naming it, before any job" {
	run_lanes '' touch "$RAN" ::: a :::: /nonexistent/lanes-input
	show
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: /nonexistent/lanes-input: No such file or directory" ]
	[ -z "$output" ]
	no_job_ran
}

@test "an unreadable -a file stops lanes with 255 and one line naming it, before any job" {
	run_lanes '' -a /nonexistent/lanes-input touch "$RAN" ::: a
	show
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: /nonexistent/lanes-input: No such file or directory" ]
	[ -z "$output" ]
	no_job_ran
}

@test "an empty -d, or one longer than 32 bytes, is refused with 255 before any job" {
	local long=abcdefghijklmnopqrstuvwxyz0123456789
	for d in '' "$long"; do
		run_lanes 'x' -d "$d" touch "$RAN"
		show
		[ "$status" -eq 255 ]
		[ "$stderr" = "lanes: -d: '$d' is not a delimiter: 1 to 32 bytes (examples: , \t \0 \x1e \r\n)" ]
		no_job_ran
	done
}

@test "a --colsep that is not a regular expression is refused with 255 before any job" {
	run_lanes '' --colsep '(' touch "$RAN" ::: a
	show
	[ "$status" -eq 255 ]
	[[ $stderr == 'lanes: --colsep: '*'('* ]]
	no_job_ran
}

@test "-n -1 and -n x are refused with 255 before any job" {
	run_lanes '' -n -1 touch "$RAN" ::: a
	show
	[ "$status" -eq 255 ]
	[[ $stderr == 'lanes: -n: '*-1* ]]
	run_lanes '' -n x touch "$RAN" ::: a
	show
	[ "$status" -eq 255 ]
	[[ $stderr == 'lanes: -n: '*x* ]]
	no_job_ran
}

@test "empty standard input with a command runs no job, prints nothing and exits 0" {
	run_lanes '' touch "$RAN"
	show
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	no_job_ran
}

@test "an empty ::: list runs no job and exits 0" {
	run_lanes '' touch "$RAN" :::
	show
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	no_job_ran
}

@test "with no command blank input lines are skipped" {
	run_lanes $'echo a\n\n\necho b\n' -k
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'a\nb' ]
	[ -z "$stderr" ]
}

# --- A job too long for the system

@test "a job whose command line is too long fails alone and the others run" {
	local file=$BATS_TEST_TMPDIR/input long
	printf -v long '%0200000d' 0
	printf 'short1\n%s\nshort2\n' "$long" >"$file"
	run_lanes '' -k echo :::: "$file"
	show
	[ "$status" -eq 1 ]
	[ "$output" = $'short1\nshort2' ]
	[[ $stderr == *'job 2'*'too long'* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
}

# --- Seeing the commands

@test "--dry-run prints each command line and runs nothing" {
	cd "$BATS_TEST_TMPDIR"
	run_lanes '' -k --dry-run 'touch made-{}' ::: a 'b c'
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'touch made-a\ntouch made-\'b c\'' ]
	[ ! -e made-a ]
	[ ! -e "made-b c" ]
}

@test "-t prints each command line on stderr while stdout gets the jobs' output" {
	run_lanes '' -k -t echo ::: a 'b c'
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'a\nb c' ]
	[ "$stderr" = $'echo a\necho \'b c\'' ]
}

@test "{#} is LANES_SEQ and {%} is LANES_SLOT in every job, and slots stay within -j" {
	local seq lanes_seq slot lanes_slot value seen=()
	run_lanes '' -j3 'echo {#} $LANES_SEQ {%} $LANES_SLOT {}' ::: $(seq 20)
	show
	[ "$status" -eq 0 ]
	[ "$(lines_of "$output")" -eq 20 ]
	while read -r seq lanes_seq slot lanes_slot value; do
		[ "$seq" = "$lanes_seq" ] || { echo "{#} $seq and LANES_SEQ $lanes_seq differ"; return 1; }
		[ "$slot" = "$lanes_slot" ] || { echo "{%} $slot and LANES_SLOT $lanes_slot differ"; return 1; }
		[ "$seq" = "$value" ] || { echo "job $seq got the value $value"; return 1; }
		[ "$slot" -ge 1 ] && [ "$slot" -le 3 ] || { echo "slot $slot is outside 1..3"; return 1; }
		[ -z "${seen[seq]:-}" ] || { echo "job $seq printed twice"; return 1; }
		seen[seq]=1
	done <<<"$output"
	[ "${#seen[@]}" -eq 20 ]
}

@test "input that trickles in while jobs end is waited for without busy-waiting" {
	[ -x /usr/bin/time ] || skip "GNU time (/usr/bin/time) is not installed"
	run_cmd '' sh -c "(echo 'sleep 0.1'; sleep 1; echo 'echo b'; sleep 0.5; echo 'echo c') |
		/usr/bin/time -f 'cpu %U %S' timeout -k 1 10 lanes -j2"
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'b\nc' ]
	# 1.5 s of waiting for input cost lanes next to no CPU time
	[[ $stderr =~ cpu\ ([0-9.]+)\ ([0-9.]+) ]]
	awk -v u="${BASH_REMATCH[1]}" -v s="${BASH_REMATCH[2]}" 'BEGIN { exit !(u + s < 0.3) }'
}
