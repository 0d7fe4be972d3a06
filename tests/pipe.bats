# --pipe and --pipepart: the data cut into blocks of whole records, each
# block one job's standard input. Every record arrives exactly once and
# whole; the expected outputs are written out, and GNU parallel, where it
# is installed, is checked to print the same.

load helpers/common

eval "common_$(declare -f setup)"
setup() {
	common_setup
	cd "$BATS_TEST_TMPDIR" || return 1
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$TMPDIR"
}

# The cases, each "OPTIONS|expected output with each block after a [".
# The data is seq 12 (on stdin, or in the file f for --pipepart).
CASES=(
	"--pipe --block 5|[ 1 2 [ 3 4 [ 5 6 [ 7 8 [ 9 10 [ 11 [ 12"
	"--pipe --block 1|[ 1 [ 2 [ 3 [ 4 [ 5 [ 6 [ 7 [ 8 [ 9 [ 10 [ 11 [ 12"
	"--pipe --block 1M|[ 1 2 3 4 5 6 7 8 9 10 11 12"
	"--pipe -N5|[ 1 2 3 4 5 [ 6 7 8 9 10 [ 11 12"
	"--pipe -L3 --block 1|[ 1 2 3 [ 4 5 6 [ 7 8 9 [ 10 11 12"
	"--pipe --recend 5 --block 1|[ 1 2 3 4 5[  6 7 8 9 10 11 12"
	"--pipe --recend 0 --recstart '\\n' --block 1|[ 1 2 3 4 5 6 7 8 9 10[  11 12"
	"--pipe --regexp --recend '[05]\\n' --block 20|[ 1 2 3 4 5 [ 6 7 8 9 10 11 12"
	"--pipe --regexp --recstart '[27]' --recend '\\n' --block 20|[ 1 2 3 4 5 6 [ 7 8 9 10 11 12"
	"--pipe --header 1 --block 4|[ 1 2 3 [ 1 4 5 [ 1 6 7 [ 1 8 9 [ 1 10 [ 1 11 [ 1 12"
	"--pipe --header : -N3|[ 1 2 3 4 [ 1 5 6 7 [ 1 8 9 10 [ 1 11 12"
	"--pipe --header '[0-9]\\n[0-9]\\n' -N4|[ 1 2 3 4 5 6 [ 1 2 7 8 9 10 [ 1 2 11 12"
	"--pipe --recstart 1 -N2|[ 1 2 3 4 5 6 7 8 9 10 [ 11 [ 12"
	"--pipe --regexp --recend '(1)?\n' -N2|[ 1 2 [ 3 4 [ 5 6 [ 7 8 [ 9 10 [ 11 12"
	"--pipe --cat -N5|[ 1 2 3 4 5 [ 6 7 8 9 10 [ 11 12"
	"--pipe --fifo -N5|[ 1 2 3 4 5 [ 6 7 8 9 10 [ 11 12"
	"--pipe --round-robin -j1 --block 4|[ 1 2 3 4 5 6 7 8 9 10 11 12"
	"--pipepart -a f --block 10|[ 1 2 3 4 5 6 [ 7 8 9 10 11 [ 12"
	"--pipepart -a f --block 100|[ 1 2 3 4 5 6 7 8 9 10 11 12"
	"--pipepart -a f --block 1|[ 1 [ 2 [ 3 [ 4 [ 5 [ 6 [ 7 [ 8 [ 9 [ 10 [ 11 [ 12"
	"--pipepart -a f --header 1 --block 10|[ 1 2 3 4 5 6 7 [ 1 8 9 10 11 12"
	"--pipepart -a f --block -2 -j2|[ 1 2 3 4 [ 5 6 7 8 [ 9 10 11 [ 12"
	"--pipepart -a f --recend 5 --block 4|[ 1 2 3 4 5[  6 7 8 9 10 11 12"
	"--pipepart -a f --cat --block 10|[ 1 2 3 4 5 6 [ 7 8 9 10 11 [ 12"
)

