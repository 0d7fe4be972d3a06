# Helpers shared by every tests/*.bats file: `load helpers/common`.
#
# Every test gets a fresh $BATS_TEST_TMPDIR, a unique $MARK and a $SLEEP
# command (a symlink to sleep(1) whose path contains $MARK), so that the
# processes a test starts can be found in /proc by their argv and counted,
# waited for, or killed at teardown.

# Tests call `lanes` from PATH; run-bats puts the repo top first. When a file
# is run by plain `bats`, fall back to the repo's own build.
if ! command -v lanes >/dev/null 2>&1; then
	PATH="$(cd "$BATS_TEST_DIRNAME/.." && pwd):$PATH"
fi

# The longest any single lanes run may take before a test gives up on it.
LANES_TEST_LIMIT=${LANES_TEST_LIMIT:-20}

# Forks are slow on small VMs, so the helpers below avoid needless ones.
SLEEP_BIN=/bin/sleep
[ -x "$SLEEP_BIN" ] || SLEEP_BIN=$(command -v sleep)

setup() {
	MARK="lanesmark-${BATS_TEST_NUMBER}-$$-$RANDOM"
	SLEEP="$BATS_TEST_TMPDIR/$MARK-sleep"
	ln -s "$SLEEP_BIN" "$SLEEP"
	BG_PIDS=()
}

# A failed test may leave lanes or its jobs running: kill them, by PID.
# (A passing test has checked that nothing is left where it matters.)
teardown() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null && { wait "$pid" 2>/dev/null || true; }
	done
	if [ -z "${BATS_TEST_COMPLETED:-}" ] || [ "${#BG_PIDS[@]}" -gt 0 ]; then
		for pid in $(marked_pids "$MARK"); do
			kill -KILL "$pid" 2>/dev/null || true
		done
	fi
}

# now_ms: the wall clock in milliseconds.
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# set_now: the same into $NOW, without a subshell.
set_now() {
	NOW=${EPOCHREALTIME/[.,]/}
	NOW=$((NOW / 1000))
}

# slurp VAR FILE: VAR = FILE's contents without trailing newlines, like
# VAR=$(cat FILE) but without forking.
slurp() {
	local content=
	IFS= read -r -d '' content <"$2" || true
	while [[ $content == *$'\n' ]]; do content=${content%$'\n'}; done
	printf -v "$1" '%s' "$content"
}

# run_cmd INPUT CMD [ARG...]: runs CMD with the string INPUT on its stdin
# (printf '%s', so say the newlines you mean), bounded by $LANES_TEST_LIMIT.
# Sets $status, $output (stdout), $stderr (without trailing newlines, like
# `run`), $elapsed_ms, and leaves the raw streams in $OUT and $ERR.
run_cmd() {
	run_to_files "$@"
	slurp output "$OUT"
	slurp stderr "$ERR"
}

# run_to_files INPUT CMD [ARG...]: run_cmd without reading $OUT and $ERR
# into variables (for outputs too big for a shell variable).
run_to_files() {
	local input=$1 t0
	shift
	OUT=$BATS_TEST_TMPDIR/stdout
	ERR=$BATS_TEST_TMPDIR/stderr
	set_now
	t0=$NOW
	status=0
	printf '%s' "$input" | timeout -k 2 "$LANES_TEST_LIMIT" "$@" >"$OUT" 2>"$ERR" || status=$?
	set_now
	elapsed_ms=$((NOW - t0))
}

# run_lanes INPUT [LANES-ARG...]: run_cmd with lanes.
run_lanes() {
	local input=$1
	shift
	run_cmd "$input" lanes "$@"
}

# show: prints the last run's result; bats shows it only when a test fails.
show() {
	echo "status: $status  elapsed: ${elapsed_ms:-?} ms"
	echo "--- stdout (${#output} bytes; at most 3000 shown):"
	printf '%s\n' "${output:0:3000}"
	echo "--- stderr (${#stderr} bytes; at most 3000 shown):"
	printf '%s\n' "${stderr:0:3000}"
	echo "---"
}

