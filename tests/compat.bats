#!/usr/bin/env bats
# GNU parallel's options that are not about output alone (those are the
# cases of helpers/cases/compat.table, run by templates.bats with GNU
# parallel too): --jl, --nice, --tmpdir, and bad values of the new ones.

load helpers/common

@test "--jl is --joblog" {
	local log=$BATS_TEST_TMPDIR/log
	run_lanes '' --jl "$log" echo ::: a
	show
	[ "$status" -eq 0 ]
	[ "$(head -n 1 "$log" | cut -f 1,9)" = $'Seq\tCommand' ]
	[ "$(tail -n 1 "$log" | cut -f 1,9)" = $'1\techo a' ]
}

@test "--nice N runs the jobs at niceness N; lower than lanes' own only with the privilege" {
	# field 19 of /proc/PID/stat is the niceness
	local now want
	now=$(nice)
	want=$(( now > 7 && $(id -u) != 0 ? now : 7 ))
	run_lanes '' --nice 7 -N0 'cut -d" " -f19 /proc/self/stat' ::: 1
	show
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
	want=$(( $(id -u) == 0 ? 3 : now + 10 > 19 ? 19 : now + 10 ))
	run_cmd '' nice -n 10 lanes --nice 3 -N0 'cut -d" " -f19 /proc/self/stat' ::: 1
	show
	[ "$output" = "$want" ]
}

@test "GNU parallel agrees: --nice 7 runs the job at niceness 7" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	[ "$(nice)" -le 7 ] || [ "$(id -u)" = 0 ] || skip "this test runs at a niceness above 7"
	run_cmd '' parallel --will-cite --nice 7 -N0 'cut -d" " -f19 /proc/self/stat' ::: 1
	show
	[ "$output" = 7 ]
}

@test "--tmpdir DIR is TMPDIR=DIR, for lanes' files and the jobs" {
	local dir=$BATS_TEST_TMPDIR/tmp
	mkdir "$dir"
	run_lanes '' --tmpdir "$dir" -N0 'echo $TMPDIR' ::: 1
	show
	[ "$status" -eq 0 ]
	[ "$output" = "$dir" ]
}

@test "bad --nice, --tmpdir, --trim, --process-slot-var and --arg-sep values are refused with one line and 255" {
	local f=$BATS_TEST_TMPDIR/ran
	run_lanes '' --nice 20 touch ::: "$f"
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --nice: '20' is not a niceness (a whole number from -20 to 19)" ]
	run_lanes '' --nice x touch ::: "$f"
	[ "$stderr" = "lanes: --nice: 'x' is not a niceness (a whole number from -20 to 19)" ]
	run_lanes '' --tmpdir /no/such/dir touch ::: "$f"
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --tmpdir: '/no/such/dir' is not a directory" ]
	run_lanes '' --trim x touch ::: "$f"
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --trim: 'x' is not a side to trim (n, l, r, lr or rl)" ]
	run_lanes '' --process-slot-var 1x touch ::: "$f"
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --process-slot-var: '1x' is not a variable name (letters, digits and _, not first a digit)" ]
	run_lanes '' --arg-sep '' touch ::: "$f"
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --arg-sep: needs a non-empty separator (example: --arg-sep ,,)" ]
	[ ! -e "$f" ]
}

@test "-v with --ungroup prints each command line too, and with --dry-run only once" {
	run_lanes '' -v -u -j1 true ::: a
	show
	[ "$status" -eq 0 ]
	[ "$output" = "true a" ]
	run_lanes '' -v --dry-run echo ::: a
	[ "$output" = "echo a" ]
}

