# The two commands of the README: `make demo` and `make test`. Each installs
# what is missing (Debian packages), configures into build/, builds, then
# runs the main example or the whole test suite.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build demo test install clean

all: build

deps:
	@./scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# Trains on MNIST when it is found (see docs/user_guide.md), else on a
# synthetic task; saves, reloads in a fresh session and evaluates.
demo: build
	./$(BUILD)/examples/train_mnist --demo --epochs 1 --save $(BUILD)/demo/mnist

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

install: build
	cmake --install $(BUILD) --prefix $(or $(PREFIX),/usr/local)

clean:
	rm -rf $(BUILD)
