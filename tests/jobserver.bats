# GNU make's jobserver, with the real GNU make: lanes as a job of make
# shares make's slots (client), and lanes' jobs share lanes' (server). No
# token is ever lost: make itself says "INTERNAL: Exiting with N jobserver
# tokens" when one is.

load helpers/common

eval "common_$(declare -f setup)"
setup() {
	common_setup
	command -v make >/dev/null || skip "GNU make is not installed (Debian package make)"
	LOG=$BATS_TEST_TMPDIR/conc.log
	: >"$LOG"
	unset MAKEFLAGS MFLAGS MAKELEVEL
}

# A job that notes its start and end in $LOG (see max_concurrent).
logged() {
	echo "echo + >> $LOG; $SLEEP $1; echo - >> $LOG"
}

# make_file NAME RECIPES COMMAND: a makefile whose target all has RECIPES
# prerequisites r1..rN, each running COMMAND.
make_file() {
	local i deps=
	for ((i = 1; i <= $2; i++)); do deps+=" r$i"; done
	{
		echo "all:$deps"
		echo "$deps:"
		printf '\t%s\n' "$3"
	} >"$BATS_TEST_TMPDIR/$1"
}

# tokens FIFO: how many tokens FIFO holds (they are read, then put back).
tokens() {
	local got
	got=$(dd if="$1" iflag=nonblock bs=1 count=65536 2>/dev/null | wc -c)
	[ "$got" -eq 0 ] || head -c "$got" /dev/zero | tr '\0' + >"$1"
	echo "$got"
}

@test "make -j3 whose recipes run lanes -j10: at most 3 jobs at once across the whole build" {
	make_file Makefile 2 "+@lanes -j10 '$(logged 0.3); : {}' ::: 1 2 3 4 5"
	run_cmd '' make -s -j3 -C "$BATS_TEST_TMPDIR"
	show
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$LOG")" -eq 20 ]
	echo "at most $(max_concurrent "$LOG") at once"
	[ "$(max_concurrent "$LOG")" -le 3 ]
	[ "$(max_concurrent "$LOG")" -ge 2 ]
	[[ $stderr != *"jobserver tokens"* ]]
}

@test "a make rule without + runs lanes outside the jobserver: one warning, and lanes runs as if there were none" {
	make_file Makefile 1 "@lanes -j2 echo ::: a b"
	run_cmd '' make -s -j3 -C "$BATS_TEST_TMPDIR"
	show
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "a b " ]
	[ "$(grep -c '^lanes: ' <<<"$stderr")" -eq 1 ]
	[[ $stderr == *"lanes: MAKEFLAGS: --jobserver-auth="*"lanes did not inherit those descriptors"* ]]
}

@test "lanes -j4 running two plain makes of four recipes each: at most 4 recipes at once, and more than 2" {
	make_file Makefile 4 "@$(logged 0.4)"
	run_lanes '' -j4 "make -s -C $BATS_TEST_TMPDIR; : {}" ::: 1 2
	show
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$LOG")" -eq 16 ]
	echo "at most $(max_concurrent "$LOG") at once"
	[ "$(max_concurrent "$LOG")" -le 4 ]
	[ "$(max_concurrent "$LOG")" -gt 2 ]
	[[ $stderr != *"jobserver tokens"* ]]
}

@test "--no-jobserver: lanes offers its jobs no jobserver, and two makes run one recipe each" {
	make_file Makefile 4 "@$(logged 0.2)"
	run_lanes '' --no-jobserver -j4 "make -s -C $BATS_TEST_TMPDIR; : {}" ::: 1 2
	show
	[ "$status" -eq 0 ]
	[ "$(max_concurrent "$LOG")" -eq 2 ]
}

@test "the jobs find both forms in MAKEFLAGS, and the descriptors of the pipe form are open in them" {
	run_lanes '' -j3 'echo "$MAKEFLAGS"; fds=${MAKEFLAGS##*--jobserver-auth=}; ls -l /proc/$$/fd/${fds%,*} /proc/$$/fd/${fds#*,} | wc -l; : {}' ::: 1
	show
	[ "$status" -eq 0 ]
	[[ ${output%%$'\n'*} =~ ^\ -j3\ --jobserver-auth=fifo:/[^\ ]+\ --jobserver-auth=[0-9]+,[0-9]+$ ]]
	[ "${output##*$'\n'}" -eq 2 ]
}

@test "--jobserver-style fifo offers the FIFO alone, and a client that reads it (lanes) shares its slots" {
	run_lanes '' -j2 --jobserver-style fifo 'echo "$MAKEFLAGS"; lanes -j10 '"'$(logged 0.3); : {}'"' ::: 1 2 3 4 5; : {}' ::: 1
	show
	[ "$status" -eq 0 ]
	[[ ${output%%$'\n'*} =~ ^\ -j2\ --jobserver-auth=fifo:/[^\ ]+$ ]]
	[ "$(wc -l <"$LOG")" -eq 10 ]
	echo "at most $(max_concurrent "$LOG") at once"
	[ "$(max_concurrent "$LOG")" -eq 2 ]
	[ -z "$stderr" ]
}