@test "-X with 100000 arguments fills each command line to under 128 KiB and loses none" {
	seq 100000 >"$BATS_TEST_TMPDIR/in"
	run_to_files '' lanes -X -j2 -a "$BATS_TEST_TMPDIR/in" echo
	echo "status $status"
	[ "$status" -eq 0 ]
	awk '{ n += NF; if (length($0) >= 131072) bad = 1 } END { print NR " lines, " n " words"; exit bad || n != 100000 }' "$OUT"
	# every number once, in order within a line
	[ "$(tr ' ' '\n' <"$OUT" | sort -n | uniq | wc -l)" -eq 100000 ]
	[ "$(wc -l <"$OUT")" -lt 20 ]
}

@test "-s too small for one argument: one line naming the job, status 255, nothing run" {
	run_lanes '' -m -j1 -s 10 touch "$BATS_TEST_TMPDIR/ran-{}" ::: b
	show
	[ "$status" -eq 255 ]
	[[ $stderr == "lanes: -s 10: job 1's command line would be "*" characters; it must be shorter: touch "* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
	[ -z "$(ls "$BATS_TEST_TMPDIR" | grep ran-)" ]
}

@test "bad -m, -X and -s uses are refused with one line and 255" {
	run_lanes '' -s 0 echo ::: a
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: -s: '0' is not a number of characters (a whole number from 1)" ]
	run_lanes 'a' -m --pipe cat
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: -m: fills command lines with arguments: it cannot be combined with --pipe" ]
	run_lanes 'echo a' -X
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: -X: fills a command's line with arguments: it needs a command (example: lanes -X echo)" ]
	run_lanes '' -X -N0 echo ::: a
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: -N: '0' gives -X no arguments to fill the command line with" ]
}

@test "--header without --pipe takes : or 1 only; an empty source gives no name" {
	run_lanes '' --header 2 echo ::: a
	show
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --header: '2': without --pipe it takes : or 1 (each source's first item names its column)" ]
	run_lanes '' --header : echo '[{x}]' ::: x
	show
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run_lanes '' --header 1 echo '[{x}]' ::: x y
	[ "$output" = '[y]' ]
}

@test "--shuf runs every job once, in a random order, {#} counting them as they run" {
	local runs=() i sorted
	sorted=$(seq 20 | tr '\n' ' ')
	for i in 1 2 3; do
		run_lanes '' --shuf -j1 echo '{#}:{}' ::: $(seq 20)
		[ "$status" -eq 0 ]
		# {#} is 1 to 20 in the order they ran
		[ "$(cut -d: -f1 <<<"$output" | tr '\n' ' ')" = "$sorted" ]
		[ "$(cut -d: -f2 <<<"$output" | sort -n | tr '\n' ' ')" = "$sorted" ]
		runs+=("$(cut -d: -f2 <<<"$output" | tr '\n' ' ')")
	done
	printf '%s\n' "${runs[@]}"
	# three runs in input order would be one chance in (20!)^3
	[ "${runs[0]}" != "$sorted" ] || [ "${runs[1]}" != "$sorted" ] || [ "${runs[2]}" != "$sorted" ]
}

@test "--shuf shuffles the combinations of several sources, and standard input" {
	run_lanes '' --shuf echo ::: a b ::: 1 2
	show
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "a 1 a 2 b 1 b 2 " ]
	run_lanes $'x\ny\nz\n' --shuf echo
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "x y z " ]
}

@test "GNU parallel agrees: --shuf runs each combination once" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	run_cmd '' parallel --will-cite --shuf echo ::: a b ::: 1 2
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "a 1 a 2 b 1 b 2 " ]
}

@test "--shuf with --pipe is refused" {
	run_lanes 'a' --shuf --pipe cat
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --shuf: shuffles arguments: it cannot be combined with --pipe, whose blocks come in order" ]
}

# files_hold LINES: true when each line names a file whose contents are
# "out-" and the line's number.
files_hold() {
	local n=0 f
	while IFS= read -r f; do
		n=$((n + 1))
		[ -f "$f" ] && [ "$(cat "$f")" = "out-$n" ] || { echo "line $n: $f"; return 1; }
	done <<<"$1"
	[ "$n" -gt 0 ]
}

