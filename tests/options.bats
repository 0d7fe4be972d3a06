# The command line itself: --help, --version, and usage errors, which print
# one line naming the option and the value and exit 255 before any job runs.

load helpers/common

# usage_error WORD... -- LANES-ARG...: lanes with these arguments, on an
# input whose job would create a file, must exit 255 with one line on
# stderr that starts with "lanes: " and contains every WORD, run no job,
# and print nothing on stdout.
usage_error() {
	local words=()
	while [ "$1" != -- ]; do words+=("$1"); shift; done
	shift
	run_lanes "touch $BATS_TEST_TMPDIR/ran"$'\n' "$@"
	echo "lanes $*"
	show
	[ "$status" -eq 255 ] || { echo "expected status 255"; return 1; }
	[ -z "$output" ] || { echo "expected no stdout"; return 1; }
	[ "$(lines_of "$stderr")" -eq 1 ] || { echo "expected exactly one line on stderr"; return 1; }
	[[ "$stderr" == "lanes: "* ]] || { echo "expected the line to start with 'lanes: '"; return 1; }
	local word
	for word in "${words[@]}"; do
		case $word in
		-j) [[ "$stderr" == *-j* || "$stderr" == *--jobs* ]] ;;
		*) [[ "$stderr" == *"$word"* ]] ;;
		esac || { echo "expected the message to name '$word'"; return 1; }
	done
	[ ! -e "$BATS_TEST_TMPDIR/ran" ] || { echo "a job ran"; return 1; }
}

@test "--help prints the usage on stdout and exits 0" {
	run_lanes '' --help
	show
	[ "$status" -eq 0 ]
	[[ "$output" == "Usage: lanes "* ]]
	[[ "$output" == *--timeout* ]]
	[ -z "$stderr" ]
}

@test "-h is --help" {
	run_lanes '' -h
	show
	[ "$status" -eq 0 ]
	[[ "$output" == "Usage: lanes "* ]]
}

@test "--help runs no job" {
	run_lanes "touch $BATS_TEST_TMPDIR/ran"$'\n' --help
	show
	[ "$status" -eq 0 ]
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "--version prints 'lanes X.Y.Z' and exits 0" {
	run_lanes '' --version
	show
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^lanes\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[ -z "$stderr" ]
}

@test "-j abc is a usage error" {
	usage_error -j abc -- -j abc
}

@test "-j -99 is a usage error: it leaves no job slot" {
	usage_error -j -99 -- -j -99
}

@test "an empty -j is a usage error" {
	usage_error -j -- -j ''
}

@test "--jobs abc is a usage error too" {
	usage_error abc -- --jobs abc
}

@test "-P abc is a usage error too" {
	usage_error abc -- -P abc
}

@test "--timeout 3x is a usage error" {
	usage_error --timeout 3x -- --timeout 3x
}

@test "--timeout -1 is a usage error" {
	usage_error --timeout -1 -- --timeout -1
}

@test "--termseq TERM,x is a usage error" {
	usage_error --termseq x -- --termseq TERM,x
}

@test "--termseq NOSUCHSIG,10 is a usage error" {
	usage_error --termseq NOSUCHSIG -- --termseq NOSUCHSIG,10
}

@test "--halt bogus is a usage error" {
	usage_error --halt bogus -- --halt bogus
}

@test "--halt now,fail=0x is a usage error" {
	usage_error --halt 0x -- --halt now,fail=0x
}

@test "an unknown option is a usage error" {
	usage_error frobnicate -- --frobnicate
}

@test "an option missing its value is a usage error" {
	usage_error --timeout -- --timeout
}

@test "-j missing its value is a usage error" {
	usage_error -j -- -j
}

@test "a bad value after good options is still caught before any job" {
	usage_error --halt bogus -- -j2 --timeout 5 --halt bogus
}

@test "the valid option forms are accepted" {
	local args
	for args in "-j 2" "--jobs 2" "-P 2" "-j 50%" "-j +1" "-j 0" "--timeout 1.5s" \
		"--termseq TERM,100,KILL,25" "--termseq KILL,25" "--group" "--line-buffer" "--lb" \
		"-u" "--ungroup" "-k" "--keep-order" "--tag" "--tagstring x" "--halt 0" \
		"--halt 1" "--halt 2" "--halt now,fail=1" "--halt soon,fail=10%" \
		"--halt now,success=1" "--halt soon,done=3" "--shell /bin/sh"; do
		run_lanes $'echo ok\n' $args
		echo "lanes $args"
		show
		[ "$status" -eq 0 ]
		[[ "$output" == ok || "$output" == *$'\t'ok ]] # --tag, --tagstring
		# (a --halt on success may say it halts; nothing else is printed)
		[ -z "$(printf '%s\n' "$stderr" | grep -vi halt)" ]
	done
}

# The options lanes accepts are its long_options table; --help and the
# manual must name every one (--help may leave out a few aliases).
@test "--help and lanes(1) name every option lanes accepts, and --help no option it does not" {
	local src=$BATS_TEST_DIRNAME/../src/options.c man=$BATS_TEST_DIRNAME/../man/lanes.1 name missing=()
	local aliases=" colour-failed colorfailed colourfailed color-fail colour-fail colorfail colourfail halt-on-error xapply total-jobs semaphore-name semaphorename semaphoretimeout semaphore-timeout spreadstdin pipe-part block-size round "
	run_lanes '' --help
	[ "$status" -eq 0 ]
	local accepted
	accepted=$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [a-z]*_argument,.*/\1/p' "$src")
	[ "$(wc -w <<<"$accepted")" -gt 30 ]
	for name in $accepted; do
		if [[ $aliases != *" $name "* ]] && ! grep -q -- "--$name\b" <<<"$output"; then
			missing+=("--help lacks --$name")
		fi
		grep -q -- "Fl -$name\b" "$man" || missing+=("lanes(1) lacks --$name")
	done
	for name in $(grep -o -- '--[a-z][a-z-]*' <<<"$output" | sort -u); do
		grep -qx -- "${name#--}" <<<"$accepted" || missing+=("--help names $name, which lanes does not accept")
	done
	printf '%s\n' "${missing[@]}"
	[ "${#missing[@]}" -eq 0 ]
}
