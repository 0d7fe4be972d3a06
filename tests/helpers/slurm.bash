# A single-node Slurm for the --slurm tests: munged, slurmctld and slurmd
# on loopback ports, with their key, config, state and logs in a private
# directory, up in about a second. `load helpers/slurm`; slurm_start in
# setup_file, slurm_stop in teardown_file, and slurm_need at the top of each
# test that needs it (it skips with the reason when Slurm is not up).
#
# slurmd runs jobs as their users and must be root, so these tests run as
# root only (as CI does); elsewhere they are skipped with a notice.

SLURM_NODE=lanes-node
SLURM_CPUS=4

# slurm_missing: why Slurm cannot be started here, or nothing.
slurm_missing() {
	local p
	for p in munged mungekey; do
		command -v "$p" >/dev/null || [ -x "/usr/sbin/$p" ] ||
			{ echo "$p is not installed (Debian package munge)"; return; }
	done
	for p in slurmctld slurmd; do
		command -v "$p" >/dev/null || [ -x "/usr/sbin/$p" ] ||
			{ echo "$p is not installed (Debian package slurm-wlm)"; return; }
	done
	command -v srun >/dev/null || { echo "srun is not installed (Debian package slurm-client)"; return; }
	[ "$(id -u)" = 0 ] || echo "slurmd must run as root: run the tests as root"
}

# slurm_free_ports N: the first of N free TCP ports in a row on 127.0.0.1.
slurm_free_ports() {
	local base i ok
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		base=$((20000 + RANDOM % 20000))
		ok=1
		for ((i = 0; i < $1; i += 7)); do
			(exec 3<>"/dev/tcp/127.0.0.1/$((base + i))") 2>/dev/null && { ok=0; break; }
		done
		((ok)) && { echo "$base"; return 0; }
	done
	return 1
}

# slurm_wait WHAT COMMAND...: waits up to 10 s for COMMAND to succeed.
slurm_wait() {
	local what=$1 i
	shift
	for ((i = 0; i < 200; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	SLURM_WHY="$what did not come up (logs in $SLURM_DIR)"
	return 1
}

# slurm_node_idle: the node takes jobs.
slurm_node_idle() {
	[ "$(sinfo -h -n "$SLURM_NODE" -o %T 2>/dev/null)" = idle ]
}

# slurm_start: sets SLURM_CONF (exported) and SLURM_UP=1, or SLURM_WHY.
slurm_start() {
	SLURM_UP=0
	SLURM_WHY=$(slurm_missing)
	[ -z "$SLURM_WHY" ] || return 0
	# munged insists that everyone may reach its socket: a directory of
	# its own under /tmp, not under bats' private one.
	SLURM_DIR=$(mktemp -d /tmp/lanes-slurm-test.XXXXXX)
	chmod 0755 "$SLURM_DIR"
	mkdir -m 0700 "$SLURM_DIR/munge" "$SLURM_DIR/state" "$SLURM_DIR/spool"
	mkdir -m 0755 "$SLURM_DIR/socket"
	local base
	base=$(slurm_free_ports 102) || { SLURM_WHY="no free ports on 127.0.0.1"; return 0; }
	mungekey -c -k "$SLURM_DIR/munge/key" 2>/dev/null ||
		dd if=/dev/urandom of="$SLURM_DIR/munge/key" bs=1024 count=1 2>/dev/null
	chmod 0600 "$SLURM_DIR/munge/key"
	local sock=$SLURM_DIR/socket/munge.sock
	(munged -F --socket="$sock" --key-file="$SLURM_DIR/munge/key" --log-file="$SLURM_DIR/munge/log" \
		--pid-file="$SLURM_DIR/munge/pid" --seed-file="$SLURM_DIR/munge/seed" 3>&- </dev/null >/dev/null 2>&1 &
		echo $! >"$SLURM_DIR/munged.pid")
	slurm_wait munged test -S "$sock" || return 0
	cat >"$SLURM_DIR/slurm.conf" <<-EOF
		ClusterName=lanes
		SlurmctldHost=localhost(127.0.0.1)
		SlurmctldPort=$base
		SlurmdPort=$((base + 1))
		SrunPortRange=$((base + 2))-$((base + 101))
		AuthType=auth/munge
		CredType=cred/munge
		AuthInfo=socket=$sock
		SlurmUser=root
		SlurmdUser=root
		StateSaveLocation=$SLURM_DIR/state
		SlurmdSpoolDir=$SLURM_DIR/spool
		SlurmctldPidFile=$SLURM_DIR/slurmctld.pidfile
		SlurmdPidFile=$SLURM_DIR/slurmd.pidfile
		SlurmctldLogFile=$SLURM_DIR/slurmctld.log
		SlurmdLogFile=$SLURM_DIR/slurmd.log
		ProctrackType=proctrack/linuxproc
		TaskPlugin=task/none
		SelectType=select/cons_tres
		SelectTypeParameters=CR_CPU
		MpiDefault=none
		JobAcctGatherType=jobacct_gather/none
		AccountingStorageType=accounting_storage/none
		JobCompType=jobcomp/none
		SwitchType=switch/none
		SchedulerType=sched/builtin
		SlurmdParameters=config_overrides
		ReturnToService=2
		SlurmctldTimeout=10
		SlurmdTimeout=10
		InactiveLimit=0
		KillWait=2
		MinJobAge=2
		NodeName=$SLURM_NODE NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=$SLURM_CPUS State=UNKNOWN
		PartitionName=lanes Nodes=ALL Default=YES MaxTime=INFINITE State=UP
	EOF
	export SLURM_CONF=$SLURM_DIR/slurm.conf
	# Tests start their own allocations: none of a real one leaks in.
	unset SLURM_JOB_ID SLURM_JOBID SLURM_NTASKS SLURM_NPROCS SLURM_NODELIST SLURM_JOB_NODELIST
	(slurmctld -D -i 3>&- </dev/null >/dev/null 2>&1 & echo $! >"$SLURM_DIR/slurmctld.pid")
	slurm_wait slurmctld scontrol ping || return 0
	(slurmd -D -N "$SLURM_NODE" 3>&- </dev/null >/dev/null 2>&1 & echo $! >"$SLURM_DIR/slurmd.pid")
	slurm_wait slurmd slurm_node_idle || return 0
	SLURM_UP=1
}

# slurm_need: skips the test unless Slurm is up.
slurm_need() {
	[ "${SLURM_UP:-0}" = 1 ] || skip "${SLURM_WHY:-Slurm is not up}"
}

# slurm_steps: the steps Slurm has running, one a line.
slurm_steps() {
	squeue -h -s -o %i 2>/dev/null
}

slurm_no_steps() {
	[ -z "$(squeue -h -o %i 2>/dev/null)" ]
}

# slurm_stop: every daemon and step down, the directory removed.
slurm_stop() {
	[ -n "${SLURM_DIR:-}" ] || return 0
	local name pid i
	# what a failed test left, on this cluster only (SLURM_CONF is ours)
	scancel -Q -u "$(id -un)" 2>/dev/null && slurm_wait "the cancelled jobs' end" slurm_no_steps
	for name in slurmd slurmctld munged; do
		pid=$(cat "$SLURM_DIR/$name.pid" 2>/dev/null) || continue
		kill -TERM "$pid" 2>/dev/null || continue
		for ((i = 0; i < 40; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			[ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
			sleep 0.05
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	rm -rf "$SLURM_DIR"
}