@test "--files writes each job's stdout to a file in TMPDIR and prints its name; stderr still comes through" {
	local dir=$BATS_TEST_TMPDIR/tmp
	mkdir "$dir"
	TMPDIR=$dir run_lanes '' --files -k 'echo out-{}; echo err-{} >&2' ::: 1 2 3
	show
	[ "$status" -eq 0 ]
	[ "$(lines_of "$output")" -eq 3 ]
	[[ $output == "$dir/"* ]]
	files_hold "$output"
	[ "$stderr" = $'err-1\nerr-2\nerr-3' ]
	[ "$(ls "$dir" | wc -l)" -eq 3 ]
}

@test "--files keeps only the last attempt's file of a retried job" {
	local dir=$BATS_TEST_TMPDIR/tmp c=$BATS_TEST_TMPDIR/count
	mkdir "$dir"
	TMPDIR=$dir run_lanes "echo x >> $c; echo out-1; [ \$(wc -l < $c) -ge 3 ]"$'\n' --files --retries 3
	show
	[ "$status" -eq 0 ]
	files_hold "$output"
	[ "$(ls "$dir" | wc -l)" -eq 1 ]
}

@test "--files into a TMPDIR that cannot hold files: one warning, the jobs fail, lanes goes on" {
	TMPDIR=/nonexistent run_lanes '' --files echo ::: a b
	show
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "lanes: --files: cannot make a file in /nonexistent: No such file or directory" ]
}

@test "GNU parallel agrees: --files prints names of files holding each job's output" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	local dir=$BATS_TEST_TMPDIR/tmp
	mkdir "$dir"
	TMPDIR=$dir run_cmd '' parallel --will-cite --files -k echo out-{} ::: 1 2
	show
	files_hold "$output"
}

@test "--results DIR keeps each job's stdout, stderr and seq in DIR/1/VALUE/2/VALUE, printing nothing" {
	cd "$BATS_TEST_TMPDIR"
	run_lanes '' --results out 'echo o{1}{2}; echo e{1} >&2; exit {2}' ::: a b ::: 0 1
	show
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	[ "$(cat out/1/a/2/0/stdout)" = oa0 ]
	[ "$(cat out/1/b/2/1/stderr)" = eb ]
	[ "$(find out -name seq | wc -l)" -eq 4 ]
	[ "$(cat out/1/a/2/0/seq out/1/a/2/1/seq out/1/b/2/0/seq out/1/b/2/1/seq | tr -d '\n')" = 1234 ]
}

@test "--results names a value's directory so that it stays inside DIR and no two values share one" {
	cd "$BATS_TEST_TMPDIR"
	run_lanes '' --results out echo ::: 'a/b' '' '.' '..' 'x\y' '\'
	show
	[ "$status" -eq 0 ]
	[ "$(cd out/1 && ls -a | grep -v '^\.\.\?$' | sort | tr '\n' ' ')" = '\ \. \.. \\ a\_b x\\y ' ]
	[ "$(cat 'out/1/\../stdout')" = .. ]
	[ "$(cat 'out/1/\/stdout')" = '' ]
}

@test "--results with --header names the directories by the columns" {
	cd "$BATS_TEST_TMPDIR"
	run_lanes '' --header : --results out echo ::: x 1 2
	[ "$status" -eq 0 ]
	[ "$(cat out/x/2/stdout)" = 2 ]
}

@test "GNU parallel agrees on the --results layout" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	cd "$BATS_TEST_TMPDIR"
	run_cmd '' parallel --will-cite --results gnu echo ::: a b ::: 1 2
	run_lanes '' --results lanes echo ::: a b ::: 1 2
	[ "$(cd gnu && find . -type f | sort)" = "$(cd lanes && find . -type f | sort)" ]
	[ "$(cat gnu/1/b/2/1/stdout)" = "$(cat lanes/1/b/2/1/stdout)" ]
}