@test "--jobserver-style pipe offers a pipe's descriptors alone, no file, and two plain makes share them" {
	make_file Makefile 4 "@$(logged 0.3)"
	run_lanes '' -j3 --jobserver-style pipe 'echo "$MAKEFLAGS"; ls -l /proc/$$/fd/ | grep -c lanes-jobserver; make -s -C '"$BATS_TEST_TMPDIR"'; : {}' ::: 1 2
	show
	[ "$status" -eq 0 ]
	[[ ${output%%$'\n'*} =~ ^\ -j3\ --jobserver-auth=[0-9]+,[0-9]+$ ]]
	[ "$(grep -cx 0 <<<"$output")" -eq 2 ]
	echo "at most $(max_concurrent "$LOG") at once"
	[ "$(max_concurrent "$LOG")" -le 3 ]
	[ "$(max_concurrent "$LOG")" -gt 2 ]
	[[ $stderr != *"jobserver tokens"* ]]
}

@test "a --jobserver-style that is not one is refused with one line and 255" {
	run_lanes '' --jobserver-style fifos true ::: 1
	show
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --jobserver-style: 'fifos' is not a jobserver style (fifo, pipe or both)" ]
}

@test "a make 4.4 fifo jobserver given by hand: lanes obeys it, holds its tokens while it runs, and leaves them all" {
	local fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	exec 8<>"$fifo"  # keeps the FIFO open, as the make that made it would
	printf + >"$fifo"
	[ "$(tokens "$fifo")" -eq 1 ]
	# -j2: its implicit slot and the one token; a job counts what is left
	MAKEFLAGS=" -j2 --jobserver-auth=fifo:$fifo" run_lanes '' -j8 "$(logged 0.3); : {}" ::: 1 2 3 4 5 6
	show
	[ "$status" -eq 0 ]
	echo "at most $(max_concurrent "$LOG") at once"
	[ "$(max_concurrent "$LOG")" -eq 2 ]
	# (each counts once both run: by then lanes holds what it needs)
	MAKEFLAGS=" -j2 --jobserver-auth=fifo:$fifo" run_lanes '' -j2 "$SLEEP 0.3; dd if=$fifo iflag=nonblock bs=1 count=9 2>/dev/null | wc -c; $SLEEP 0.3; : {}" ::: 1 2
	show
	# while two jobs ran, lanes held the one token: none was to be had
	[ "$output" = $'0\n0' ]
	[ "$(tokens "$fifo")" -eq 1 ]
	exec 8>&-
}

@test "after kill -9 of a job and SIGINT of lanes, a client lanes has put back every token it took" {
	local fifo=$BATS_TEST_TMPDIR/fifo pid arg0
	mkfifo "$fifo"
	exec 8<>"$fifo"
	printf +++ >"$fifo"
	printf '%s\n' "$SLEEP 30" "$SLEEP 30" "$SLEEP 30" "$SLEEP 30" >"$BATS_TEST_TMPDIR/jobs"
	MAKEFLAGS=" -j4 --jobserver-auth=fifo:$fifo" start_lanes "$BATS_TEST_TMPDIR/jobs" -j4
	wait_marked "$MARK" 4
	[ "$(tokens "$fifo")" -eq 0 ]
	for pid in $(marked_pids "$MARK"); do
		IFS= read -r -d '' arg0 <"/proc/$pid/cmdline" || true
		if [ "$arg0" = "$SLEEP" ]; then kill -KILL "$pid"; break; fi
	done
	sleep 0.3
	kill -INT "$LANES_PID"
	wait_lanes 5
	show
	[ "$status" -eq 130 ]
	[ "$(tokens "$fifo")" -eq 3 ]
	exec 8>&-
}

@test "a job that takes tokens and dies with them: lanes fills its pool up again once no job runs" {
	# the first job steals both spare tokens of -j3's pool; the second,
	# alone, counts the pool
	local steal count
	# shellcheck disable=SC2016 # for the jobs' shell
	steal='f=${MAKEFLAGS##*fifo:}; f=${f%% *}; dd if="$f" iflag=nonblock bs=1 count=2 of=/dev/null 2>/dev/null; echo stole'
	# shellcheck disable=SC2016
	count='f=${MAKEFLAGS##*fifo:}; f=${f%% *}; dd if="$f" iflag=nonblock bs=1 count=9 2>/dev/null | wc -c'
	run_cmd '' sh -c "(echo '$steal'; sleep 0.5; echo '$count') | lanes -j3 -k"
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'stole\n2' ]
}

@test "a jobserver lanes cannot use (descriptors it did not inherit) is one warning, and the run goes on" {
	MAKEFLAGS=" -j2 --jobserver-auth=98,99" run_lanes '' -k echo ::: a b
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'a\nb' ]
	[[ $stderr == "lanes: MAKEFLAGS: --jobserver-auth=98,99: lanes did not inherit those descriptors"* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
}

@test "--no-jobserver ignores make's jobserver too" {
	MAKEFLAGS=" -j2 --jobserver-auth=98,99" run_lanes '' --no-jobserver -k echo ::: a b
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'a\nb' ]
	[ -z "$stderr" ]
}
