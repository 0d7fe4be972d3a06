# -S/--sshlogin, --slf and the options of other hosts, against two real
# sshd servers on 127.0.0.2 and 127.0.0.3 (tests/helpers/sshd.bash): jobs
# spread by each host's slots, files round-trip byte for byte, nothing is
# left running or lying on a host, and a host that goes away loses no job.

load helpers/common
load helpers/sshd

H2=127.0.0.2
H3=127.0.0.3

setup_file() {
	sshd_start
	export SSH SSHD_DIR SSHD_PORT SSHD_USER SSHD_HOME SSHD_KEYS
}

teardown_file() {
	sshd_stop_all
}

# remote: lanes with the test servers' ssh client.
remote() {
	local input=$1
	shift
	run_lanes "$input" --ssh "$SSH" "$@"
}

# no_remote_procs TEXT: waits up to 3 s for the hosts to have no process
# whose command line contains TEXT; shows what is left when some are.
no_remote_procs() {
	local i left
	for ((i = 0; i < 60; i++)); do
		left=$(remote_procs "$1")
		[ -z "$left" ] && return 0
		sleep 0.05
	done
	echo "left running on the hosts:"
	echo "$left"
	return 1
}

# left_on_hosts: what lanes or this test's jobs left in the test user's
# home: its .lanes directory, or anything named with $MARK.
left_on_hosts() {
	find "$SSHD_HOME" -maxdepth 4 \( -name .lanes -o -name "*$MARK*" \) 2>/dev/null
}

@test "jobs spread over both hosts, each running at most its N/ at once" {
	log=$BATS_TEST_TMPDIR/log
	remote "$(seq 12)" -S "1/$H2,2/$H3" --joblog "$log" 'sleep 0.4; echo {}'
	show
	[ "$status" -eq 0 ]
	[ "$(sort -n <<<"$output")" = "$(seq 12)" ]
	[ "$(awk -F'\t' 'NR > 1 { print $2 }' "$log" | LC_ALL=C sort -u | tr '\n' ' ')" = "$H2 $H3 " ]
	[ "$(max_overlap "$log" $H2)" -eq 1 ]
	[ "$(max_overlap "$log" $H3)" -eq 2 ]
	[ "$(awk -F'\t' 'NR > 1 && $7 == 0' "$log" | wc -l)" -eq 12 ]
}

@test "a host without N/ gets as many slots as it has CPUs" {
	cpus=$($SSH $H2 nproc)
	[ "$cpus" -le 6 ] || skip "the host has $cpus CPUs: too many jobs for a quick test"
	log=$BATS_TEST_TMPDIR/log
	remote "$(seq $((cpus * 3)))" -S $H2 --joblog "$log" 'sleep 0.5; : {}'
	show
	[ "$status" -eq 0 ]
	[ "$(max_overlap "$log" $H2)" -eq "$cpus" ]
}

@test "-j with hosts is per host" {
	log=$BATS_TEST_TMPDIR/log
	remote "$(seq 6)" -S "$H2" -j 3 --joblog "$log" 'sleep 0.5; : {}'
	show
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(max_overlap "$log" $H2)" -eq 3 ]
}

@test "--workdir applies to the jobs on ':' too" {
	remote '' -S ":" --workdir "$BATS_TEST_TMPDIR/here" pwd ::: 1
	show
	[ "$status" -eq 0 ]
	[ "$output" = "$BATS_TEST_TMPDIR/here" ]
}

@test "a job runs as the host's user, and ':' runs it on this machine" {
	log=$BATS_TEST_TMPDIR/log
	remote "$(seq 4)" -S "1/:,1/$H2" --joblog "$log" 'sleep 0.3; echo $HOME'
	show
	[ "$status" -eq 0 ]
	[[ $output == *"$SSHD_HOME"* ]]
	[[ $output == *"$HOME"* ]]
	[ "$(awk -F'\t' 'NR > 1 { print $2 }' "$log" | LC_ALL=C sort -u | tr '\n' ' ')" = "$H2 : " ]
}

