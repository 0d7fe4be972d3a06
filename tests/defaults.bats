#!/usr/bin/env bats
# Default options: $XDG_CONFIG_HOME/lanes/config (or -J profiles instead),
# then $LANES_OPTIONS, then the command line, the later winning.

load helpers/common

setup() {
	MARK="lanesmark-${BATS_TEST_NUMBER}-$$-$RANDOM"
	BG_PIDS=()
	export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/config
	mkdir -p "$XDG_CONFIG_HOME/lanes"
	unset LANES_OPTIONS
}

@test "LANES_OPTIONS is read as shell words before the command line's options" {
	LANES_OPTIONS="-k -j1 --tagstring 'x y'" run_lanes '' echo ::: a b
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'x y\ta\nx y\tb' ]
}

@test "the command line overrides LANES_OPTIONS, which overrides the config file" {
	printf -- '-k --tagstring file\n' >"$XDG_CONFIG_HOME/lanes/config"
	run_lanes '' echo ::: a
	[ "$output" = $'file\ta' ]
	LANES_OPTIONS='--tagstring env' run_lanes '' echo ::: a
	[ "$output" = $'env\ta' ]
	LANES_OPTIONS='--tagstring env' run_lanes '' --tagstring line echo ::: a
	[ "$output" = $'line\ta' ]
}

@test "the config file may hold comments and options over several lines" {
	printf '# my defaults\n-k\n\n--tagstring "t g"  # the tag\n' >"$XDG_CONFIG_HOME/lanes/config"
	run_lanes '' echo ::: a b
	show
	[ "$output" = $'t g\ta\nt g\tb' ]
}

@test "without XDG_CONFIG_HOME the config is ~/.config/lanes/config" {
	mkdir -p "$BATS_TEST_TMPDIR/home/.config/lanes"
	printf -- '--tagstring home\n' >"$BATS_TEST_TMPDIR/home/.config/lanes/config"
	run_cmd '' env -u XDG_CONFIG_HOME HOME="$BATS_TEST_TMPDIR/home" lanes echo ::: a
	show
	[ "$output" = $'home\ta' ]
}

@test "-J NAME reads the profile NAME instead of the config file; -J twice reads both" {
	printf -- '--tagstring config\n' >"$XDG_CONFIG_HOME/lanes/config"
	printf -- '-k\n' >"$XDG_CONFIG_HOME/lanes/ordered"
	printf -- '--tagstring p2\n' >"$XDG_CONFIG_HOME/lanes/p2"
	run_lanes '' -J ordered echo ::: a b
	show
	[ "$output" = $'a\nb' ]
	run_lanes '' --profile ordered -J p2 echo ::: a b
	[ "$output" = $'p2\ta\np2\tb' ]
}

@test "a missing profile, a bad profile name, an open quote, an unknown option: one line and 255, no job" {
	local f=$BATS_TEST_TMPDIR/ran
	run_lanes '' -J nope touch "$f"
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: -J nope: $XDG_CONFIG_HOME/lanes/nope: No such file or directory" ]
	run_lanes '' -J ../x touch "$f"
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: -J: '../x' is not a profile name (a file name in the profile directory)" ]
	LANES_OPTIONS="--tagstring 'x" run_lanes '' touch "$f"
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: LANES_OPTIONS: a ' quote is not closed" ]
	LANES_OPTIONS="--no-such-option" run_lanes '' touch "$f"
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --no-such-option: unknown option (see lanes --help)" ]
	[ ! -e "$f" ]
}

@test "GNU parallel's PARALLEL variable is not read, nor an environment variable named LANES" {
	PARALLEL='--tagstring gnu' LANES='--tagstring lanes' run_lanes '' echo ::: a
	show
	[ "$status" -eq 0 ]
	[ "$output" = a ]
}