# run_case TOOL OPTIONS: seq 12 through TOOL -k OPTIONS, each block after
# a "[" line, the output's lines joined by spaces.
run_case() {
	local tool=$1 opts=$2 cmd='echo [; cat'
	[[ $opts == *--cat* || $opts == *--fifo* ]] && cmd='echo [; cat {}'
	seq 12 >f
	if [ -n "${FROM_FILE:-}" ]; then
		eval "$tool -k $opts '$cmd'" <f 2>/dev/null | tr '\n' ' ' | sed 's/ $//'
	else
		seq 12 | eval "$tool -k $opts '$cmd'" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'
	fi
}

# cases_give TOOL [PREFIX]: every case (starting with PREFIX) run by TOOL
# prints what it says; each that does not is shown.
cases_give() {
	local tool=$1 prefix=${2:-} c got bad=0
	for c in "${CASES[@]}"; do
		[[ $c == "$prefix"* ]] || continue
		got=$(run_case "$tool" "${c%%|*}")
		if [ "$got" != "${c#*|}" ]; then
			printf '%s %s%s\n  want: %s\n  got:  %s\n' "$tool" "${c%%|*}" "${FROM_FILE:+ < f}" "${c#*|}" "$got"
			bad=$((bad + 1))
		fi
	done
	[ "$bad" -eq 0 ]
}

@test "each case cuts seq 12 into the blocks written out: --block, -N, -L, --recend, --recstart, --regexp, --header, --cat, --fifo, --round-robin, --pipepart" {
	cases_give lanes
}

@test "a file on standard input, cut without being read, gives the same blocks, and is left read to its end" {
	FROM_FILE=1 cases_give lanes "--pipe "
	seq 12 >f
	run_cmd '' sh -c '{ read -r first; lanes -k --pipe --block 4 "echo [; cat"; echo "left: $(cat)"; } <f'
	show
	[ "$(tr '\n' ' ' <<<"$output")" = "[ 2 3 [ 4 5 [ 6 7 [ 8 9 [ 10 [ 11 [ 12 left:  " ]
}

@test "GNU parallel agrees on every case" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed (Debian package parallel)"
	parallel --version 2>/dev/null | grep -q 'GNU parallel' || skip "parallel here is not GNU parallel"
	cases_give "parallel --will-cite"
}

@test "seq 1000000 | lanes --pipe --block 100k wc -l: the counts sum to 1000000" {
	seq 1000000 | lanes --pipe --block 100k wc -l >counts
	[ "$(wc -l <counts)" -gt 5 ]
	[ "$(awk '{ s += $1 } END { print s }' counts)" -eq 1000000 ]
}

@test "with -k and cat the output is the input, byte for byte: --pipe, --pipepart, --cat, --fifo, --round-robin counts" {
	seq 300000 >data
	local want
	want=$(cksum <data)
	[ "$(lanes -k --pipe --block 64k cat <data | cksum)" = "$want" ]
	[ "$(lanes -k --pipepart -a data --block 64k cat | cksum)" = "$want" ]
	[ "$(lanes -k --pipe --cat --block 64k cat <data | cksum)" = "$want" ]
	[ "$(lanes -k --pipe --fifo --block 64k 'cat {}' <data | cksum)" = "$want" ]
	[ "$(lanes --pipe --round-robin -j3 --block 8k wc -l <data | awk '{ s += $1 } END { print s }')" -eq 300000 ]
	[ "$(lanes --pipe --round-robin -j3 --block 8k wc -l <data | wc -l)" -eq 3 ]
}

@test "binary data with --recend '': blocks of exactly --block bytes, nothing lost" {
	head -c 200000 /dev/urandom >bin
	[ "$(lanes -k --pipe --recend '' --block 1000 cat <bin | cksum)" = "$(cksum <bin)" ]
	run_cmd '' sh -c 'lanes -k --pipe --recend "" --block 1000 "wc -c" <bin | sort -u'
	[ "$output" = 1000 ]
}

@test "a record longer than the block is one block, whole; a block larger than the input is all of it" {
	{ head -c 300000 /dev/zero | tr '\0' a; echo; echo b; } >long
	run_cmd '' sh -c 'lanes -k --pipe --block 1k "wc -c" <long'
	show
	[ "$output" = $'300001\n2' ]
	run_cmd '' sh -c 'seq 10 | lanes -k --pipe --block 1G "wc -l"'
	[ "$output" = 10 ]
}