@test "jobs share the host's one connection; --no-controlmaster makes one a job" {
	# the second word of SSH_CONNECTION is the client's port: one per connection
	remote '' -S "1/$H2" 'set -- $SSH_CONNECTION; echo $2; : {}' ::: 1 2 3 4
	show
	[ "$status" -eq 0 ]
	[ "$(sort -u <<<"$output" | wc -l)" -eq 1 ]
	remote '' -S "1/$H2" --no-controlmaster 'set -- $SSH_CONNECTION; echo $2; : {}' ::: 1 2 3 4
	show
	[ "$status" -eq 0 ]
	[ "$(sort -u <<<"$output" | wc -l)" -eq 4 ]
	remote '' -S "$H2,$H3" --no-controlmaster -k 'echo {}; exit {}' ::: 0 1 0
	show
	[ "$status" -eq 1 ]
	[ "$output" = $'0\n1\n0' ]
}

@test "exit statuses, stdout and stderr come back from the host apart" {
	remote '' -S $H2 -k 'echo out {}; echo err {} >&2; exit {}' ::: 0 3 7
	show
	[ "$status" -eq 2 ]
	[ "$output" = $'out 0\nout 3\nout 7' ]
	[ "$stderr" = $'err 0\nerr 3\nerr 7' ]
}

@test "a job killed by a signal on the host exits 128 plus its number" {
	log=$BATS_TEST_TMPDIR/log
	remote '' -S $H2 --joblog "$log" 'kill -TERM $$' ::: 1
	show
	[ "$status" -eq 1 ]
	[ "$(awk -F'\t' 'NR == 2 { print $7 }' "$log")" -eq 143 ]
}

@test "quotes, \$(), newlines and backslashes stay data across the double quoting" {
	values=("a'b" '"q"' '$(echo BAD)' '`echo BAD`' 'x
y' 'back\\slash' '*' ' lead' 'a;b|c&d' '$HOME')
	run_lanes '' -k "printf '%s|\n' {}" ::: "${values[@]}"
	here=$output
	[ "$(lines_of "$here")" -eq 11 ]
	remote '' -S $H2 -k "printf '%s|\n' {}" ::: "${values[@]}"
	show
	[ "$status" -eq 0 ]
	[ "$output" = "$here" ]
	[ "$(grep -cx 'BAD|' <<<"$output")" -eq 0 ]
}

@test "--transfer, --return and --cleanup round-trip files byte for byte and leave none behind" {
	cd "$BATS_TEST_TMPDIR"
	head -c 300000 /dev/urandom >"$MARK a b.bin"
	head -c 1000 /dev/urandom >"$MARK-c.bin"
	printf '' >"$MARK-empty"
	remote '' -S "$H2,$H3" --transfer --return {}.out --cleanup 'cat {} {} > {}.out' \
		::: "$MARK a b.bin" "$MARK-c.bin" "$MARK-empty"
	show
	[ "$status" -eq 0 ]
	for f in "$MARK a b.bin" "$MARK-c.bin" "$MARK-empty"; do
		cat "$f" "$f" | cmp - "$f.out"
	done
	[ -z "$(left_on_hosts)" ]
}

@test "--trc is --transfer --return --cleanup; a file keeps its mode on the host" {
	cd "$BATS_TEST_TMPDIR"
	printf 'data\n' >"$MARK.sh"
	chmod 0751 "$MARK.sh"
	remote '' -S $H2 --trc {}.mode 'stat -c %a {} > {}.mode' ::: "$MARK.sh"
	show
	[ "$status" -eq 0 ]
	[ "$(cat "$MARK.sh.mode")" = 751 ]
	[ -z "$(left_on_hosts)" ]
}

@test "--transferfile sends a file named apart from the argument" {
	cd "$BATS_TEST_TMPDIR"
	echo lookup >"$MARK.table"
	remote '' -S $H2 --tf "$MARK.table" --return {}.out --cleanup "cat $MARK.table > {}.out; echo {} >> {}.out" \
		::: "$MARK-x"
	show
	[ "$status" -eq 0 ]
	[ "$(cat "$MARK-x.out")" = $'lookup\n'"$MARK-x" ]
	[ -z "$(left_on_hosts)" ]
}

@test "a return file the job did not make is a warning, and the job's status stands" {
	cd "$BATS_TEST_TMPDIR"
	remote '' -S $H2 --return "$MARK.never" true ::: 1
	show
	[ "$status" -eq 0 ]
	[[ $stderr == *"could not return $MARK.never"* ]]
	[ ! -e "$MARK.never" ]
}

@test "--workdir ... runs each job in its own directory there, removed afterwards" {
	cd "$BATS_TEST_TMPDIR"
	echo in >"$MARK.in"
	remote '' -S $H2 -j2 --workdir ... 'pwd; sleep 0.2; : {}' ::: 1 2 3
	show
	[ "$status" -eq 0 ]
	distinct_dirs_under "$SSHD_HOME/.lanes/tmp/" 3
	[ -z "$(left_on_hosts)" ]
	remote '' -S $H2 --wd ... --trc {}.out 'ls; cat {} > {}.out' ::: "$MARK.in"
	show
	[ "$status" -eq 0 ]
	[ "$output" = "$MARK.in" ]
	[ "$(cat "$MARK.in.out")" = in ]
	[ -z "$(left_on_hosts)" ]
}

@test "--workdir DIR runs the job there" {
	remote '' -S $H2 --workdir /tmp pwd ::: 1
	show
	[ "$status" -eq 0 ]
	[ "$output" = /tmp ]
}

@test "--env copies a variable and an exported function to the host; others stay here" {
	export LANES_TEST_VALUE="it's \$(x) \"q\""
	export LANES_TEST_OTHER=here
	greet() { echo "hello $1"; }
	export -f greet
	remote '' -S $H2 --env LANES_TEST_VALUE --env greet -k \
		'printf "%s|%s\n" "$LANES_TEST_VALUE" "$LANES_TEST_OTHER"; greet {}' ::: you
	show
	[ "$status" -eq 0 ]
	[ "$output" = "it's \$(x) \"q\"|"$'\nhello you' ]
	remote '' -S $H2 --env _ 'echo "[$LANES_TEST_OTHER]"; : {}' ::: 1
	show
	[ "$status" -eq 0 ]
	[ "$output" = "[]" ]
}

@test "--nonall runs one command on every host, --onall each job on every host" {
	remote '' -S "$H2,$H3" --nonall --tag 'echo hi'
	show
	[ "$status" -eq 0 ]
	[ "$(sort <<<"$output")" = "$H2	hi"$'\n'"$H3	hi" ]
	remote '' -S "$H2,$H3" --onall 'echo {}' ::: a b
	show
	[ "$status" -eq 0 ]
	[ "$(sort <<<"$output")" = $'a\na\nb\nb' ]
	remote '' -S "$H2,$H3" --onall --tag 'echo {}' ::: a b
	show
	[ "$status" -eq 0 ]
	[ "$(LC_ALL=C sort <<<"$output")" = "$H2	a"$'\n'"$H2	b"$'\n'"$H3	a"$'\n'"$H3	b" ]
}

@test "--basefile is on the host before its jobs, and --cleanup removes it at the end" {
	# one host: the two test hosts share one home, so two would write one file
	cd "$BATS_TEST_TMPDIR"
	echo base >"$MARK.base"
	remote '' -S "$H2" --bf "$MARK.base" --cleanup "cat $MARK.base; : {}" ::: 1 2 3 4
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'base\nbase\nbase\nbase' ]
	[ -z "$(left_on_hosts)" ]
}