@test "--results: a directory that cannot be made is one warning and failed jobs; --files is refused with it" {
	run_lanes '' --results /proc/nope echo ::: a b
	show
	[ "$status" -eq 2 ]
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ $stderr == "lanes: --results: /proc/nope/1/a: "* ]]
	run_lanes '' --results /nonexistent/out.csv echo ::: a
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --results: /nonexistent/out.csv: No such file or directory" ]
	run_lanes '' --results out --files echo ::: a
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --files: cannot be combined with --results, which names the files itself" ]
}

# script FILE INTERPRETER WORDS... -- LINE...: an executable script whose
# #! line is INTERPRETER WORDS, then the LINEs.
script() {
	local file=$1 line
	shift
	line="#!$1"
	shift
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
		line+=" $1"
		shift
	done
	shift
	printf '%s\n' "$line" "$@" >"$file"
	chmod +x "$file"
}

@test "--shebang: a script whose #! line is lanes runs its command for each later line" {
	local s=$BATS_TEST_TMPDIR/urls
	script "$s" "$(command -v lanes)" --shebang -k -r echo got -- a '' b
	run_cmd '' "$s"
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'got a\ngot b' ]
	run_cmd '' "$s" extra
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --shebang: the script takes no arguments: its lines are the input" ]
}

@test "--shebang-wrap: a script run by PROGRAM once for each of its arguments, or of its input's lines" {
	local s=$BATS_TEST_TMPDIR/wrapped
	script "$s" "$(command -v lanes)" --shebang-wrap -k /bin/sh -- 'echo "arg: $1"'
	run_cmd '' "$s" x y
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'arg: x\narg: y' ]
	run_cmd $'p\nq\n' "$s"
	[ "$output" = $'arg: p\narg: q' ]
}

@test "GNU parallel agrees on --shebang and --shebang-wrap" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	local s=$BATS_TEST_TMPDIR/urls w=$BATS_TEST_TMPDIR/wrapped
	script "$s" "$(command -v parallel)" --shebang -k -r echo got -- a '' b
	run_cmd '' "$s"
	[ "$output" = $'got a\ngot b' ]
	script "$w" "$(command -v parallel)" --shebang-wrap -k /bin/sh -- 'echo "arg: $1"'
	run_cmd '' "$w" x y
	[ "$output" = $'arg: x\narg: y' ]
}

@test "--shebang anywhere but first is refused" {
	run_lanes '' -k --shebang echo
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --shebang: must be the first option, as on a #! line (see lanes(1))" ]
}

# csv_cases PROGRAM...: runs the --csv cases with PROGRAM (lanes, or GNU
# parallel) and prints what each gave, one a line.
csv_cases() {
	echo '"1 big, 2 small","2""x4"" plank",12.34' | "$@" --csv echo {1} of {2} at {3}
	printf '"Start of field 1 with newline\nLine 2 in field 1";value 2\n' | "$@" --csv --colsep ';' echo 'F1: {1} F2: {2}'
	printf 'name,age\n"Ann, Jr.",3\n' | "$@" --csv --header : echo '{name}={age}'
	printf 'a,"",c\n' | "$@" --csv echo '[{2}]'
}

CSV_EXPECTED='1 big, 2 small of 2"x4" plank at 12.34
F1: Start of field 1 with newline
Line 2 in field 1 F2: value 2
Ann, Jr.=3
[]'

@test "--csv reads RFC 4180 records: quoted separators, doubled quotes, newlines inside quotes, --header" {
	run_cmd '' bash -c "$(declare -f csv_cases); csv_cases lanes"
	show
	[ "$status" -eq 0 ]
	[ "$output" = "$CSV_EXPECTED" ]
}

@test "GNU parallel agrees on the --csv cases" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	perl -MText::CSV -e 1 2>/dev/null || skip "GNU parallel --csv needs Text::CSV (Debian package libtext-csv-perl)"
	run_cmd '' bash -c "$(declare -f csv_cases); csv_cases parallel --will-cite"
	show
	[ "$output" = "$CSV_EXPECTED" ]
}

