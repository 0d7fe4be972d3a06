# Named semaphores: lanes --semaphore (sem) and --sem-id. Slots are kernel
# locks, so a holder that dies, however it dies, frees its slot at once;
# and each user's semaphores are their own.

load helpers/common

# sem_base [UID]: the directory a user's semaphores live in, as lanes(1)
# says: /run/user/UID/lanes when that is the user's, else /tmp/lanes-UID.
sem_base() {
	local uid=${1:-$(id -u)}
	if [ -d "/run/user/$uid" ] && [ "$(stat -c %u:%a "/run/user/$uid")" = "$uid:700" ]; then
		echo "/run/user/$uid/lanes"
	else
		echo "/tmp/lanes-$uid"
	fi
}

# Every test uses a semaphore of its own name, removed after it.
eval "common_$(declare -f setup)"
setup() {
	common_setup
	ID=$MARK
	LOG=$BATS_TEST_TMPDIR/conc.log
	: >"$LOG"
}

eval "common_$(declare -f teardown)"
teardown() {
	common_teardown
	local pid
	for pid in $(marked_pids "$MARK"); do  # holders a passing test left running
		kill -KILL "$pid" 2>/dev/null || true
	done
	rm -rf "$(sem_base)/semaphores/$ID"
	if [ -n "${SHARED_DIR:-}" ]; then rm -rf "$SHARED_DIR"; fi
	if [ -n "${OTHER_UID:-}" ]; then rm -rf "/tmp/lanes-$OTHER_UID" "/tmp/lanes-$OTHER_UID".*; fi
}

# as_uid UID: sets $AS_USER to run a command as UID, and $SHARED_DIR to a
# directory it can read, holding a copy of lanes.
as_uid() {
	if ! setpriv --reuid="$1" --regid="$1" --clear-groups true 2>/dev/null; then
		skip "setpriv cannot run a command as another user here"
	fi
	AS_USER=(setpriv --reuid="$1" --regid="$1" --clear-groups)
	SHARED_DIR=$(mktemp -d /tmp/lanes-sem.XXXXXX)
	chmod 755 "$SHARED_DIR"
	cp "$(command -v lanes)" "$SHARED_DIR/lanes"
	chmod 755 "$SHARED_DIR/lanes"
}

# A job that notes its start and end in $LOG (see max_concurrent).
logged() {
	echo "echo + >> $LOG; $SLEEP $1; echo - >> $LOG"
}

@test "6 commands under --semaphore -j2 never run more than 2 at once, and --wait returns when all have ended" {
	local i
	for ((i = 1; i <= 6; i++)); do
		run_lanes '' --semaphore --id "$ID" -j2 "$(logged 0.3)"
		[ "$status" -eq 0 ]
	done
	run_lanes '' --semaphore --id "$ID" --wait
	show
	[ "$status" -eq 0 ]
	# every command has ended: 12 lines, none still to come
	[ "$(wc -l <"$LOG")" -eq 12 ]
	echo "at most $(max_concurrent "$LOG") at once"
	[ "$(max_concurrent "$LOG")" -eq 2 ]
}

@test "--semaphore returns as soon as its command has started, and the command runs on" {
	run_lanes '' --semaphore --id "$ID" "$SLEEP 0.5; echo done > $BATS_TEST_TMPDIR/out"
	show
	[ "$status" -eq 0 ]
	[ "$elapsed_ms" -lt 400 ]
	[ ! -e "$BATS_TEST_TMPDIR/out" ]
	run_lanes '' --semaphore --id "$ID" --wait
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = done ]
}

@test "--semaphore --fg waits for its command and exits with the command's status" {
	run_lanes '' --semaphore --fg --id "$ID" 'echo out; echo err >&2; exit 7'
	show
	[ "$status" -eq 7 ]
	[ "$output" = out ]
	[ "$stderr" = err ]
}

@test "kill -9 of a holder frees its slot at once: the next waiter starts within a second" {
	local ran=$BATS_TEST_TMPDIR/ran t0
	env --default-signal=INT,QUIT,TERM,HUP lanes --semaphore --fg --id "$ID" "$SLEEP 30" &
	local holder=$!
	BG_PIDS+=("$holder")
	wait_marked "$MARK" 1
	lanes --semaphore --fg --id "$ID" "date +%s%N > $ran" &
	local waiter=$!
	BG_PIDS+=("$waiter")
	sleep 0.3
	[ ! -e "$ran" ]
	t0=$(date +%s%N)
	kill -KILL "$holder"
	wait "$waiter"
	echo "the waiter started $((($(cat "$ran") - t0) / 1000000)) ms after kill -9"
	[ $((($(cat "$ran") - t0) / 1000000)) -lt 1000 ]
	# the holder's command died with it (its parent-death signal)
	wait_unmarked "$MARK" 2
}

