# Two real OpenSSH servers for the remote-host tests: one sshd listening on
# 127.0.0.2 and one on 127.0.0.3, the same port, as two "hosts". Keys,
# configs and logs are private to the test file; nothing reaches beyond
# this machine. `load helpers/sshd` and call sshd_start in setup_file and
# sshd_stop_all in teardown_file.
#
# The login is a test user `lanes-test` (created once, with /bin/sh as its
# shell and no password) when the tests run as root, else the current user.
# Tests run lanes with --ssh "$SSH", a client with its own config (port,
# key, known hosts), so the user's ~/.ssh is never read or written.

SSHD_BIN=$(command -v sshd || echo /usr/sbin/sshd)
SSHD_HOSTS=(127.0.0.2 127.0.0.3)

# sshd_need: skips the file with a one-line notice when sshd is missing.
sshd_need() {
	[ -x "$SSHD_BIN" ] || { skip "sshd is not installed (Debian package openssh-server)"; return 1; }
	command -v ssh >/dev/null || { skip "ssh is not installed (Debian package openssh-client)"; return 1; }
	command -v ssh-keygen >/dev/null || { skip "ssh-keygen is not installed (Debian package openssh-client)"; return 1; }
}

# sshd_user: the login the servers accept, into $SSHD_USER and $SSHD_HOME.
sshd_user() {
	if [ "$(id -u)" = 0 ]; then
		SSHD_USER=lanes-test
		if ! id "$SSHD_USER" >/dev/null 2>&1; then
			# '*': no password, but not a locked account (sshd refuses those).
			useradd --create-home --shell /bin/sh --password '*' "$SSHD_USER" ||
				{ skip "could not create the test user $SSHD_USER"; return 1; }
		fi
	else
		SSHD_USER=$(id -un)
	fi
	SSHD_HOME=$(getent passwd "$SSHD_USER" | cut -d: -f6)
}