@test "--csv takes CRLF records and a field with stray quotes as it comes; bad combinations are refused" {
	cd "$BATS_TEST_TMPDIR"  # [xy] is a glob: no file here may match it
	run_lanes $'a,"x"y,c\r\nd,e,f\r\n' -k --csv echo '[{2}]'
	show
	[ "$output" = $'[xy]\n[e]' ]
	run_lanes 'a' --csv --colsep ',,' echo
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --colsep: ',,': with --csv it is the one character between fields (example: --colsep ';')" ]
	run_lanes 'a' --csv -0 echo
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --csv: records end with newlines: it cannot be combined with -d or -0" ]
}

@test "--number-of-cpus and its kin print the usable CPUs; --max-line-length-allowed the line -m fills to" {
	run_cmd '' taskset -c 0 lanes --number-of-cpus
	show
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
	run_lanes '' --number-of-cores
	[ "$output" = "$(nproc)" ]
	run_lanes '' --max-line-length-allowed
	[ "$output" = 131071 ]
}

@test "--plain reads no default options; --no-keep-order takes back -k" {
	LANES_OPTIONS=--tag run_lanes '' --plain echo ::: x
	show
	[ "$output" = x ]
	run_lanes '' -k --no-keep-order -j1 echo ::: a
	[ "$output" = a ]
}

# plain TEXT: TEXT without its SGR colour sequences.
plain() {
	sed 's/\x1b\[[0-9;]*[mK]//g' <<<"$1"
}

@test "--color gives each job's lines a colour of their own, reset at each line's end; --ctag colours the tag too" {
	run_lanes '' -k --color 'printf "x{}\ny{}"' ::: 1 2
	show
	[ "$status" -eq 0 ]
	[ "$(plain "$output")" = $'x1\ny1\nx2\ny2' ]
	local first second
	first=$(sed -n 1p <<<"$output")
	second=$(sed -n 3p <<<"$output")
	[[ $first == $'\e['*m'x1'$'\e[0m' ]]
	[ "${first%%x1*}" != "${second%%x2*}" ]
	run_lanes '' -k --ctag echo ::: a
	[ "$(plain "$output")" = $'a\ta' ]
	[[ $output == $'\e['*m$'a\ta\e[0m' ]]
	run_lanes '' -k --ctagstring 'T{}' echo ::: b
	[ "$(plain "$output")" = $'Tb\tb' ]
}

@test "GNU parallel agrees: --ctag prints the tagged lines, coloured" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	run_cmd '' parallel --will-cite -k --ctag echo ::: a b
	show
	[ "$(plain "$output")" = $'a\ta\nb\tb' ]
	[[ $output == *$'\e['* ]]
}

# untimed FILE: the table without its Starttime and JobRuntime values.
untimed() {
	sed -E 's/("Starttime": |"JobRuntime": )[0-9.]+/\1T/g; s/^([0-9]+[,\t]:[,\t])[0-9.]+([,\t])[0-9.]+/\1T\2T/' "$1"
}

