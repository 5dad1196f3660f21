# HyperTrace for Linux: the README's commands. The real work is in meson
# (build), scripts/deps.sh (packages), scripts/check.sh and scripts/demo.sh.
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build

.PHONY: all build deps demo check install clean format fuzz bench

all: build

deps:
	@./scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	./scripts/demo.sh

check: deps
	./scripts/check.sh

fuzz: deps
	FUZZ_SECONDS=$${FUZZ_SECONDS:-600} ./scripts/fuzz.sh

bench: build
	./bench/run.sh

install: build
	DESTDIR=$(DESTDIR) meson install -C $(BUILD) --no-rebuild

format:
	git ls-files '*.c' '*.h' | grep -v '^guest/linux/' | xargs clang-format -i
	git ls-files 'guest/linux/*.c' 'guest/linux/*.h' | xargs -r clang-format -i

clean:
	rm -rf $(BUILD) build-asan build-fuzz tests/out
