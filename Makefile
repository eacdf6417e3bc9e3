# The two commands of the README: `make demo` and `make test`. Each installs
# what is missing (Debian packages), configures into build/, builds, then
# runs the main example or the whole test suite.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
BUILD_TYPE ?= Release

.PHONY: all deps configure build demo test install clean sanitize tsan fuzz

all: build

deps:
	@./scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# Trains on MNIST when it is found (see docs/user_guide.md), else on a
# synthetic task; saves, reloads in a fresh session and evaluates.
demo: build
	./$(BUILD)/examples/train_mnist --demo --epochs 1 --save $(BUILD)/demo/mnist

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer, in
# build-asan/ (docs/testing.md). The CUDA backend is left out: nvcc does not
# instrument.
# Hostile-input tests ask for impossible allocations and expect an error:
# ASan must return null for them as malloc does.
sanitize:
	ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	$(MAKE) test BUILD=build-asan BUILD_TYPE=RelWithDebInfo \
	  CMAKE_FLAGS="-DTG_SANITIZE=address,undefined -DTG_CUDA=OFF $(CMAKE_FLAGS)"

# ThreadSanitizer on the tests where threads share one session, in build-tsan/.
# OpenBLAS is not instrumented: one thread, so its pool shows no races.
tsan:
	$(MAKE) configure BUILD=build-tsan BUILD_TYPE=RelWithDebInfo \
	  CMAKE_FLAGS="-DTG_SANITIZE=thread -DTG_CUDA=OFF -DTG_BUILD_EXAMPLES=OFF $(CMAKE_FLAGS)"
	cmake --build build-tsan --target tensorgraph_concurrency_tests -j $(JOBS)
	OPENBLAS_NUM_THREADS=1 ./build-tsan/tests/tensorgraph_concurrency_tests

# Each libFuzzer target (or those in FUZZ_TARGETS) for FUZZ_TIME seconds,
# in build-fuzz/ (clang++, ASan and UBSan); tests/fuzz/README.md.
FUZZ_TIME ?= 60
FUZZ_TARGETS ?=
fuzz:
	$(MAKE) configure BUILD=build-fuzz BUILD_TYPE=RelWithDebInfo \
	  CMAKE_FLAGS="-DCMAKE_CXX_COMPILER=clang++ -DTG_FUZZ=ON -DTG_SANITIZE=address,undefined -DTG_CUDA=OFF -DTG_BUILD_EXAMPLES=OFF $(CMAKE_FLAGS)"
	cmake --build build-fuzz --target fuzzers -j $(JOBS)
	./tests/fuzz/run_fuzzers.sh build-fuzz $(FUZZ_TIME) $(FUZZ_TARGETS)

install: build
	cmake --install $(BUILD) --prefix $(or $(PREFIX),/usr/local)

clean:
	rm -rf $(BUILD)
