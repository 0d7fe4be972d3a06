#!/usr/bin/env bats
# Templates and input sources, checked against tables of cases whose expected
# output is written out (helpers/cases/*.table; the format is described at
# the top of replacements.table).  Each case is one test of lanes, named by
# the case.  Then, for each table, one test runs all its cases with GNU
# parallel and checks that it prints the same (skipped when parallel is not
# installed, or LANES_TEST_GNU=0).  GNU parallel takes about half a second to
# start, so those tests run their cases a few at a time.
#
# The differences from GNU parallel that lanes documents are tested at the
# end of this file, on lanes alone.

load helpers/common

CASES_DIR=$BATS_TEST_DIRNAME/helpers/cases

# case_names TABLE: the names of the cases in TABLE, one a line.
case_names() {
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		[[ $line == '== '* ]] && printf '%s\n' "${line#== }"
	done <"$1"
	return 0
}

# case_load NAME [TABLE]: finds the case NAME (in TABLE, or in any table)
# and sets CASE_ARGS (the arguments, an array), CASE_IN (printf %b pieces of
# the standard input; none: empty input), CASE_OUT (the expected standard
# output) and CASE_RC (the expected exit status).
case_load() {
	local name=$1 line found= text table tables=("$CASES_DIR"/*.table)
	CASE_ARGS=() CASE_IN=() CASE_OUT= CASE_RC=0
	[ -n "${2:-}" ] && tables=("$2")
	for table in "${tables[@]}"; do
		while IFS= read -r line || [ -n "$line" ]; do
			if [[ $line == '== '* ]]; then
				[ -n "$found" ] && return 0
				[ "${line#== }" = "$name" ] && found=1
				continue
			fi
			[ -n "$found" ] || continue
			case $line in
			'$ '*) eval "CASE_ARGS=(${line#\$ })" ;;
			'<% '*) CASE_IN+=("${line#<% }") ;;
			'< '*) text=${line#< }; CASE_IN+=("${text//\\/\\\\}\n") ;;
			'<') CASE_IN+=('\n') ;;
			'|% '*) printf -v text '%b' "${line#|% }"; CASE_OUT+=$text$'\n' ;;
			'| '*) CASE_OUT+=${line#| }$'\n' ;;
			'|') CASE_OUT+=$'\n' ;;
			'? '*) CASE_RC=${line#? } ;;
			'' | '#'*) ;;
			*) echo "$table: case '$name': cannot read the line: $line"; return 1 ;;
			esac
		done <"$table"
		[ -n "$found" ] && return 0
	done
	echo "no case named '$name' in ${tables[*]}"
	return 1
}

# case_exec DIR PROGRAM...: runs PROGRAM -k CASE_ARGS in the cases directory
# with the case's standard input; leaves DIR/stdout, DIR/stderr, DIR/status.
case_exec() {
	local dir=$1 rc=0
	shift
	mkdir -p "$dir"
	printf '%b' "${CASE_IN[@]}" >"$dir/stdin"
	(cd "$CASES_DIR" && exec timeout -k 2 "$LANES_TEST_LIMIT" "$@" -k "${CASE_ARGS[@]}") \
		<"$dir/stdin" >"$dir/stdout" 2>"$dir/stderr" || rc=$?
	echo "$rc" >"$dir/status"
}

# case_check DIR PROGRAM...: compares what case_exec left in DIR with the
# case; on a difference prints the command, a diff and stderr, and fails.
case_check() {
	local dir=$1 rc
	shift
	printf '%s' "$CASE_OUT" >"$dir/expected"
	read -r rc <"$dir/status"
	if cmp -s "$dir/expected" "$dir/stdout" && [ "$rc" = "$CASE_RC" ]; then
		return 0
	fi
	echo "command: $* -k$(printf ' %q' "${CASE_ARGS[@]}")"
	[ -s "$dir/stdin" ] && echo "stdin: $(printf '%q' "$(cat "$dir/stdin")")"
	echo "status: $rc (expected $CASE_RC)"
	echo "--- stdout, expected (-) and actual (+):"
	diff -u "$dir/expected" "$dir/stdout" | tail -n +3
	echo "--- stderr:"
	head -c 2000 "$dir/stderr"
	echo "---"
	return 1
}

# lanes_agrees: runs the case named as the test with lanes.
lanes_agrees() {
	case_load "$BATS_TEST_DESCRIPTION" || return 1
	case_exec "$BATS_TEST_TMPDIR/lanes" lanes
	case_check "$BATS_TEST_TMPDIR/lanes" lanes
}

# parallel_agrees TABLE: runs every case of TABLE with GNU parallel, as many
# at a time as there are CPUs plus one, then checks them all and names each
# case where GNU parallel prints something else.
parallel_agrees() {
	local table=$CASES_DIR/$1 names=() name i running=0 most failed=()
	if [ "${LANES_TEST_GNU:-1}" = 0 ]; then
		skip "LANES_TEST_GNU=0: the cases were checked with lanes only"
	fi
	if ! command -v parallel >/dev/null 2>&1; then
		skip "GNU parallel is not installed: the cases were checked with lanes only"
	fi
	most=$(($(nproc 2>/dev/null || echo 1) + 1))
	mapfile -t names < <(case_names "$table")
	for i in "${!names[@]}"; do
		case_load "${names[i]}" "$table" || return 1
		case_exec "$BATS_TEST_TMPDIR/$i" parallel --will-cite &
		running=$((running + 1))
		if [ "$running" -ge "$most" ]; then
			wait -n || true
			running=$((running - 1))
		fi
	done
	wait
	for i in "${!names[@]}"; do
		case_load "${names[i]}" "$table"
		if ! case_check "$BATS_TEST_TMPDIR/$i" parallel --will-cite; then
			failed+=("${names[i]}")
		fi
	done
	if [ "${#failed[@]}" -gt 0 ]; then
		echo "GNU parallel disagrees with ${#failed[@]} of ${#names[@]} cases of $1:"
		printf '  %s\n' "${failed[@]}"
		return 1
	fi
}

@test "every case in the tables has its test in this file, and every name is used once" {
	local name table lines=() line missing=0
	declare -A have=() seen=()
	mapfile -t lines <"$BATS_TEST_FILENAME"
	for line in "${lines[@]}"; do
		[ -n "$line" ] && have[$line]=1
	done
	for table in "$CASES_DIR"/*.table; do
		while IFS= read -r name; do
			line="@test \"$name\" { lanes_agrees; }"
			if [ -z "${have[$line]:-}" ]; then
				echo "missing: $line"
				missing=1
			fi
			if [ -n "${seen[$name]:-}" ]; then
				echo "two cases named: $name"
				missing=1
			fi
			seen[$name]=1
		done < <(case_names "$table")
		line="@test \"GNU parallel agrees with every case of ${table##*/}\" { parallel_agrees ${table##*/}; }"
		if [ -z "${have[$line]:-}" ]; then
			echo "missing: $line"
			missing=1
		fi
	done
	[ "$missing" = 0 ]
}