@test "kill -9 of a held command frees its slot: the next command starts at once" {
	local ran=$BATS_TEST_TMPDIR/ran pid
	run_lanes '' --semaphore --id "$ID" "$SLEEP 30"
	wait_marked "$MARK" 1
	lanes --semaphore --fg --id "$ID" "echo next > $ran" &
	BG_PIDS+=("$!")
	sleep 0.3
	[ ! -e "$ran" ]
	# the sleep itself, not lanes (whose command lines carry the mark too)
	local arg0
	for pid in $(marked_pids "$MARK"); do
		IFS= read -r -d '' arg0 <"/proc/$pid/cmdline" || true
		[ "$arg0" = "$SLEEP" ] && kill -KILL "$pid"
	done
	wait "${BG_PIDS[-1]}"
	[ "$(cat "$ran")" = next ]
}

@test "a semaphore whose holders all died long ago blocks nobody" {
	# the files of a semaphore of 1 slot, left as a crash leaves them
	run_lanes '' --semaphore --fg --id "$ID" true
	local dir
	dir=$(sem_base)/semaphores/$ID
	ls -la "$dir"
	[ -e "$dir/slot.1" ]
	run_lanes '' --semaphore --fg --id "$ID" echo free
	show
	[ "$status" -eq 0 ]
	[ "$output" = free ]
	[ "$elapsed_ms" -lt 2000 ]
}

@test "--semaphore-timeout 0.5 runs the command anyway once the semaphore has stayed full that long" {
	run_lanes '' --semaphore --id "$ID" "$SLEEP 5"
	run_lanes '' --semaphore --fg --id "$ID" --st 0.5 echo anyway
	show
	[ "$status" -eq 0 ]
	[ "$output" = anyway ]
	[ "$elapsed_ms" -ge 400 ]
}

@test "--st -0.5 gives up once the semaphore has stayed full that long: status 1, one line, nothing run" {
	run_lanes '' --semaphore --id "$ID" "$SLEEP 5"
	run_lanes '' --semaphore --fg --id "$ID" --st -0.5 echo never
	show
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "lanes: --semaphore-timeout -0.5: semaphore $ID stayed full; giving up" ]
}

@test "lanes run as sem is lanes --semaphore" {
	ln -s "$(command -v lanes)" "$BATS_TEST_TMPDIR/sem"
	run_cmd '' "$BATS_TEST_TMPDIR/sem" --fg --id "$ID" echo from sem
	show
	[ "$status" -eq 0 ]
	[ "$output" = "from sem" ]
}

@test "three runs with --sem-id NAME:4 never have more than 4 jobs in flight together" {
	local i pids=()
	for i in 1 2 3; do
		lanes -j8 --sem-id "$ID:4" "$(logged 0.2); : {}" ::: 1 2 3 4 5 6 7 8 &
		pids+=("$!")
	done
	BG_PIDS+=("${pids[@]}")
	for i in "${pids[@]}"; do wait "$i"; done
	[ "$(wc -l <"$LOG")" -eq 48 ]
	echo "at most $(max_concurrent "$LOG") at once"
	[ "$(max_concurrent "$LOG")" -eq 4 ]
}

@test "a run whose input has ended waits for no slot: not even when its semaphore is gone" {
	lanes -j2 --sem-id "$ID:1" "$SLEEP 0.5; : {}" ::: 1 &
	BG_PIDS+=("$!")
	wait_marked "$MARK" 1
	rm -rf "$(sem_base)/semaphores/$ID"
	local t0
	t0=$(now_ms)
	wait "${BG_PIDS[0]}"
	echo "ended $(($(now_ms) - t0)) ms after"
	[ $(($(now_ms) - t0)) -lt 5000 ]
}

