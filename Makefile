# lanes — build, test and install.  `make` builds ./lanes; `make check` runs
# the bats suite (installing a pinned bats-core first when none is found).

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra
CPPFLAGS += -D_GNU_SOURCE
LDLIBS  += -lrt

SRC = $(wildcard src/*.c)
OBJ = $(SRC:.c=.o)
HDR = $(wildcard src/*.h)

all: lanes

lanes: $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(LDLIBS)

src/%.o: src/%.c $(HDR)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -c -o $@ $<

# GNU parallel's own runs of the case tables (a minute of Perl) are
# check-gnu's, which CI runs too; make check checks the cases on lanes.
check: lanes build/throttle-server
	@LANES_TEST_GNU=0 tests/helpers/run-bats tests

check-gnu: lanes
	@LANES_TEST_GNU=1 tests/helpers/run-bats -f 'GNU parallel agrees with every case' tests/templates.bats tests/remote.bats

# The HTTP server of the throttling tests and benchmarks (a test helper).
build/throttle-server: tests/helpers/throttle-server.c
	@mkdir -p build
	$(CC) $(WARN) -O2 -o $@ tests/helpers/throttle-server.c

# The whole suite again, against lanes built with AddressSanitizer and
# UndefinedBehaviorSanitizer; any report they write fails the target.
# Leaks are checked by check-valgrind instead: LeakSanitizer's exit-time
# check once hung here for 20 s in a test that sends lanes SIGTERM while
# two busy loops held both CPUs, which failed a CI run.
SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
build/sanitize/lanes: $(SRC) $(HDR)
	@mkdir -p build/sanitize
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g $(SANITIZE) -o $@ $(SRC) $(LDLIBS)

check-sanitize: build/sanitize/lanes build/throttle-server
	@rm -rf build/sanitize/reports && mkdir -p build/sanitize/reports
	@ASAN_OPTIONS=log_path=$(CURDIR)/build/sanitize/reports/asan:detect_leaks=0 \
	 UBSAN_OPTIONS=log_path=$(CURDIR)/build/sanitize/reports/ubsan:print_stacktrace=1 \
	 LANES_TEST_GNU=0 LANES_DIR=$(CURDIR)/build/sanitize tests/helpers/run-bats tests
	@if ls build/sanitize/reports/* >/dev/null 2>&1; then \
		echo "sanitizer reports:"; cat build/sanitize/reports/*; exit 1; fi

# The benchmark suite against the peers and the spawn-loop limit
# (tests/bench/README.md); BENCH=--quick for the short sizes.
bench: lanes build/throttle-server
	@tests/bench/run $(BENCH)

# The no-loss stress test at the issue's full size: 100,000 jobs a mode.
stress: lanes
	@LANES_STRESS_JOBS=100000 tests/helpers/run-bats tests/stress.bats

# valgrind's memcheck on a representative set of runs: no error, no leak.
check-valgrind: lanes
	@tests/helpers/run-valgrind

# libFuzzer targets (clang): `make fuzz` runs each for FUZZ_SECONDS and
# merges what it found into tests/fuzz/corpus; `make fuzz-replay` only
# replays the corpus, as CI does.
FUZZ_CC      = clang
FUZZ_SECONDS = 60
FUZZ_TARGETS = parsers quote template input joblog blocks adapt
FUZZ_FLAGS   = -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all $(CPPFLAGS)
FUZZ_OBJ     = $(patsubst src/%.c,build/fuzz/%.o,$(filter-out src/main.c,$(SRC)))
FUZZ_BIN     = $(addprefix build/fuzz/fuzz_,$(FUZZ_TARGETS))

build/fuzz/%.o: src/%.c $(HDR)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(LDLIBS)

.SECONDARY: $(FUZZ_OBJ)

fuzz-build: $(FUZZ_BIN)

fuzz-replay: $(FUZZ_BIN)
	@for t in $(FUZZ_TARGETS); do \
		build/fuzz/fuzz_$$t -runs=0 tests/fuzz/corpus/$$t >build/fuzz/replay-$$t.log 2>&1 || \
			{ tail -n 30 build/fuzz/replay-$$t.log; echo "fuzz-replay: $$t failed"; exit 1; }; \
		echo "fuzz-replay: $$t: $$(ls tests/fuzz/corpus/$$t | wc -l) inputs, no crash"; \
	done

fuzz: $(FUZZ_BIN)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/work-$$t tests/fuzz/corpus/$$t; \
		build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=build/fuzz/crash-$$t- \
			build/fuzz/work-$$t tests/fuzz/corpus/$$t 2>&1 | tail -n 12 || exit 1; \
		build/fuzz/fuzz_$$t -merge=1 tests/fuzz/corpus/$$t build/fuzz/work-$$t >/dev/null 2>&1; \
	done

# Completions for bash, zsh and fish, written from what `./lanes --help`
# lists, so that --help stays the one list of options. The recipe writes
# all three; lanes.bash stands for them.
completions: build/completions/lanes.bash

build/completions/lanes.bash: lanes tools/completions
	tools/completions ./lanes build/completions

# sem is lanes --semaphore, as GNU parallel's sem is parallel --semaphore.
install: lanes completions
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 lanes $(DESTDIR)$(BINDIR)/lanes
	ln -sf lanes $(DESTDIR)$(BINDIR)/sem
	install -m 644 man/lanes.1 $(DESTDIR)$(MANDIR)/man1/lanes.1
	install -m 644 build/completions/lanes.bash $(DESTDIR)$(BASHCOMPDIR)/lanes
	install -m 644 build/completions/_lanes $(DESTDIR)$(ZSHCOMPDIR)/_lanes
	install -m 644 build/completions/lanes.fish $(DESTDIR)$(FISHCOMPDIR)/lanes.fish

clean:
	rm -rf lanes $(OBJ) build

.PHONY: all bench check check-gnu check-sanitize check-valgrind completions stress fuzz fuzz-build fuzz-replay install clean
