# weighgate: plain make, every library through pkg-config.
#   make            build the programs
#   make check      install missing Debian packages, build, run every test
#   make demo       install missing Debian packages, build, run the demo
#   make SAN=1 ...  the same under AddressSanitizer + UndefinedBehaviorSanitizer

CC      ?= cc
PKGS     = libevent libevent_pthreads libevent_openssl libmodbus sqlite3 \
           libcurl libcjson inih libcrypto libssl expat
PREFIX  ?= /usr/local

ifeq ($(SAN),1)
B       ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
B       ?= build
SANFLAGS =
endif

WARN     = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wconversion \
           -Wno-sign-conversion -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
# CPPFLAGS and LDFLAGS are used as given: the Debian package build passes
# dpkg-buildflags' hardening (_FORTIFY_SOURCE, -z relro -z now) through them.
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -Iinclude \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS     = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)

# Everything in src/*.c but the programs' mains is the library the programs
# and the tests link against.
MAINS    = src/main.c src/tool.c
LIB_SRCS = $(filter-out $(MAINS),$(wildcard src/*.c))
LIB_OBJS = $(LIB_SRCS:src/%.c=$(B)/obj/%.o)
# The schema migrations sql/NNN_*.sql, embedded as C strings for store.c.
LIB_OBJS += $(B)/obj/store_migrations.o
LIB      = $(B)/libweighgate.a
SIM_SRCS = $(wildcard src/sim/*.c)
PLAT_SRCS = $(wildcard src/platform/*.c)

PROGS    = $(B)/weighgated $(B)/weighgate
ifneq ($(SIM_SRCS),)
PROGS   += $(B)/weighgate-sim
endif
ifneq ($(PLAT_SRCS),)
PROGS   += $(B)/weighgate-platform
endif

UNIT_SRCS  = $(wildcard test/check_*.c)
UNIT_BINS  = $(UNIT_SRCS:test/%.c=$(B)/test/%)
TEST_HELPER_SRCS = $(wildcard test/helper_*.c)
TEST_HELPERS = $(TEST_HELPER_SRCS:test/%.c=$(B)/test/%)

.PHONY: all deps check unit scenarios demo clean install tests bench
.DELETE_ON_ERROR:

all: $(PROGS)

deps:
	@tools/deps.sh

$(B)/obj/%.o: src/%.c $(wildcard include/weighgate/*.h src/*.h src/sim/*.h src/platform/*.h) | $(B)/obj/sim $(B)/obj/platform
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/obj/store_migrations.o: tools/embed-sql.sh $(wildcard sql/*.sql) | $(B)/obj
	mkdir -p $(B)/gen
	sh tools/embed-sql.sh $(wildcard sql/*.sql) > $(B)/gen/store_migrations.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $(B)/gen/store_migrations.c

$(B)/obj $(B)/obj/sim $(B)/obj/platform $(B)/test:
	mkdir -p $@

$(LIB): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(B)/weighgated: $(B)/obj/main.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/weighgate: $(B)/obj/tool.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/weighgate-sim: $(SIM_SRCS:src/%.c=$(B)/obj/%.o) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/weighgate-platform: $(PLAT_SRCS:src/%.c=$(B)/obj/%.o) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/test/%: test/%.c $(LIB) $(wildcard test/*.h) | $(B)/test
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Wno-conversion -o $@ $< $(LIB) $(CHECK_LIBS) $(LIBS)

tests: $(UNIT_BINS) $(TEST_HELPERS)

# The whole suite: Check unit suites, then the black-box scenarios.
check: deps
	@$(MAKE) --no-print-directory all tests
	@B=$(B) tools/run-tests.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) tools/demo.sh

# The lane benchmarks of docs/design.md §10 (docs/benchmarks.md): figures, not tests.
BENCH_SRCS = $(wildcard bench/*.c)
BENCH_BINS = $(BENCH_SRCS:bench/%.c=$(B)/bench/%)

$(B)/bench:
	mkdir -p $@

$(B)/bench/%: bench/%.c $(LIB) | $(B)/bench
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(LIBS)

bench: all $(BENCH_BINS)
	B=$(B) bench/latency
	B=$(B) bench/footprint
	B=$(B) bench/sync

# make install [PREFIX=/usr/local] [DESTDIR=]: the four programs in bin, the
# unit, sysusers.d, man pages, docs; the example configuration goes to
# /etc/weighgate/weighgate.conf only where there is none (docs/operations.md).
SYSCONFDIR ?= /etc
BINDIR     ?= $(PREFIX)/bin
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/weighgate
ETCDIR      = $(DESTDIR)$(SYSCONFDIR)/weighgate

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(DOCDIR) $(ETCDIR)
	install -m 0755 $(PROGS) $(DESTDIR)$(BINDIR)/
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    systemd/weighgate.service > $(DESTDIR)$(UNITDIR)/weighgate.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/weighgate.service
	install -m 0644 systemd/weighgate.sysusers $(DESTDIR)$(SYSUSERSDIR)/weighgate.conf
	install -m 0644 man/weighgate.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/weighgate-sim.1 man/weighgate-platform.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/weighgate.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/weighgate-profiles.5 $(DESTDIR)$(MANDIR)/man5/
	install -d $(DESTDIR)$(PREFIX)/share/weighgate/profiles
	install -m 0644 profiles/*.profile $(DESTDIR)$(PREFIX)/share/weighgate/profiles/
	install -m 0644 man/weighgated.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 README.md docs/*.md $(wildcard docs/*.png) $(DESTDIR)$(DOCDIR)/
	install -m 0644 conf/weighgate.conf $(DESTDIR)$(DOCDIR)/weighgate.conf.example
	test -e $(ETCDIR)/weighgate.conf || \
	    install -m 0644 conf/weighgate.conf $(ETCDIR)/weighgate.conf

clean:
	rm -rf build build-san