@test "--results FILE.csv, .tsv and .json: one table of the jobs, their output in it, nothing printed" {
	cd "$BATS_TEST_TMPDIR"
	run_lanes '' --results out.csv -k 'echo {}; echo e >&2' ::: a 'b c'
	show
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(untimed out.csv)" = 'Seq,Host,Starttime,JobRuntime,Send,Receive,Exitval,Signal,Command,V1,Stdout,Stderr
1,:,T,T,0,2,0,0,"echo a; echo e >&2",a,"a
","e
"
2,:,T,T,0,4,0,0,"echo '"'b c'"'; echo e >&2","b c","b c
","e
"' ]
	run_lanes '' --results out.json -k 'exit {}' ::: 0 3
	[ "$status" -eq 1 ]
	[ "$(untimed out.json)" = '{ "Seq": 1, "Host": ":", "Starttime": T, "JobRuntime": T, "Send": 0, "Receive": 0, "Exitval": 0, "Signal": 0, "Command": "exit 0", "V": [ "0" ], "Stdout": "", "Stderr": "" }
{ "Seq": 2, "Host": ":", "Starttime": T, "JobRuntime": T, "Send": 0, "Receive": 0, "Exitval": 3, "Signal": 0, "Command": "exit 3", "V": [ "3" ], "Stdout": "", "Stderr": "" }' ]
}

@test "GNU parallel agrees on the --results tables, but for the times" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	cd "$BATS_TEST_TMPDIR"
	local f
	for f in t.csv t.tsv t.json; do
		run_cmd '' parallel --will-cite --results "gnu-$f" -k 'echo {1}"{2}"; echo e >&2' ::: a 'b c' ::: 1
		run_lanes '' --results "lanes-$f" -k 'echo {1}"{2}"; echo e >&2' ::: a 'b c' ::: 1
		diff <(untimed "gnu-$f") <(untimed "lanes-$f")
	done
}

@test "--results TABLE with -k writes the rows in input order, whatever order the jobs end in" {
	cd "$BATS_TEST_TMPDIR"
	run_lanes '' --results out.tsv -k -j3 "$SLEEP {}" ::: 0.4 0.1 0.2
	show
	[ "$status" -eq 0 ]
	[ "$(tail -n +2 out.tsv | cut -f 1 | tr '\n' ' ')" = "1 2 3 " ]
}