# sshd_free_port: a TCP port nothing listens on, on either address.
sshd_free_port() {
	local port
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.2/$port") 2>/dev/null &&
			! (exec 3<>"/dev/tcp/127.0.0.3/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	return 1
}

# sshd_start: keys, configs and the two servers; sets $SSH (the client
# command for --ssh), $SSHD_DIR and $SSHD_PORT. Waits until both answer.
sshd_start() {
	sshd_need || return 1
	sshd_user || return 1
	SSHD_DIR=$BATS_FILE_TMPDIR/sshd
	mkdir -p "$SSHD_DIR"
	# sshd reads authorized_keys as the test user: a directory it can read.
	SSHD_KEYS=$(mktemp -d /tmp/lanes-sshd-keys.XXXXXX)
	chmod 0755 "$SSHD_KEYS"
	ssh-keygen -q -t ed25519 -N '' -C lanes-test-host -f "$SSHD_DIR/host_key"
	ssh-keygen -q -t ed25519 -N '' -C lanes-test-client -f "$SSHD_DIR/id"
	cp "$SSHD_DIR/id.pub" "$SSHD_KEYS/authorized_keys"
	chmod 0644 "$SSHD_KEYS/authorized_keys"
	SSHD_PORT=$(sshd_free_port) || { skip "no free port on 127.0.0.2/127.0.0.3"; return 1; }
	mkdir -p /run/sshd 2>/dev/null || true # privilege separation, as root

	local host known=$SSHD_DIR/known_hosts key
	key=$(cut -d' ' -f1-2 "$SSHD_DIR/host_key.pub")
	: >"$known"
	for host in "${SSHD_HOSTS[@]}"; do
		echo "[$host]:$SSHD_PORT $key" >>"$known"
		cat >"$SSHD_DIR/sshd_config.$host" <<-EOF
			ListenAddress $host:$SSHD_PORT
			HostKey $SSHD_DIR/host_key
			PidFile $SSHD_DIR/pid.$host
			AuthorizedKeysFile $SSHD_KEYS/authorized_keys
			AllowUsers $SSHD_USER
			StrictModes no
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			UsePAM no
			PermitRootLogin prohibit-password
			PrintMotd no
			LogLevel ERROR
		EOF
	done
	cat >"$SSHD_DIR/client_config" <<-EOF
		Host ${SSHD_HOSTS[*]}
		  Port $SSHD_PORT
		  User $SSHD_USER
		  IdentityFile $SSHD_DIR/id
		  IdentitiesOnly yes
		  UserKnownHostsFile $known
		  GlobalKnownHostsFile /dev/null
		  StrictHostKeyChecking yes
		  BatchMode yes
		  LogLevel ERROR
	EOF
	SSH="ssh -F $SSHD_DIR/client_config"
	for host in "${SSHD_HOSTS[@]}"; do
		sshd_up "$host" || return 1
	done
}

# sshd_up HOST: starts HOST's server (again) and waits until a login works.
sshd_up() {
	local host=$1
	# in a subshell: not a job of bats' shell, which would report its kill
	("$SSHD_BIN" -D -f "$SSHD_DIR/sshd_config.$host" -E "$SSHD_DIR/log.$host" 3>&- &
		echo $! >"$SSHD_DIR/listener.$host")
	local i
	for ((i = 0; i < 100; i++)); do
		$SSH -o ConnectTimeout=2 "$host" true 2>/dev/null && return 0
		sleep 0.05
	done
	echo "sshd on $host did not come up; its log:" >&2
	cat "$SSHD_DIR/log.$host" >&2
	return 1
}

# sshd_descendants PID: every process below PID, one per line.
sshd_descendants() {
	local pid child
	for pid in "$@"; do
		for child in $(cat "/proc/$pid/task/"*/children 2>/dev/null); do
			echo "$child"
			sshd_descendants "$child"
		done
	done
}

# sshd_gone PID: waits up to 2 s for PID to have exited (a zombie counts:
# whoever adopted it may be slow to reap it).
sshd_gone() {
	local i state
	for ((i = 0; i < 40; i++)); do
		state=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 0
		[ "$state" = Z ] && return 0
		sleep 0.05
	done
}

# sshd_down HOST: HOST refuses connections and drops the ones it has:
# its listener and every session under it are killed.
sshd_down() {
	local host=$1 listener pid
	listener=$(cat "$SSHD_DIR/listener.$host" 2>/dev/null) || return 0
	# the listener first, so that nothing can log in again meanwhile
	local sessions
	sessions=$(sshd_descendants "$listener")
	kill -KILL "$listener" 2>/dev/null || true
	# shellcheck disable=SC2086 # a list of pids
	for pid in $sessions $(sshd_descendants $sessions); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	sshd_gone "$listener"
	rm -f "$SSHD_DIR/listener.$host"
}

# sshd_stop_all: both servers down, the keys' directory removed.
sshd_stop_all() {
	[ -n "${SSHD_DIR:-}" ] || return 0
	local host
	for host in "${SSHD_HOSTS[@]}"; do
		sshd_down "$host"
	done
	[ -n "${SSHD_KEYS:-}" ] && rm -rf "$SSHD_KEYS"
}

# remote_procs TEXT [HOST]: the processes on the hosts (below either sshd,
# or HOST's) whose command line contains TEXT, as "pid cmdline" lines;
# sshd's own are left out.
remote_procs() {
	local host listener pid cmd hosts=("${SSHD_HOSTS[@]}")
	[ -n "${2:-}" ] && hosts=("$2")
	for host in "${hosts[@]}"; do
		listener=$(cat "$SSHD_DIR/listener.$host" 2>/dev/null) || continue
		for pid in $(sshd_descendants "$listener"); do
			cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
			[[ $cmd == sshd:* ]] && continue
			[[ $cmd == *"$1"* ]] && echo "$pid $cmd"
		done
	done
	return 0
}

# remote_files: what lanes left in the test user's home, besides the
# shell's own files (nothing, after a clean run).
remote_files() {
	(cd "$SSHD_HOME" && find . -mindepth 1 ! -name '.*rc' ! -name '.profile' ! -name '.bash_logout' \
		! -name '.bash_history' ! -name '.cache' ! -path './.cache/*' ! -name '.ssh' ! -path './.ssh/*' | sort)
}
