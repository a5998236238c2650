# vidpipe — build, stack and tests.
#
#   make            build every program (lib/, cgi-bin/, worker/)
#   make up         install what is missing, build, start the local stack
#   make down       stop what `make up` started
#   make test       everything, on a stack of its own (SERVER=lighttpd|apache
#                   restricts the end-to-end run to one web server)
#   make unit       unit tests, plain and under ASan+UBSan
#   make frontend-test  the web app's type check and Vitest unit tests
#   make browser    browser tests (headless Chromium) against the running
#                   test stack (stack/stack.sh --test up)
#   make lint       cppcheck + clang-format check
#   make fuzz       every libFuzzer target for a bounded time (FUZZ_SECONDS)
#   make bench      benchmarks (results: docs/benchmarks.md)

CC      ?= cc
PKGS    := fcgi libpq hiredis libjwt libcurl openssl json-c libxml-2.0 libargon2
AVPKGS  := libavformat libavcodec libavutil libswscale libswresample

WARN    := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wvla -Wstrict-prototypes
HARDEN  := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(HARDEN)
# The package flags are asked of pkg-config when a recipe first needs them,
# not when the Makefile is read: on a fresh machine `make up` installs the
# -dev packages (deps) before anything compiles. pkg NAME,ARGS asks once and
# keeps the answer in _pkg_NAME.
pkg = $(if $(_pkg_$1),,$(eval _pkg_$1 := $(shell pkg-config $2 2>/dev/null)))$(_pkg_$1)
CFLAGS  += $(call pkg,cflags,--cflags $(PKGS) $(AVPKGS))
LDFLAGS += -pie -Wl,-z,relro,-z,now
LDLIBS   = $(call pkg,libs,--libs $(PKGS))
# only what links lib/transcode.c needs the FFmpeg libraries
AVLIBS   = $(call pkg,avlibs,--libs $(AVPKGS)) -lm
CMOCKA   = $(call pkg,cmocka,--cflags --libs cmocka)