@test "empty input runs no job, as GNU parallel" {
	run_lanes '' --pipe 'echo ran'
	show
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "a job that reads nothing, or stops reading early, is normal: no noise, its status counts" {
	run_cmd '' sh -c 'seq 200000 | lanes --pipe --block 10k true'
	show
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run_cmd '' sh -c 'seq 200000 | lanes -k --pipe --block 100k "head -1"'
	show
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${output%%$'\n'*}" = 1 ]
	run_cmd '' sh -c 'seq 10 | lanes --pipe -N5 "exit 3"'
	[ "$status" -eq 2 ]
}

@test "a failing job with --halt now,fail=1: its status, and the run stops" {
	run_cmd '' sh -c 'seq 100000 | lanes --pipe --block 10k --halt now,fail=1 "cat >/dev/null; exit 3"'
	show
	[ "$status" -eq 3 ]
	[[ $stderr == *"--halt now,fail=1: job"* ]]
}

@test "--retries feeds a retried block again from its first byte" {
	run_cmd '' sh -c 'seq 10 | lanes -k --pipe -N5 --retries 3 "if [ -e tried.\$LANES_SEQ ]; then cat; else touch tried.\$LANES_SEQ; cat >/dev/null; exit 1; fi"'
	show
	[ "$status" -eq 0 ]
	[ "$output" = "$(seq 10)" ]
}

@test "--timeout ends a job that does not finish its block; the others' output is whole" {
	export SLEEP
	run_cmd '' sh -c 'seq 20 | lanes -k --pipe -N10 --timeout 1 "if [ \$LANES_SEQ = 1 ]; then $SLEEP 30; fi; cat"'
	show
	[ "$status" -eq 1 ]
	[ "$output" = "$(seq 11 20)" ]
	[[ $stderr == *"job 1 timed out"* ]]
}

@test "--tag, --joblog (Send is the block's bytes) and {#} work with --pipe" {
	run_cmd '' sh -c 'seq 6 | lanes -k --pipe -N3 --joblog log --tagstring "b{#}" cat'
	show
	[ "$output" = $'b1\t1\nb1\t2\nb1\t3\nb2\t4\nb2\t5\nb2\t6' ]
	[ "$(cut -f5 log | tail -n +2 | sort | tr '\n' ' ')" = "6 6 " ]
}

@test "--cat and --fifo files are gone after the run, and after SIGINT mid-stream no process or file is left" {
	seq 100000 | lanes --pipe --cat --block 10k 'cat {} >/dev/null'
	seq 100000 | lanes --pipe --fifo --block 10k 'cat {} >/dev/null'
	[ -z "$(ls "$TMPDIR")" ]
	local kind
	for kind in --cat --fifo ''; do
		seq 100000 >data
		start_lanes data --pipe $kind --block 10k "$SLEEP 30; : {}"
		wait_marked "$MARK" 2
		kill -INT "$LANES_PID"
		wait_lanes 10
		[ "$status" -eq 130 ]
		[ "$(count_marked "$MARK")" -eq 0 ]
		[ -z "$(ls "$TMPDIR")" ]
	done
}

@test "--cat or --fifo with a TMPDIR that cannot take the file: one line a block, that job fails, the others run" {
	local kind
	for kind in --cat --fifo; do
		run_cmd '' sh -c "seq 10 | TMPDIR=/nonexistent lanes --pipe $kind -N5 'cat {}'"
		show
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "$(grep -c '^lanes: block [12]: /nonexistent/lanes-.*: No such file or directory$' <<<"$stderr")" -eq 2 ]
	done
}

@test "--round-robin: blocks go round the jobs, the header once before each job's first block, Send counts them all" {
	run_cmd '' sh -c 'seq 7 | lanes -j2 --round-robin --pipe -N1 --header 1 "tr \"\\n\" \" \"; echo"'
	show
	[ "$(sort <<<"$output" | tr '\n' '|')" = "1 2 4 6 |1 3 5 7 |" ]
	seq 400000 >data
	lanes -j4 --round-robin --pipe --block 10k --joblog log wc -l <<<"$(cat data)" >counts
	cat counts
	[ "$(wc -l <counts)" -eq 4 ]
	[ "$(awk '{ s += $1 } END { print s }' counts)" -eq 400000 ]
	# each of the 4 jobs got at least a tenth of the data
	[ "$(awk '$1 < 40000' counts | wc -l)" -eq 0 ]
	[ "$(tail -n +2 log | awk -F '\t' '{ s += $5 } END { print s }')" -eq "$(wc -c <data)" ]
}

