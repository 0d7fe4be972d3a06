# Shell completions: tools/completions writes them for bash, zsh and fish
# from what `lanes --help` lists, and `make install` puts them where each
# shell looks for them.

load helpers/common

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

setup_file() {
	export COMPLETIONS=$BATS_FILE_TMPDIR/completions
	"$TOP/tools/completions" "$(command -v lanes)" "$COMPLETIONS"
}

# bash_complete WORD...: sets $output to what the bash completion offers
# for the last WORD of the command line WORD..., one a line, sorted.
bash_complete() {
	local COMP_WORDS=("$@") COMP_CWORD=$(($# - 1)) COMPREPLY=()
	source "$COMPLETIONS/lanes.bash"
	_lanes
	output=$(printf '%s\n' "${COMPREPLY[@]}" | sort)
	echo "$* -> $output"
}

# in_files: cd to a fresh directory that holds a.log and "b log".
in_files() {
	mkdir "$BATS_TEST_TMPDIR/files"
	cd "$BATS_TEST_TMPDIR/files"
	touch a.log 'b log'
}

# long_options: the long options `lanes --help` names, one a line.
long_options() {
	lanes --help | grep -o -- '--[a-z][a-z-]*' | sort -u
}

# every_long_option FILE PREFIX: fails, naming them, unless FILE has each
# long option of --help as PREFIX and its name, a word of its own.
every_long_option() {
	local name missing=()
	for name in $(long_options); do
		grep -Eq -- "(^|[^a-z-])$2${name#--}([^a-z-]|\$)" "$1" || missing+=("$name")
	done
	[ "$(long_options | wc -l)" -gt 30 ]
	echo "${1##*/} lacks: ${missing[*]}"
	[ "${#missing[@]}" -eq 0 ]
}

@test "bash completes --time to --timeout" {
	bash_complete lanes --time
	[ "$output" = --timeout ]
}

@test "bash completes the value of --joblog with file names" {
	in_files
	bash_complete lanes --joblog ''
	[ "$output" = $'a.log\nb log' ]
	bash_complete lanes -k --joblog = b # --joblog=b, as bash splits it
	[ "$output" = 'b log' ]
}

@test "bash completes the first word that is not an option with commands" {
	bash_complete lanes -j 2 ec
	grep -qx echo <<<"$output"
	[ "$(grep -c -- '^-' <<<"$output")" -eq 0 ]
}

@test "bash completes file names after :::: and after the command, not options" {
	in_files
	bash_complete lanes echo ::: x :::: ''
	[ "$output" = $'a.log\nb log' ]
	bash_complete lanes :::: b
	[ "$output" = 'b log' ]
	bash_complete lanes echo --time
	[ -z "$output" ]
}

@test "the bash completion names every long option of --help" {
	every_long_option "$COMPLETIONS/lanes.bash" --
}

@test "the zsh completion names every long option of --help" {
	every_long_option "$COMPLETIONS/_lanes" --
}

@test "the fish completion names every long option of --help" {
	every_long_option "$COMPLETIONS/lanes.fish" '-l '
}

@test "the bash completion is valid bash" {
	bash -n "$COMPLETIONS/lanes.bash"
}

@test "the zsh completion is valid zsh" {
	command -v zsh >/dev/null || skip "zsh is not installed (Debian package: zsh)"
	zsh -n "$COMPLETIONS/_lanes"
}

@test "the fish completion is valid fish" {
	command -v fish >/dev/null || skip "fish is not installed (Debian package: fish)"
	fish -n "$COMPLETIONS/lanes.fish"
}

@test "make install puts the completions where bash, zsh and fish look" {
	local dest=$BATS_TEST_TMPDIR/dest file
	run_cmd '' make -s -C "$TOP" install DESTDIR="$dest" PREFIX=/usr
	show
	[ "$status" -eq 0 ]
	for file in bash-completion/completions/lanes zsh/site-functions/_lanes \
		fish/vendor_completions.d/lanes.fish; do
		echo "$file"
		[ -f "$dest/usr/share/$file" ]
		[ "$(stat -c %a "$dest/usr/share/$file")" = 644 ]
	done
	cmp "$TOP/build/completions/lanes.bash" "$dest/usr/share/bash-completion/completions/lanes"
	cmp "$TOP/build/completions/_lanes" "$dest/usr/share/zsh/site-functions/_lanes"
	cmp "$TOP/build/completions/lanes.fish" "$dest/usr/share/fish/vendor_completions.d/lanes.fish"
}