@test "two runs that give one semaphore different sizes: the second says so, with 255, before any job" {
	lanes -j2 --sem-id "$ID:3" "$SLEEP 2; : {}" ::: 1 &
	BG_PIDS+=("$!")
	wait_marked "$MARK" 1
	run_lanes '' -j2 --sem-id "$ID:4" echo ::: a
	show
	[ "$status" -eq 255 ]
	[ -z "$output" ]
	[ "$stderr" = "lanes: --sem-id: semaphore $ID has 3 slots, set by a run that still uses it: ask for 3, or use another name" ]
}

@test "a semaphore nobody uses any more can be given a new size" {
	run_lanes '' -j2 --sem-id "$ID:3" true ::: 1
	[ "$status" -eq 0 ]
	run_lanes '' -j2 --sem-id "$ID:5" echo ::: a
	show
	[ "$status" -eq 0 ]
	[ "$output" = a ]
}

@test "different users never share a semaphore: another user's --id X does not wait for ours" {
	OTHER_UID=54321
	as_uid "$OTHER_UID"
	lanes --semaphore --id "$ID" "$SLEEP 5"
	wait_marked "$MARK" 1
	run_cmd '' "${AS_USER[@]}" "$SHARED_DIR/lanes" --semaphore --fg --id "$ID" echo mine
	show
	[ "$status" -eq 0 ]
	[ "$output" = mine ]
	[ "$elapsed_ms" -lt 3000 ]
	[ -d "$(sem_base)/semaphores/$ID" ]
	[ -d "/tmp/lanes-$OTHER_UID/semaphores/$ID" ]
}

@test "the same user shares its semaphores whatever TMPDIR and XDG_RUNTIME_DIR say" {
	local go=$BATS_TEST_TMPDIR/go
	# The holder runs until $go exists; the second caller prints only
	# once it does, so it prints nothing unless it waited for the holder
	# (no time bound: a loaded machine cannot make it fail).
	lanes --semaphore --id "$ID" "while [ ! -e $go ]; do $SLEEP 0.05; done"
	wait_marked "$MARK" 1
	(sleep 0.5; touch "$go") &
	BG_PIDS+=("$!")
	run_cmd '' env TMPDIR="$BATS_TEST_TMPDIR" XDG_RUNTIME_DIR=/nonexistent lanes --semaphore --fg --id "$ID" \
		"test -e $go && echo after"
	show
	[ "$status" -eq 0 ]
	[ "$output" = after ]
}

@test "a semaphore directory that is not private (mode 0755) is refused with one line and 255" {
	OTHER_UID=54322
	as_uid "$OTHER_UID"
	mkdir -m 0755 "/tmp/lanes-$OTHER_UID"
	chown "$OTHER_UID" "/tmp/lanes-$OTHER_UID"
	run_cmd '' "${AS_USER[@]}" "$SHARED_DIR/lanes" --semaphore --fg --id "$ID" echo no
	show
	[ "$status" -eq 255 ]
	[ -z "$output" ]
	[ "$stderr" = "lanes: --semaphore: /tmp/lanes-$OTHER_UID is not a directory of yours with mode 0700: refusing to use it" ]
}

@test "a /tmp/lanes-UID that someone else made first is passed over, by every run of the user alike" {
	OTHER_UID=54323
	as_uid "$OTHER_UID"
	mkdir -m 0777 "/tmp/lanes-$OTHER_UID"
	run_cmd '' "${AS_USER[@]}" "$SHARED_DIR/lanes" --semaphore --fg --id "$ID" echo fine
	show
	[ "$status" -eq 0 ]
	[ "$output" = fine ]
	[ -d "/tmp/lanes-$OTHER_UID.1/semaphores/$ID" ]
}

@test "bad semaphore values are refused with one line and 255" {
	local bad
	for bad in "--sem-id db" "--sem-id db:0" "--sem-id :4" "--st 3x" "--id="; do
		# shellcheck disable=SC2086 # each case is an option and its value
		run_lanes '' $bad echo ::: a
		echo "$bad: $stderr"
		[ "$status" -eq 255 ]
		[ "$(lines_of "$stderr")" -eq 1 ]
		[[ $stderr == "lanes: "* ]]
	done
	run_lanes '' --semaphore
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --semaphore: needs a command to run (or --wait)" ]
	run_lanes '' --wait echo x
	[ "$status" -eq 255 ]
	[ "$stderr" = "lanes: --wait: takes no command: it waits for those that hold the semaphore" ]
}
