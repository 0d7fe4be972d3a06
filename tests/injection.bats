#!/usr/bin/env bats
# Input is data, never code: a corpus of hostile values goes through every
# way input reaches a job, and each test checks that the marker file the
# values try to create does not exist afterwards, and that each value came
# out byte for byte.  The jobs print their values with printf '%s\n' (echo
# would eat -n and backslashes).  No value is put where the command starts:
# a command starting with {} runs its value as code by design.

load helpers/common

# No test here starts processes that outlive lanes, so common's teardown
# has nothing to do; $MARK is the marker file instead of a process label.
setup() {
	MARK=$BATS_TEST_TMPDIR/pwned
	OUT=$BATS_TEST_TMPDIR/stdout
	ERR=$BATS_TEST_TMPDIR/stderr
	EXPECTED=$BATS_TEST_TMPDIR/expected
	hostile_values
}

teardown() {
	:
}

# hostile_values: sets VALUES to the corpus.  None of them starts or ends
# with a space or a TAB (--colsep trims those) or contains the byte 0x1f
# (the column separator used below).
hostile_values() {
	local unit long=
	unit="'\$(touch $MARK)\"\`touch $MARK\`; touch $MARK |&<>*?[]{}~#!\\ "
	while [ "${#long}" -lt 20000 ]; do long+=$unit; done
	VALUES=(
		"\$(touch $MARK)"
		"\`touch $MARK\`"
		"; touch $MARK"
		"&& touch $MARK"
		"| touch $MARK"
		"> $MARK"
		"'; touch $MARK; '"
		"\"\$(touch $MARK)\""
		"x"$'\n'"touch $MARK"
		'*'
		'-n'
		'\'
		'$HOME'
		'~'
		$'a\tb'
		$'\xff\xfe'
		"a'b\"c\\d"
		'{}'
		"x${long}x"
	)
}

# run_from FILE CMD...: runs CMD with FILE on stdin; sets $status, $output
# and $stderr, and leaves stdout in $OUT.
run_from() {
	local input=$1
	shift
	status=0
	timeout -k 2 "$LANES_TEST_LIMIT" "$@" <"$input" >"$OUT" 2>"$ERR" || status=$?
	slurp output "$OUT"
	slurp stderr "$ERR"
	elapsed_ms=?
}

# expect_each: $EXPECTED is every value followed by a newline.
expect_each() {
	printf '%s\n' "${VALUES[@]}" >"$EXPECTED"
}

# check: the marker was not made, lanes exited 0, stdout is $EXPECTED.
check() {
	if [ -e "$MARK" ]; then
		echo "a value was run as code: $MARK exists"
		show
		return 1
	fi
	if [ "$status" -ne 0 ] || ! cmp -s "$EXPECTED" "$OUT"; then
		show
		echo "--- stdout differs from the values; expected (-) and actual (+), with od -c:"
		diff <(od -c "$EXPECTED") <(od -c "$OUT") | head -n 40
		return 1
	fi
}

@test "hostile values on standard input lines stay data" {
	printf '%s\n' "${VALUES[@]}" >"$BATS_TEST_TMPDIR/in"
	expect_each
	run_from "$BATS_TEST_TMPDIR/in" lanes -k 'printf "%s\n" {}'
	check
}

@test "hostile values on standard input stay data when the command has no {}" {
	printf '%s\n' "${VALUES[@]}" >"$BATS_TEST_TMPDIR/in"
	expect_each
	run_from "$BATS_TEST_TMPDIR/in" lanes -k printf "'%s\n'"
	check
}

@test "hostile values split by -0 stay data, a newline inside one too" {
	printf '%s\0' "${VALUES[@]}" >"$BATS_TEST_TMPDIR/in"
	expect_each
	run_from "$BATS_TEST_TMPDIR/in" lanes -k -0 'printf "%s\n" {}'
	check
}

@test "hostile ::: values stay data" {
	expect_each
	run_from /dev/null lanes -k 'printf "%s\n" {}' ::: "${VALUES[@]}"
	check
}

@test "hostile values in a :::: file stay data" {
	printf '%s\n' "${VALUES[@]}" >"$BATS_TEST_TMPDIR/values"
	expect_each
	run_from /dev/null lanes -k 'printf "%s\n" {}' :::: "$BATS_TEST_TMPDIR/values"
	check
}

@test "hostile values in an -a file stay data" {
	printf '%s\n' "${VALUES[@]}" >"$BATS_TEST_TMPDIR/values"
	expect_each
	run_from /dev/null lanes -k -a "$BATS_TEST_TMPDIR/values" 'printf "%s\n" {}'
	check
}

@test "hostile --colsep columns stay data as {1} and {2}" {
	local value pairs=()
	: >"$EXPECTED"
	for value in "${VALUES[@]}"; do
		pairs+=("$value"$'\x1f'"2:$value")
		printf '%s\n%s\n' "2:$value" "$value" >>"$EXPECTED"
	done
	run_from /dev/null lanes -k --colsep $'\x1f' 'printf "%s\n" {2} {1}' ::: "${pairs[@]}"
	check
}

@test "hostile values stay data with -I" {
	expect_each
	run_from /dev/null lanes -k -I @@ printf "'%s\n'" @@ ::: "${VALUES[@]}"
	check
}

@test "hostile values stay data as {n} of several sources" {
	local value
	: >"$EXPECTED"
	for value in "${VALUES[@]}"; do
		printf '%s\n%s\n' "; touch $MARK" "$value" >>"$EXPECTED"
	done
	run_from /dev/null lanes -k 'printf "%s\n" {2} {1}' ::: "${VALUES[@]}" ::: "; touch $MARK"
	check
}

@test "hostile values stay data when -n puts several in one {}" {
	expect_each
	run_from /dev/null lanes -k -n 3 'printf "%s\n" {}' ::: "${VALUES[@]}"
	check
}

@test "hostile values stay data with --tag, which prints them unquoted" {
	local value line lines
	: >"$EXPECTED"
	for value in "${VALUES[@]}"; do
		mapfile -t lines <<<"$value"
		for line in "${lines[@]}"; do
			printf '%s\t%s\n' "$value" "$line" >>"$EXPECTED"
		done
	done
	run_from /dev/null lanes -k --tag 'printf "%s\n" {}' ::: "${VALUES[@]}"
	check
}

@test "hostile values stay data with -q" {
	expect_each
	run_from /dev/null lanes -k -q printf '%s\n' ::: "${VALUES[@]}"
	check
}

@test "hostile values stay data inside a pipeline template" {
	expect_each
	run_from /dev/null lanes -k 'printf "%s\n" {} | cat' ::: "${VALUES[@]}"
	check
}

@test "--dry-run lines of hostile values, run by sh, print the values and nothing else" {
	expect_each
	run_from /dev/null lanes -k --dry-run 'printf "%s\n" {}' ::: "${VALUES[@]}"
	[ "$status" -eq 0 ]
	cp "$OUT" "$BATS_TEST_TMPDIR/script"
	run_from "$BATS_TEST_TMPDIR/script" sh
	check
}