# --- replacements.table

@test "{} {.} {/} {//} {/.} cut up tricky paths as GNU parallel does" { lanes_agrees; }
@test "{#} numbers the jobs from 1 and {%} is slot 1 when one job runs at a time" { lanes_agrees; }
@test "{n} picks the n-th source and an {n} past the last source is empty" { lanes_agrees; }
@test "{-n} counts the sources from the end" { lanes_agrees; }
@test "{n.} {n/} {n//} {n/.} apply the path modifiers to the n-th source" { lanes_agrees; }
@test "{-n.} {-n/} {-n//} {-n/.} apply the path modifiers counting from the end" { lanes_agrees; }
@test "{} joins the values of all sources with spaces, each quoted" { lanes_agrees; }
@test "a command without a replacement string gets {} appended" { lanes_agrees; }
@test "a replacement string can sit inside a word and be used several times" { lanes_agrees; }
@test "text that only looks like a replacement string stays as it is" { lanes_agrees; }
@test "GNU parallel agrees with every case of replacements.table" { parallel_agrees replacements.table; }

# --- sources.table

@test "two sources make every pair, the first source changing slowest" { lanes_agrees; }
@test "three sources make every triple, the first source changing slowest" { lanes_agrees; }
@test ":::+ pairs a source with the one before and stops at the shorter" { lanes_agrees; }
@test ":::+ after a product source pairs with the last source only" { lanes_agrees; }
@test "--link pairs all sources and recycles the shorter ones" { lanes_agrees; }
@test "-n numbers the items of a job as {1} to {N}, empty past the last one" { lanes_agrees; }
@test "-n applies the path modifiers of {.} and {/} to each item" { lanes_agrees; }
@test "-N gives each job N items as {1} to {N}, with a short last job" { lanes_agrees; }
@test "-n gives each job up to N input lines and the last job the rest" { lanes_agrees; }
@test "-I replaces the given string and leaves {} as literal text" { lanes_agrees; }
@test "--colsep splits a value at a regular expression into {1} {2} ... trimmed of spaces and tabs" { lanes_agrees; }
@test "--colsep with a TAB character splits at TABs" { lanes_agrees; }
@test "--colsep with a TAB given as \t splits at TABs" { lanes_agrees; }
@test "--colsep numbers the columns of all sources one after another" { lanes_agrees; }
@test "{} with --colsep is all the columns joined by spaces" { lanes_agrees; }
@test "-0 splits standard input at NUL and keeps newlines inside an item" { lanes_agrees; }
@test "-d , splits standard input at commas and the last item needs no comma" { lanes_agrees; }
@test "-d '\t' splits standard input at TABs" { lanes_agrees; }
@test "-d with a control character splits standard input at that byte" { lanes_agrees; }
@test "an empty line is a job with an empty argument and a last line needs no newline" { lanes_agrees; }
@test ":::: reads each file as a source" { lanes_agrees; }
@test "::::+ pairs a file with the source before and stops at the shorter" { lanes_agrees; }
@test ":::: - reads standard input as a source" { lanes_agrees; }
@test "-a reads a file as a source, can be repeated and comes before the ::: sources" { lanes_agrees; }
@test "a command that starts with {} runs the value as a command and the rest follows" { lanes_agrees; }
@test "with no command each ::: value is run as a command line" { lanes_agrees; }
@test "with no command each input line is run as a command line" { lanes_agrees; }
@test "the template is shell code with pipes and redirections" { lanes_agrees; }
@test "GNU parallel agrees with every case of sources.table" { parallel_agrees sources.table; }