@test "--cat of a file's range into a TMPDIR on another file system (copy_file_range cannot): copied all the same" {
	[ -d /dev/shm ] && [ -w /dev/shm ] || skip "no writable /dev/shm here"
	[ "$(stat -c %d /dev/shm)" != "$(stat -c %d .)" ] || skip "/dev/shm is on this file system here"
	local shm
	shm=$(mktemp -d /dev/shm/lanes-test.XXXXXX)
	seq 100000 >data
	run_cmd '' sh -c "TMPDIR=$shm lanes --pipepart -a data --block 100k --cat 'wc -l < {}'"
	rm -rf "$shm"
	show
	[ "$status" -eq 0 ]
	[ "$(awk '{ s += $1 } END { print s }' <<<"$output")" -eq 100000 ]
}

@test "memory stays bounded: a slow job holds lanes back, not the data in lanes' memory" {
	/usr/bin/time -f %M true 2>/dev/null || skip "GNU time is not installed (Debian package time)"
	[ -z "${ASAN_OPTIONS:-}" ] || skip "under the sanitizers RSS is mostly their shadow memory: measured by make check"
	# 64 MiB at 1 MiB blocks, two slots: lanes may hold (2 + 2) blocks.
	head -c 67108864 /dev/zero | tr '\0' '\n' >zeros
	run_cmd '' sh -c 'cat zeros | /usr/bin/time -f %M lanes -j2 --pipe --block 1M "cat >/dev/null" 2>&1'
	show
	[ "$status" -eq 0 ]
	[ "$output" -le $((4 * 1024 + 2048)) ]
}

@test "bad --pipe values and combinations are refused with one line and 255" {
	local c
	while IFS='|' read -r args want; do
		run_cmd '' sh -c "lanes $args"
		if [ "$status" -ne 255 ] || [ "$stderr" != "lanes: $want" ]; then
			show
			echo "for: lanes $args"
			return 1
		fi
	done <<'EOF'
--pipe --block 0 cat|--block: '0' is not a block size (examples: 1M, 10M, 500k, -2 for 2 blocks per job slot)
--pipe --block 1X cat|--block: '1X' is not a block size (examples: 1M, 10M, 500k, -2 for 2 blocks per job slot)
--pipe -L 0 cat|-L: '0' is not a number of lines (a whole number from 1)
--pipe|--pipe: needs a command to give the blocks to (example: lanes --pipe wc -l)
--pipe cat ::: a|--pipe: cuts up standard input: it takes no ::: or -a sources (--pipepart -a FILE cuts up a file)
--pipepart cat|--pipepart: needs the one file to cut up, as -a FILE (or :::: FILE)
--pipepart -a /nonexistent cat|--pipepart: /nonexistent: No such file or directory
--pipepart -a /dev/null -N2 cat|-N: cannot be combined with --pipepart: its blocks are cut by size
--pipe --round-robin --retries 2 cat|--round-robin: cannot be combined with --retries: a job's blocks are not kept
--pipe --round-robin --cat cat|--round-robin: feeds each job on its standard input: cannot be combined with --cat or --fifo
--header 2 cat ::: a|--header: '2': without --pipe it takes : or 1 (each source's first item names its column)
--cat cat ::: a|--cat: is for blocks of data: it needs --pipe or --pipepart (here, for now)
--pipe --regexp --recend '(' cat|--regexp: --recend '(' with --recstart '': Unmatched ( or \(
--pipe --block -2 cat </dev/null|--block -2: a share of the input needs its size: use --pipepart, or a file as standard input
--pipe --halt soon,fail=50% true </dev/null|--halt: a percentage needs the number of blocks: with --pipe, only for --pipepart or a file on standard input
EOF
}
