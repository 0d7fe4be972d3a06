#!/usr/bin/env bats
# Which shell runs the lines that need one (--shell, $PARALLEL_SHELL, the
# shell lanes was started from, $SHELL, /bin/sh), and the lines that must
# go through it although they look plain: an exported bash function, a
# name the exec cannot find. `-N0 'echo $0' ::: 1` prints the shell's path.

load helpers/common

BASH_BIN=$(command -v bash)
DASH_BIN=$(command -v dash || true)

need_dash() {
	[ -n "$DASH_BIN" ] || skip "dash is not installed (Debian package dash)"
}

# orphaned FILE CMD...: runs CMD with no shell among its ancestors (its
# parent exits first, so it is reparented), stdout and stderr to FILE;
# waits for it to end.
orphaned() {
	local file=$1
	shift
	command -v perl >/dev/null || skip "perl is not installed (Debian package perl-base)"
	perl -e 'exit if fork; select(undef, undef, undef, 0.3); exec @ARGV or die "exec: $!"' \
		"$@" >"$file" 2>&1 </dev/null
	local i
	for ((i = 0; i < 200; i++)); do
		[ -s "$file" ] && ! pgrep -f "$MARK" >/dev/null && return 0
		sleep 0.05
	done
	return 1
}

@test "started from bash, the lines run with bash, as GNU parallel's do" {
	run_lanes '' -N0 'echo $0' ::: 1
	show
	[ "$status" -eq 0 ]
	[ "$(readlink -f "$output")" = "$(readlink -f "$BASH_BIN")" ]
	run_lanes '' -k echo {} ::: '\\' 'a\tb'
	[ "$output" = $'\\\\\na\\tb' ]
}

@test "started from dash, the lines run with dash, whose echo reads backslashes" {
	need_dash
	run_cmd '' "$DASH_BIN" -c 'lanes -N0 "echo \$0" ::: 1; lanes echo {} ::: "\\\\"'
	show
	[ "$status" -eq 0 ]
	[ "$(readlink -f "${output%%$'\n'*}")" = "$(readlink -f "$DASH_BIN")" ]
	[ "${output#*$'\n'}" = '\' ]
}

@test "GNU parallel agrees: from dash it uses dash too" {
	need_dash
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	run_cmd '' "$DASH_BIN" -c 'parallel --will-cite echo {} ::: "\\\\"'
	show
	[ "$output" = '\' ]
}

@test "\$PARALLEL_SHELL comes first, and --shell before it" {
	need_dash
	PARALLEL_SHELL=$DASH_BIN run_lanes '' -N0 'echo $0' ::: 1
	show
	[ "$output" = "$DASH_BIN" ]
	PARALLEL_SHELL=$DASH_BIN run_lanes '' --shell "$BASH_BIN" -N0 'echo $0' ::: 1
	[ "$output" = "$BASH_BIN" ]
}

@test "a \$PARALLEL_SHELL that cannot be executed is refused with one line and 255" {
	PARALLEL_SHELL=/no/such/shell run_lanes '' touch "$BATS_TEST_TMPDIR/ran" ::: 1
	show
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: PARALLEL_SHELL: '/no/such/shell': No such file or directory" ]
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "with no shell among its ancestors, lanes takes \$SHELL when it is POSIX-style, else /bin/sh" {
	need_dash
	local out=$BATS_TEST_TMPDIR/out
	orphaned "$out" env SHELL="$DASH_BIN" lanes -N0 "echo \$0 $MARK" ::: 1
	cat "$out"
	[ "$(cat "$out")" = "$DASH_BIN $MARK" ]
	# fish's syntax is not sh's: never chosen, even when it is $SHELL
	ln -s "$BASH_BIN" "$BATS_TEST_TMPDIR/fish"
	orphaned "$out" env SHELL="$BATS_TEST_TMPDIR/fish" lanes -N0 "echo \$0 $MARK" ::: 1
	cat "$out"
	[ "$(cat "$out")" = "/bin/sh $MARK" ]
}

@test "an exported bash function runs, though the line needs no shell; with --shell bash too" {
	run_cmd '' bash -c 'doit() { echo "hi $1"; }; export -f doit; lanes -k doit ::: 1 2; lanes --shell bash doit ::: 3'
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'hi 1\nhi 2\nhi 3' ]
	# one named as a program: exec would find the program, not the function
	run_cmd '' bash -c 'date() { echo "fn $1"; }; export -f date; lanes date ::: 1'
	show
	[ "$output" = "fn 1" ]
}

@test "GNU parallel agrees: an exported function runs" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	run_cmd '' bash -c 'doit() { echo "hi $1"; }; export -f doit; parallel --will-cite -k doit ::: 1 2'
	show
	[ "$output" = $'hi 1\nhi 2' ]
}

@test "a program that cannot be found goes to the shell, which says so: status 127, the next job runs" {
	run_lanes '' -k -j1 {} ::: no-such-program-here 'echo next'
	show
	[ "$status" -eq 1 ]
	[ "$output" = next ]
	[[ $stderr == *"no-such-program-here: command not found"* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
}