# lines_of TEXT: number of lines in TEXT (0 for the empty string).
lines_of() {
	local newlines=${1//[!$'\n']/}
	if [ -z "$1" ]; then echo 0; else echo $((${#newlines} + 1)); fi
}

# concurrency_jobs COUNT SECONDS LOG: COUNT job lines; each appends "+" to
# LOG when it starts and "-" just before it ends, sleeping SECONDS between.
# Appends of a few bytes with O_APPEND land whole and in order, so the
# running maximum of (+ minus -) is how many jobs ran at the same time.
concurrency_jobs() {
	local i
	for ((i = 1; i <= $1; i++)); do
		printf 'echo + >> %s; sleep %s; echo - >> %s\n' "$3" "$2" "$3"
	done
}

# max_concurrent LOG: the most jobs that were running at once.
max_concurrent() {
	awk '/^\+/ { n++; if (n > m) m = n } /^-/ { n-- } END { print m + 0 }' "$1"
}

# marked_pids MARK: PIDs of live processes (zombies count as gone) with MARK
# in their argv. The pattern "l[a]nesmark-..." matches MARK but not grep's
# own argv, so the scan never finds itself.
marked_pids() {
	local pattern="${1:0:1}[${1:1:1}]${1:2}" file state
	for file in $(grep -l -s -a -e "$pattern" /proc/[0-9]*/cmdline); do
		state=$(proc_state "${file%/cmdline}")
		[ -n "$state" ] && [ "$state" != Z ] || continue
		file=${file#/proc/}
		echo "${file%/cmdline}"
	done
}

# count_marked MARK: how many live processes carry MARK.
count_marked() {
	marked_pids "$1" | wc -l
}

# wait_marked MARK COUNT [SECONDS]: waits until at least COUNT live
# processes carry MARK; fails after SECONDS (default 5).
wait_marked() {
	local deadline
	set_now
	deadline=$((NOW + ${3:-5} * 1000))
	while [ "$(count_marked "$1")" -lt "$2" ]; do
		set_now
		if [ "$NOW" -gt "$deadline" ]; then
			echo "only $(count_marked "$1") of $2 processes marked $1 appeared"
			return 1
		fi
		sleep 0.02
	done
}

# wait_unmarked MARK [SECONDS]: waits until no live process carries MARK;
# fails after SECONDS (default 1), listing the survivors.
wait_unmarked() {
	local deadline pid
	set_now
	deadline=$((NOW + ${2:-1} * 1000))
	while [ "$(count_marked "$1")" -gt 0 ]; do
		set_now
		if [ "$NOW" -gt "$deadline" ]; then
			echo "processes left behind:"
			for pid in $(marked_pids "$1"); do
				echo "  $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
			done
			return 1
		fi
		sleep 0.02
	done
}

# proc_state DIR: the State letter of the process /proc DIR names, or
# nothing when it is gone. The file is read to its end: bash's `read` keeps
# what it read ahead in a buffer that a later `read` from a fresh file on
# the same descriptor can return, when it cannot seek back in a /proc file
# (that once put lanes' own status into a test's captured stdout).
proc_state() {
	local key value state=
	while read -r key value _; do
		[ "$key" = State: ] && state=$value
	done 2>/dev/null <"$1/status"
	echo "$state"
}

# alive PID: true while PID exists and is not a zombie.
alive() {
	local state
	state=$(proc_state "/proc/$1")
	[ -n "$state" ] && [ "$state" != Z ]
}

# start_lanes JOBFILE [LANES-ARG...]: starts lanes in the background with
# JOBFILE on stdin, stdout in $OUT and stderr in $ERR; sets $LANES_PID.
# SIGINT is reset to default first, since bash starts background commands
# with SIGINT ignored.
start_lanes() {
	local jobs=$1
	shift
	OUT=$BATS_TEST_TMPDIR/stdout
	ERR=$BATS_TEST_TMPDIR/stderr
	env --default-signal=INT,QUIT,TERM,HUP lanes "$@" <"$jobs" >"$OUT" 2>"$ERR" &
	LANES_PID=$!
	BG_PIDS+=("$LANES_PID")
}

# wait_lanes [SECONDS]: waits for the background lanes to exit, at most
# SECONDS (default 5), then sets $status, $output, $stderr, $elapsed_ms
# (since the call). Kills it and fails when it does not end in time.
wait_lanes() {
	local t0 deadline
	set_now
	t0=$NOW
	deadline=$((t0 + ${1:-5} * 1000))
	while alive "$LANES_PID"; do
		set_now
		if [ "$NOW" -gt "$deadline" ]; then
			echo "lanes (pid $LANES_PID) still running after ${1:-5} s"
			kill -KILL "$LANES_PID" 2>/dev/null
			wait "$LANES_PID" 2>/dev/null
			return 1
		fi
		sleep 0.02
	done
	status=0
	wait "$LANES_PID" || status=$?
	set_now
	elapsed_ms=$((NOW - t0))
	slurp output "$OUT"
	slurp stderr "$ERR"
}

# distinct_dirs_under PREFIX COUNT: $output is COUNT lines, each a different
# directory under PREFIX (what --workdir ... gives each job).
distinct_dirs_under() {
	local dir
	[ "$(sort -u <<<"$output" | wc -l)" -eq "$2" ] || { echo "not $2 different directories"; return 1; }
	while read -r dir; do
		[[ $dir == "$1"* ]] || { echo "$dir is not under $1"; return 1; }
	done <<<"$output"
}

# max_overlap JOBLOG [HOST]: the most jobs that ran at once (on HOST, by the
# Host column), from the joblog's start times and runtimes; overlaps under
# 50 ms are the rounding of back-to-back jobs, not two at once.
max_overlap() {
	awk -F'\t' -v host="${2:-}" 'NR > 1 && (host == "" || $2 == host) {
		s[n] = $3; e[n] = $3 + $4; n++
	} END {
		best = 0
		for (i = 0; i < n; i++) {
			c = 0
			for (k = 0; k < n; k++)
				if (s[k] <= s[i] + 0.0001 && e[k] > s[i] + 0.05) c++
			if (c > best) best = c
		}
		print best
	}' "$1"
}
