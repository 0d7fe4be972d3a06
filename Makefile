# lanes — build, test and install.  `make` builds ./lanes; `make check` runs
# the bats suite (installing a pinned bats-core first when none is found).

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
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

check: lanes
	@tests/helpers/run-bats tests

install: lanes
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 lanes $(DESTDIR)$(BINDIR)/lanes
	install -m 644 man/lanes.1 $(DESTDIR)$(MANDIR)/man1/lanes.1

clean:
	rm -f lanes $(OBJ)

.PHONY: all check install clean