@test "--timeout ends the job's processes on the host, not only the ssh here" {
	dur=3$((RANDOM % 10)).$$$RANDOM
	log=$BATS_TEST_TMPDIR/log
	remote '' -S $H2 --timeout 0.5 --joblog "$log" "sleep $dur & sleep $dur; echo never" ::: 1
	show
	[ "$status" -ne 0 ]
	[ "$elapsed_ms" -lt 10000 ]
	[ "$output" = "" ]
	no_remote_procs "$dur"
}

# wait_running COMMAND HOST COUNT: waits up to 2 s for COUNT processes on
# HOST that are COMMAND itself (not a shell whose line names it).
wait_running() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(remote_procs "$1" "$2" | grep -c "^[0-9]* $1")" -ge "$3" ] && return 0
		sleep 0.02
	done
}

# wait_remote TEXT COUNT: waits up to 5 s for COUNT processes on the hosts
# whose command line contains TEXT.
wait_remote() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(remote_procs "$1" | wc -l)" -ge "$2" ] && return 0
		sleep 0.05
	done
	echo "only $(remote_procs "$1" | wc -l) of $2 processes with '$1' on the hosts"
	return 1
}

@test "a job that ignores TERM on the host is killed by --termseq's KILL step" {
	dur=3$((RANDOM % 10)).$$$RANDOM
	remote '' -S $H2 --timeout 0.3 --termseq TERM,300,KILL,25 "trap '' TERM; sleep $dur; echo never" ::: 1
	show
	[ "$status" -ne 0 ]
	[ "$elapsed_ms" -lt 10000 ]
	[ "$output" = "" ]
	no_remote_procs "$dur"
}

