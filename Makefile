# sfdc — build, test and measure.
#
#   make            build/sfdc and build/sfdrun
#   make demo       the main job: compile examples/sfdata and run its plan on moto
#   make test       the whole suite (what .ci/run and the README call)
#   make asan       the same binaries with ASan+UBSan, into build/asan/
#   make valgrind   the golden and unit tiers under valgrind
#   make fuzz       libFuzzer targets (clang), into build/fuzz/
#   make bench      the benchmarks in bench/
#   make deps       install missing Debian packages (or print the apt-get line)
#   make golden-update  regenerate golden expectations; review the diff

VERSION := 0.1.0
CC      ?= gcc
# Where objects go; `make asan` re-invokes make with another BUILD.
BUILD   ?= build
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wwrite-strings -Wvla -Wformat=2 -Werror
CFLAGS  += -std=c17 $(OPT) $(WARN) -MMD -MP -D_DEFAULT_SOURCE \
           -DSFDC_VERSION='"$(VERSION)"' -Icompiler -Iruntime -I$(BUILD)/lang
LDFLAGS +=

RE2C    := re2c
BISON   := bison

# --- the compiler -----------------------------------------------------------
GEN_C      := $(BUILD)/lang/lexer.c $(BUILD)/lang/parser.c
COMP_SRCS  := $(sort $(wildcard compiler/*.c))
COMP_OBJS  := $(COMP_SRCS:%.c=$(BUILD)/%.o) $(GEN_C:.c=.o)
COMP_LIB   := $(filter-out $(BUILD)/compiler/main.o,$(COMP_OBJS))
COMP_LIBS  := -lcjson -lm -pthread

# --- the executor -----------------------------------------------------------
RT_SRCS    := $(sort $(wildcard runtime/*.c))
RT_OBJS    := $(RT_SRCS:%.c=$(BUILD)/%.o)
RT_LIB     := $(filter-out $(BUILD)/runtime/main.o,$(RT_OBJS))
RT_LIBS    := -lcurl -lcrypto -lexpat -lcjson -lpthread -lm

# --- unit tests (cmocka): tests/unit/compiler/*.c and tests/unit/runtime/*.c -
UT_COMP    := $(patsubst tests/unit/compiler/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/compiler/*.c))
UT_RT      := $(patsubst tests/unit/runtime/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/runtime/*.c))

all: $(BUILD)/sfdc $(BUILD)/sfdrun

$(BUILD)/sfdc: $(COMP_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(COMP_LIBS)

$(BUILD)/sfdrun: $(RT_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(RT_LIBS)

$(BUILD)/lang/lexer.c: lang/lexer.re | $(BUILD)/lang/parser.c
	@mkdir -p $(dir $@)
	$(RE2C) -W -Werror --no-generation-date -8 -o $@ $<

$(BUILD)/lang/parser.c: lang/parser.y
	@mkdir -p $(dir $@)
	$(BISON) -Wall -Werror --header=$(BUILD)/lang/parser.h -o $@ $<

$(BUILD)/lang/parser.h: $(BUILD)/lang/parser.c

# Generated code is held to the same warnings, minus what re2c/bison emit.
$(BUILD)/lang/%.o: $(BUILD)/lang/%.c
	$(CC) $(CFLAGS) -Wno-unused-but-set-variable -Wno-missing-prototypes -Icompiler -c -o $@ $<

$(BUILD)/compiler/%.o: compiler/%.c | $(BUILD)/lang/parser.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/runtime/%.o: runtime/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/compiler/%.c $(COMP_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(COMP_LIBS) -lcmocka

$(BUILD)/tests/%: tests/unit/runtime/%.c $(RT_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(RT_LIBS) -lcmocka

units: $(UT_COMP) $(UT_RT)

# The whole suite; prints per-tier results and a final `N passed, N failed`.
# Installs missing Debian packages first, so it works on a fresh machine.
test:
	@tools/deps
	@$(MAKE) --no-print-directory all units
	@BUILD=$(BUILD) tests/run

# The main job: compile the example platform and run its plan against a
# local AWS emulator (see tools/demo).
demo:
	@tools/deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tools/demo

# Tiers can be run one by one: make test-unit, test-golden, ...
test-%: all units
	@BUILD=$(BUILD) tests/run $*

asan:
	$(MAKE) BUILD=build/asan CC=clang OPT='-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer' all units
	BUILD=build/asan ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 tests/run unit golden

valgrind: all units
	BUILD=$(BUILD) SFDC_VALGRIND=1 tests/run unit golden

# libFuzzer targets: tests/fuzz/fuzz_*.c, each linked with the compiler or runtime objects.
FUZZ_BUILD := build/fuzz
fuzz:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang OPT='-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all' all
	tools/build-fuzz $(FUZZ_BUILD)

bench: all
	bench/run

golden-update: all
	BUILD=$(BUILD) tests/golden/run --update

deps:
	tools/deps

clean:
	rm -rf build

.PHONY: all units test demo asan valgrind fuzz bench golden-update deps clean

-include $(COMP_OBJS:.o=.d) $(RT_OBJS:.o=.d)