B := build

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
CGI_SRC := $(wildcard cgi-bin/*.c)
CGI_BIN := $(CGI_SRC:%.c=%)
TOOLS   := tools/vidpipe-admin tools/vidpipe-pool
WORKERS := worker/vidpipe-maint worker/vidpipe-worker
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
ASAN_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/asan/%)
# Fuzz targets: tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%)
REPLAY_BIN := $(FUZZ_NAMES:%=$(B)/asan/replay_%)

.PHONY: all deps up down test unit e2e frontend-test browser lint bench clean integration-bin fuzz
all: $(CGI_BIN) $(TOOLS) $(WORKERS)

deps:
	@stack/deps.sh

$(B)/lib/%.o: lib/%.c lib/*.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/libvidpipe.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

cgi-bin/%: cgi-bin/%.c $(B)/libvidpipe.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libvidpipe.a $(LDLIBS)


tools/vidpipe-%: tools/%.c $(B)/libvidpipe.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libvidpipe.a $(LDLIBS)

worker/vidpipe-%: worker/%.c $(B)/libvidpipe.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libvidpipe.a $(LDLIBS) $(AVLIBS)

# Unit tests: once plain, once under AddressSanitizer + UBSan.
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
$(B)/unit/%: tests/unit/%.c $(LIB_SRC) lib/*.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_SRC) $(LDLIBS) $(AVLIBS) $(CMOCKA)
$(B)/asan/%: tests/unit/%.c $(LIB_SRC) lib/*.h
	@mkdir -p $(@D)
	$(CC) $(filter-out -D_FORTIFY_SOURCE=2 -O2,$(CFLAGS)) -O1 $(SAN) -o $@ $< $(LIB_SRC) $(LDLIBS) $(AVLIBS) $(CMOCKA)

# Integration tests: the clients against the running test stack's services.
INTEG_SRC := $(wildcard tests/integration/test_*.c)
INTEG_BIN := $(INTEG_SRC:tests/integration/%.c=$(B)/integration/%)
$(B)/integration/%: tests/integration/%.c $(LIB_SRC) lib/*.h
	@mkdir -p $(@D)
	$(CC) $(filter-out -D_FORTIFY_SOURCE=2 -O2,$(CFLAGS)) -O1 $(SAN) -o $@ $< $(LIB_SRC) $(LDLIBS) $(AVLIBS) $(CMOCKA)
integration-bin: $(INTEG_BIN)

unit: $(UNIT_BIN) $(ASAN_BIN) $(REPLAY_BIN)
	@tests/run-unit.sh $(UNIT_BIN) $(ASAN_BIN) $(REPLAY_BIN)

# Fuzzing (clang's libFuzzer, with ASan+UBSan): `make fuzz` runs every target
# for a bounded time (FUZZ_SECONDS each; tests/run-fuzz.sh has the defaults).
# What a target finds lands in tests/fuzz/regress/NAME/, and the replay
# programs (gcc, ASan+UBSan, tests/fuzz/replay.c) run every seed and every
# finding in `make unit`.
FUZZ_CFLAGS = $(filter-out -D_FORTIFY_SOURCE=2 -O2,$(CFLAGS)) -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRC) lib/*.h
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) $(LDLIBS) $(AVLIBS)
$(B)/asan/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIB_SRC) lib/*.h
	@mkdir -p $(@D)
	$(CC) $(filter-out -D_FORTIFY_SOURCE=2 -O2,$(CFLAGS)) -O1 $(SAN) -DFUZZ_NAME='"$*"' -o $@ $< tests/fuzz/replay.c $(LIB_SRC) $(LDLIBS) $(AVLIBS)
fuzz: $(FUZZ_BIN)
	@tests/run-fuzz.sh $(FUZZ_BIN)

up: deps
	@$(MAKE) --no-print-directory all
	@stack/stack.sh up

down:
	@stack/stack.sh down

test: deps
	@$(MAKE) --no-print-directory all
	@tests/run-all.sh

e2e: all
	@tests/run-e2e.sh

# the web app: type check + Vitest; browser tests against the running test stack
frontend-test: deps
	@tests/run-frontend.sh
browser: all
	@tests/run-browser.sh

# The layout is settled by clang-format 14 (Debian 12's) and the checked-in
# .clang-format; other major versions lay some lines out otherwise, so there
# only cppcheck runs. (FUZZ_NAME in tests/fuzz/replay.c comes from -D.)
FORMATTED = lib/*.c lib/*.h cgi-bin/*.c tools/*.c worker/*.c tests/unit/*.c tests/integration/*.c tests/fuzz/*.c
lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 --suppress=missingIncludeSystem --suppress=unknownMacro:tests/fuzz/replay.c --suppress=normalCheckLevelMaxBranches --inline-suppr -I lib lib cgi-bin tools worker tests/unit tests/integration tests/fuzz
	@if clang-format --version | grep -q ' version 14\.'; then \
		clang-format --dry-run --Werror $(FORMATTED); \
	else \
		echo "lint: layout not checked: the tree is formatted with clang-format 14, this is $$(clang-format --version)"; \
	fi

bench/presign-rate: bench/presign_rate.c $(B)/libvidpipe.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libvidpipe.a $(LDLIBS) $(AVLIBS)

bench/loadgen: bench/loadgen.c $(B)/libvidpipe.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libvidpipe.a $(LDLIBS)

# the FastCGI floor: a bare libfcgi responder (bench/api.sh)
bench/fcgi-floor: bench/fcgi_floor.c
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -lfcgi

bench: all bench/presign-rate bench/loadgen bench/fcgi-floor
	@bench/run.sh

clean:
	rm -rf $(B) $(CGI_BIN) $(TOOLS) $(WORKERS) bench/presign-rate bench/loadgen bench/fcgi-floor