@test "SIGINT to lanes ends the jobs on the hosts too" {
	dur=3$((RANDOM % 10)).$$$RANDOM
	start_lanes /dev/null --ssh "$SSH" -S "$H2,$H3" "exec sleep $dur" ::: 1 2 3 4
	wait_remote "sleep $dur" 4
	kill -INT "$LANES_PID"
	wait_lanes 10
	show
	[ "$status" -eq 130 ]
	no_remote_procs "$dur"
}

@test "lanes killed with SIGKILL leaves nothing running on the host" {
	# what a lanes killed so leaves behind (its private directory) stays in here
	export TMPDIR=$BATS_TEST_TMPDIR
	dur=3$((RANDOM % 10)).$$$RANDOM
	start_lanes /dev/null --ssh "$SSH" -S "$H2" "exec sleep $dur" ::: 1 2
	wait_remote "sleep $dur" 2
	kill -KILL "$LANES_PID"
	wait_lanes 5 || true
	no_remote_procs "$dur"
}

@test "--halt now,fail=1 ends the other hosts' jobs" {
	dur=3$((RANDOM % 10)).$$$RANDOM
	start_lanes /dev/null --ssh "$SSH" -S "2/$H2,2/$H3" --halt now,fail=1 \
		"if [ {} = fail ]; then sleep 1; exit 1; fi; exec sleep $dur" ::: fail x x x
	wait_remote "sleep $dur" 3
	wait_lanes 10
	show
	[ "$status" -eq 1 ]
	no_remote_procs "$dur"
}