# --- output.table

@test "--tag prefixes each output line with the job's arguments and a TAB" { lanes_agrees; }
@test "--tag with several sources joins their values with spaces" { lanes_agrees; }
@test "--tagstring fills in {1} and {#} unquoted and adds a TAB" { lanes_agrees; }
@test "--dry-run prints each command line with GNU parallel's quoting" { lanes_agrees; }
@test "--dry-run prints the template with every replacement made" { lanes_agrees; }
@test "-q quotes each command word so a pipe in the command is literal" { lanes_agrees; }
@test "the exit status is the number of failed jobs" { lanes_agrees; }
@test "--halt now,fail=1 stops at the first failure and exits with its status" { lanes_agrees; }
@test "--halt soon,fail=1 lets running jobs finish and exits with the status" { lanes_agrees; }
@test "GNU parallel agrees with every case of output.table" { parallel_agrees output.table; }

# --- compat.table

@test "-N0 runs one job per item and gives it no argument" { lanes_agrees; }
@test "-N0 still numbers the jobs and leaves {} empty" { lanes_agrees; }
@test "-r skips empty and blank lines of standard input" { lanes_agrees; }
@test "-r skips the combinations that hold an empty or blank ::: value" { lanes_agrees; }
@test "-r looks at the whole line, not the --colsep columns" { lanes_agrees; }
@test "-d takes a string: records separated by a blank line" { lanes_agrees; }
@test "-d '\r\n' reads CRLF lines" { lanes_agrees; }
@test "a NUL byte in a newline-separated item becomes the two characters \0" { lanes_agrees; }
@test "the shell lanes was started from runs the lines: bash's echo keeps backslashes" { lanes_agrees; }
@test "--halt soon,success=1 exits 0 once a job succeeded" { lanes_agrees; }
@test "--halt soon,fail=2 exits with the number of failed jobs" { lanes_agrees; }
@test "--halt now,done=1 exits with the status of the job that ended" { lanes_agrees; }
@test "--halt soon,fail=30% exits with the percentage of the jobs that failed, rounded up" { lanes_agrees; }
@test "--halt 50% is soon,fail=50%" { lanes_agrees; }
@test "--halt -1 is soon,success=1: no job starts after the first success" { lanes_agrees; }
@test "--halt -2 is now,success=1" { lanes_agrees; }
@test "-i and --replace take an attached replacement string, else {}" { lanes_agrees; }
@test "--replace=STR is -I STR" { lanes_agrees; }
@test "--replace followed by an option stands for {}" { lanes_agrees; }
@test "-C is --colsep" { lanes_agrees; }
@test "--arg-sep and --arg-file-sep rename ::: and ::::" { lanes_agrees; }
@test "--trim lr takes white space off both ends of each item" { lanes_agrees; }
@test "--trim r takes it off the right end only" { lanes_agrees; }
@test "--trim n keeps the blanks of --colsep columns, which are trimmed by default" { lanes_agrees; }
@test "--trim l with --colsep trims the left end of each column" { lanes_agrees; }
@test "-E STR ends the input at a line equal to STR" { lanes_agrees; }
@test "--eof=STR and -eSTR are -E STR, and it ends ::: values too" { lanes_agrees; }
@test "--shell-quote prints each command line quoted as one word and runs nothing" { lanes_agrees; }
@test "--shell-quote with no command quotes the values" { lanes_agrees; }
@test "-v prints each command line on standard output, before the job's output" { lanes_agrees; }
@test "--process-slot-var sets the variable to the slot less one" { lanes_agrees; }
@test "--dryrun, --max-procs, --linebuffer and --gnu are the spellings GNU parallel takes" { lanes_agrees; }
@test "-X repeats each word that holds {} for each argument (context replace)" { lanes_agrees; }
@test "-m puts all the arguments where {} is, each its own word" { lanes_agrees; }
@test "-X leaves {#} and words without {} once" { lanes_agrees; }
@test "-m spreads the arguments evenly over the job slots" { lanes_agrees; }
@test "-X reads standard input whole to spread it over the slots" { lanes_agrees; }
@test "-m -s N keeps each command line shorter than N characters" { lanes_agrees; }
@test "-X -s N counts the repeated words" { lanes_agrees; }
@test "-s with an argument too long for it ends the run with 255" { lanes_agrees; }
@test "--xargs fills lines without spreading them over the slots" { lanes_agrees; }
@test "-N caps the arguments -X gives a job" { lanes_agrees; }
@test "-L N without --pipe gives each job N lines, each word with {} repeated for each" { lanes_agrees; }
@test "-l alone is -L 1" { lanes_agrees; }
@test "--header : takes each ::: source's first value as its name, {name}" { lanes_agrees; }
@test "--header : with --colsep names the columns by the first line, and {name.} works" { lanes_agrees; }
@test "--header : reads the names from standard input too" { lanes_agrees; }
@test "--plus adds {+/} {+.} {+..} {+...} {..} {...} {/..} {/...}" { lanes_agrees; }
@test "--plus adds {##}, the number of jobs, and {0#} and {0%}, zero-padded" { lanes_agrees; }
@test "--plus {:-str} {:n} {:n:m}: a default for an empty value and 0, and substrings" { lanes_agrees; }
@test "--plus {#re} {##re} {%re} {%%re} take off the shortest or longest prefix or suffix that matches" { lanes_agrees; }
@test "--plus {/re/str} {//re/str} {/#re/str} {/%re/str} replace the first, every, a leading or an ending match" { lanes_agrees; }
@test "--plus {//re/str} with a pattern that matches nothing, as Perl's s///g" { lanes_agrees; }
@test "--plus {^re} {^^re} {,re} {,,re} change the case of a leading match, or of every one" { lanes_agrees; }
@test "--plus dynamic strings take a position, and a blank after it" { lanes_agrees; }
@test "--plus: what a dynamic string puts in is data, quoted as a value is" { lanes_agrees; }
@test "without --plus, {:-str} and {/re/str} are text" { lanes_agrees; }
@test "--skip-first-line runs no job for the first line" { lanes_agrees; }
@test "--silent takes back -v, --max-replace-args is -N and --term-seq is --termseq" { lanes_agrees; }
@test "--halt N% that never halts exits with the percentage of the jobs that failed" { lanes_agrees; }
@test "-r leaves the blank items out of the total --halt N% counts" { lanes_agrees; }
@test "-e without an attached value takes the next word, as GNU's parser does" { lanes_agrees; }
@test "a NUL becomes \0 after the items are cut, when those characters could cut them" { lanes_agrees; }

@test "GNU parallel agrees with every case of compat.table" { parallel_agrees compat.table; }

# --- Differences from GNU parallel: lanes alone.

@test "with -N, {} inside a word is replaced by all the job's items in one word (GNU parallel repeats the word)" {
	run_lanes '' -k -N 2 echo '[{}]' ::: a b c
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'[a b]\n[c]' ]
}

@test "a ::: value with a newline stays one argument of one job (GNU parallel makes two jobs)" {
	run_lanes '' -k 'printf "[%s]\n" {}; echo {#}' ::: $'one\ntwo' three
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'[one\ntwo]\n1\n[three]\n2' ]
}

@test "-d '\x1e' splits standard input at the byte given in hex (GNU parallel 20221122 knows only octal)" {
	run_lanes $'a\x1eb b\x1ec' -k -d '\x1e' echo
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'a\nb b\nc' ]
}

@test "with -I, {1} and the other replacement strings still work (GNU parallel leaves {1} as text)" {
	run_lanes '' -k -I @@ echo @@ {1} {/} ::: a/f.x
	show
	[ "$status" -eq 0 ]
	[ "$output" = 'a/f.x a/f.x f.x' ]
}