@test "--plus: a pattern that is not a POSIX extended regular expression is refused with one line and 255" {
	local t=$BATS_TEST_TMPDIR/ran string pattern
	while read -r string pattern; do
		run_lanes '' --plus "touch $t; echo $string" ::: a
		show
		[ "$status" -eq 255 ]
		[ -z "$output" ]
		[ "$stderr" = "lanes: --plus $string: $pattern is not a POSIX extended regular expression: ${stderr##*: }" ]
		[ ! -e "$t" ]
	done <<-'END'
		{#a(} a(
		{/[b/x} [b
		{%%*} *
	END
	run_lanes '' --plus --tagstring '{^(}' --tag echo ::: a
	[ "$status" -eq 255 ]
	[[ "$stderr" = "lanes: --plus {^(}: ( is not a POSIX"* ]]
}

@test "--plus patterns match leftmost-longest, as POSIX's do (Perl takes the first alternative)" {
	run_lanes '' --plus echo '{##a|ab}' '{/a|ab/X}' '{^^b|bc}' ::: abc
	show
	[ "$status" -eq 0 ]
	[ "$output" = "c Xc aBC" ]
}

@test "--plus dynamic strings work in --tagstring and on each value of -X" {
	run_lanes '' --plus -k --tagstring '{:1:2}' echo ::: abcd
	show
	[ "$output" = $'bc\tabcd' ]
	run_lanes '' --plus -j1 -X echo '{%.txt}.md' ::: a.txt b.txt
	show
	[ "$output" = "a.md b.md" ]
}

@test "--color-failed: a failed job's every line white on red, stdout and stderr; others as they are; an unended last line ended" {
	run_lanes '' -k -j3 --cf ::: 'echo a; echo b >&2; false' 'printf c' "printf 'd\ne'; exit 3" 'sleep 0.2; echo f'
	show
	[ "$status" -eq 2 ]
	[ "$output" = $'\e[37;41ma\e[0m\nc\n\e[37;41md\e[0m\n\e[37;41me\e[0m\nf' ]
	[ "$stderr" = $'\e[37;41mb\e[0m' ]
	# a timeout is a failure; --color colours the others as before
	run_lanes '' -k --colour-failed --color --timeout 0.5 ::: 'echo slow; sleep 9' 'echo ok'
	show
	[ "$status" -eq 1 ]
	[ "$(sed -n 1p <<<"$output")" = $'\e[37;41mslow\e[0m' ]
	[[ $(sed -n 2p <<<"$output") == $'\e['*'mok'$'\e[0m' ]]
	[[ $(sed -n 2p <<<"$output") != $'\e[37;41m'* ]]
	# --tag: the tag is coloured with its line
	run_lanes '' --cf --tag ::: false 'echo x; exit 1'
	[ "$output" = $'\e[37;41mecho x; exit 1\tx\e[0m' ]
}

@test "--color-failed colours each line of output too big for memory, spilled to a file" {
	run_lanes '' --cf ::: 'seq 300000; exit 1'
	[ "$status" -eq 1 ]
	[ "$(plain "$output" | wc -l)" -eq 300000 ]
	[ "$(plain "$output" | tail -1)" = 300000 ]
	[ "$(grep -c $'^\e\\[37;41m[0-9]*\e\\[0m$' <<<"$output")" -eq 300000 ]
}

@test "--color-failed is ignored with -u and --line-buffer, as in GNU parallel; its other spellings are accepted" {
	run_lanes '' -u --cf -j1 ::: 'echo a; false' 'echo b'
	[ "$output" = $'a\nb' ]
	run_lanes '' --line-buffer --cf -j1 ::: 'echo a; false'
	[ "$output" = a ]
	local spelling
	for spelling in colour-failed colorfailed colourfailed color-fail colour-fail colorfail colourfail; do
		run_lanes '' --"$spelling" ::: 'echo z; false'
		[ "$output" = $'\e[37;41mz\e[0m' ] || { echo "--$spelling: $output"; false; }
	done
}

@test "GNU parallel agrees: --color-failed colours the failed jobs' lines only" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	local args=(-k -j2 --cf ::: 'echo a; false' 'echo b' "printf 'c\nd'; exit 2")
	run_cmd '' parallel --will-cite "${args[@]}"
	local gnu=$output
	run_lanes '' "${args[@]}"
	show
	[ "$(plain "$output")" = "$(plain "$gnu")" ]
	# the same lines carry a colour in both
	[ "$(grep -n $'\e' <<<"$output" | cut -d: -f1 | tr '\n' ' ')" = "$(grep -n $'\e' <<<"$gnu" | cut -d: -f1 | tr '\n' ' ')" ]
}

@test "--workdir DIR runs a job here in DIR, made as needed, its replacement strings filled in" {
	cd "$BATS_TEST_TMPDIR"
	run_lanes '' -k --workdir "sub/{}" pwd ::: a b
	show
	[ "$status" -eq 0 ]
	[ "$output" = "$BATS_TEST_TMPDIR/sub/a"$'\n'"$BATS_TEST_TMPDIR/sub/b" ]
}

@test "--workdir ... gives each job here a new directory under ~/.lanes/tmp, removed afterwards" {
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir "$HOME"
	run_lanes '' -j2 --workdir ... 'pwd; mkdir d; touch d/f; : {}' ::: 1 2 3
	show
	[ "$status" -eq 0 ]
	distinct_dirs_under "$HOME/.lanes/tmp/" 3
	[ ! -e "$HOME/.lanes" ]
}

@test "a --workdir that cannot be made is one line, and the job fails with 126" {
	log=$BATS_TEST_TMPDIR/log
	run_lanes '' --workdir /proc/lanes-nowhere --joblog "$log" pwd ::: 1
	show
	[ "$status" -eq 1 ]
	[ "$stderr" = "lanes: --workdir /proc/lanes-nowhere: No such file or directory" ]
	[ "$(awk -F'\t' 'NR == 2 { print $7 }' "$log")" -eq 126 ]
}

@test "GNU parallel agrees: --workdir DIR runs a job here in DIR" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	cd "$BATS_TEST_TMPDIR"
	run_lanes '' -k --wd "w/{}" pwd ::: a b
	mine=$output
	run_cmd '' parallel --will-cite -k --wd "w/{}" pwd ::: a b
	[ "$output" = "$mine" ]
}