@test "a host that goes away mid-run loses no job: one warning, its jobs run again on the other" {
	log=$BATS_TEST_TMPDIR/log
	seq 12 >"$BATS_TEST_TMPDIR/in"
	# each attempt leaves a file in the (shared) home: a job run twice has two
	start_lanes "$BATS_TEST_TMPDIR/in" --ssh "$SSH" -S "2/$H2,2/$H3" --joblog "$log" \
		"touch \"\$HOME/$MARK.{}.\$\$\"; sleep 0.5; echo {}"
	wait_running "sleep 0.5" $H3 1
	sshd_down $H3
	wait_lanes 20
	sshd_up $H3
	show
	ran_twice=$(cd "$SSHD_HOME" && ls "$MARK".* | cut -d. -f2 | sort | uniq -d | wc -l)
	rm -f "$SSHD_HOME/$MARK".*
	[ "$status" -eq 0 ]
	[ "$(sort -n <<<"$output")" = "$(seq 12)" ]
	[[ $stderr == "lanes: host $H3: "* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
	[ "$ran_twice" -ge 1 ]
	[ "$(awk -F'\t' 'NR > 1 && $7 == 0 { print $1 }' "$log" | sort -u | wc -l)" -eq 12 ]
}

@test "with -u a job whose host goes away fails with 255 instead of printing twice" {
	seq 4 >"$BATS_TEST_TMPDIR/in"
	start_lanes "$BATS_TEST_TMPDIR/in" --ssh "$SSH" -u -S "2/$H2,2/$H3" 'echo start {}; sleep 1; echo end {}'
	wait_running "sleep 1" $H3 2  # both of H3's jobs are in their sleep
	sshd_down $H3
	wait_lanes 20
	sshd_up $H3
	show
	[ "$status" -eq 2 ]
	[ "$(grep -c '^start' <<<"$output")" -eq 4 ]
	[ "$(grep -c '^end' <<<"$output")" -eq 2 ]
}

@test "when the last host goes away, its running jobs fail with 255, no more start, and lanes exits 255" {
	log=$BATS_TEST_TMPDIR/log
	seq 6 >"$BATS_TEST_TMPDIR/in"
	start_lanes "$BATS_TEST_TMPDIR/in" --ssh "$SSH" -S "2/$H3" --joblog "$log" 'sleep 1.5; echo {}'
	# jobs 1 and 2 have ended: 3 and 4 have 1.5 s to run
	for ((i = 0; i < 200; i++)); do
		[ "$(awk 'END { print NR }' "$log" 2>/dev/null)" -ge 3 ] && break
		sleep 0.05
	done
	sshd_down $H3
	wait_lanes 20
	sshd_up $H3
	show
	[ "$status" -eq 255 ]
	[ "$(sort -n <<<"$output")" = $'1\n2' ]
	[[ $stderr == *"no host is left to run jobs on"* ]]
	[ "$(awk -F'\t' 'NR > 1 && $7 == 255' "$log" | wc -l)" -eq 2 ]
	[ "$(awk -F'\t' 'NR > 1' "$log" | wc -l)" -eq 4 ]
}

@test "a dead host is one warning; the jobs run on the hosts that answer" {
	remote "$(seq 4)" -S "127.0.0.9,$H2" 'echo {}'
	show
	[ "$status" -eq 0 ]
	[ "$(sort -n <<<"$output")" = "$(seq 4)" ]
	[[ $stderr == "lanes: host 127.0.0.9: "* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
}

@test "--filter-hosts drops a dead host without a word" {
	remote "$(seq 3)" -S "127.0.0.9,$H2" --filter-hosts 'echo {}'
	show
	[ "$status" -eq 0 ]
	[ "$(sort -n <<<"$output")" = "$(seq 3)" ]
	[ -z "$stderr" ]
}

@test "when no host is left, the run says so and exits 255" {
	remote "$(seq 3)" -S 127.0.0.9 'echo {}'
	show
	[ "$status" -eq 255 ]
	[ -z "$output" ]
	[[ $stderr == *"no host is left to run jobs on"* ]]
}

@test "--slf is read again when it changes: a host added takes jobs, one taken out takes no new ones" {
	slf=$BATS_TEST_TMPDIR/hosts
	log=$BATS_TEST_TMPDIR/log
	printf '# the hosts\n\n2/%s\n' $H2 >"$slf"
	seq 16 >"$BATS_TEST_TMPDIR/in"
	start_lanes "$BATS_TEST_TMPDIR/in" --ssh "$SSH" --slf "$slf" --joblog "$log" 'sleep 0.3; echo {}'
	sleep 0.7
	printf '2/%s\n' $H3 >"$slf.new"
	mv "$slf.new" "$slf"
	set_now
	changed=$NOW
	wait_lanes 20
	show
	[ "$status" -eq 0 ]
	[ "$(sort -n <<<"$output")" = "$(seq 16)" ]
	[ "$(awk -F'\t' 'NR == 2 { print $2 }' "$log")" = $H2 ]
	[ "$(awk -F'\t' -v h=$H3 'NR > 1 && $2 == h' "$log" | wc -l)" -ge 1 ]
	# the file is looked at once a second: none starts on H2 3 s after
	late=$(awk -F'\t' -v h=$H2 -v t="$changed" 'NR > 1 && $2 == h && $3 * 1000 > t + 3000' "$log" | wc -l)
	[ "$late" -eq 0 ]
}

@test "a --slf whose hosts are all dead ends the run with 255, as -S does" {
	slf=$BATS_TEST_TMPDIR/hosts
	echo 127.0.0.9 >"$slf"
	remote '' --slf "$slf" echo ::: 1 2
	show
	[ "$status" -eq 255 ]
	[[ $stderr == *"no host is left to run jobs on"* ]]
}

@test "an unknown host key fails that host at once with ssh's reason: ssh never asks" {
	remote '' --ssh "$SSH -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=ask" -S $H2 echo ::: 1
	show
	[ "$status" -eq 255 ]
	[[ $stderr == "lanes: host $H2: "*"erification failed"* ]]
}

@test "--onall: a host that is down fails its jobs with 255; each host runs its jobs one at a time, in order" {
	remote '' -S "127.0.0.9,$H2" --onall 'echo {}' ::: a b
	show
	[ "$status" -eq 2 ]
	[ "$output" = $'a\nb' ]
	log=$BATS_TEST_TMPDIR/log
	remote '' -S "$H2,$H3" --onall --joblog "$log" 'sleep 0.3; echo {}' ::: a b c
	show
	[ "$status" -eq 0 ]
	[ "$(max_overlap "$log" $H2)" -eq 1 ]
	[ "$(max_overlap "$log" $H3)" -eq 1 ]
	[ "$(awk -F'\t' -v h=$H2 'NR > 1 && $2 == h { print $3, $NF }' "$log" | sort -n | cut -d' ' -f2- | tr '\n' ' ')" = "sleep 0.3; echo a sleep 0.3; echo b sleep 0.3; echo c " ]
}

@test "-m spreads arguments over the hosts' slots, and long packed lines fit ssh's one argument" {
	remote '' -S "2/$H2" -m 'echo {}' ::: $(seq 100)
	show
	[ "$status" -eq 0 ]
	[ "$(lines_of "$output")" -eq 2 ]
	[ "$(wc -w <<<"$output")" -eq 100 ]
	run_to_files "$(seq 40000)" lanes --ssh "$SSH" -S "2/$H2" --xargs echo
	[ "$status" -eq 0 ]
	[ "$(wc -w <"$OUT")" -eq 40000 ]
}

@test "--retries runs a failed job again on another host when one is free" {
	# fails on H2 only: SSH_CONNECTION names the server's address
	remote '' -S "1/$H2,1/$H3" --retries 2 \
		'case " $SSH_CONNECTION " in *" '$H2' "*) exit 1 ;; esac; echo ok {}' ::: 1 2 3 4
	show
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ok' <<<"$output")" -eq 4 ]
}

@test "file names with a leading dash or a quote travel too" {
	cd "$BATS_TEST_TMPDIR"
	printf 'one\n' >"-$MARK"
	printf 'two\n' >"$MARK it's"
	remote '' -S $H2 --trc {}.out 'cat -- {} > {}.out' ::: "-$MARK" "$MARK it's"
	show
	[ "$status" -eq 0 ]
	[ "$(cat -- "-$MARK.out")" = one ]
	[ "$(cat "$MARK it's.out")" = two ]
	[ -z "$(left_on_hosts)" ]
}

@test "--dry-run with hosts prints the command lines and connects to none" {
	remote '' -S 127.0.0.9 --dry-run echo ::: 1 2
	show
	[ "$status" -eq 0 ]
	[ "$output" = $'echo 1\necho 2' ]
}

@test "bad logins, files and combinations are one-line errors before any job" {
	for args in "-S 0/$H2" "-S x/$H2" "-S $H2:notaport" "-S $H2:0" "--slf $BATS_TEST_TMPDIR/none" \
		"--nonall" "--onall" "-S $H2 --pipe" "-S $H2 --semaphore" "-S $H2 --tty" \
		"--ssh lanes-no-such-ssh -S $H2"; do
		# shellcheck disable=SC2086 # the words of each case
		remote '' $args echo
		echo "case: $args"
		show
		[ "$status" -eq 255 ]
		[ -z "$output" ]
		[ "$(lines_of "$stderr")" -eq 1 ]
		[[ $stderr == "lanes: "* ]]
	done
}

# both TOOL...: runs the words with lanes and with GNU parallel (each with
# the test servers' ssh), in the test's directory; fails, showing both, if
# they print or exit differently.
both() {
	local mine theirs st_mine=0 st_theirs=0
	mine=$(cd "$BATS_TEST_TMPDIR" && timeout 20 lanes --ssh "$SSH" "$@" 2>/dev/null) || st_mine=$?
	theirs=$(cd "$BATS_TEST_TMPDIR" && timeout 20 parallel --will-cite --ssh "$SSH" "$@" 2>/dev/null) || st_theirs=$?
	if [ "$mine" != "$theirs" ] || [ "$st_mine" != "$st_theirs" ]; then
		echo "case: $*"
		echo "lanes ($st_mine):"
		echo "$mine"
		echo "GNU parallel ($st_theirs):"
		echo "$theirs"
		return 1
	fi
}

@test "GNU parallel agrees with every case of -S here" {
	[ "${LANES_TEST_GNU:-1}" != 0 ] || skip "LANES_TEST_GNU=0: make check-gnu compares with GNU parallel"
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	both -k -S "1/$H2,1/$H3" echo ::: 1 2 3
	both -k -S $H2 printf '%s\n' ::: "a'b" '$(x)' 'c"d' 'e\f' ' g' '*'
	both -S $H2 'exit 3' ::: 1 2
	both -k --nonall --tag -S $H2 'echo hi'
	both -k --onall --tag -S $H2 echo ::: a b
	# GNU parallel moves files with rsync; lanes needs none
	if command -v rsync >/dev/null; then
		printf 'data\n' >"$BATS_TEST_TMPDIR/$MARK.in"
		both -k -S $H2 --trc {}.out 'cat {} {} > {}.out; cat {}.out' ::: "$MARK.in"
		[ -z "$(left_on_hosts)" ]
	fi
}
