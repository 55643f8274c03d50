# Parta — the two commands a newcomer needs are `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
GENERATED := gen/.generated
PROTOS := $(shell find proto -name '*.proto')

.PHONY: install proto run test lint fmt bench clean browser turn lock image

install: $(INSTALLED) $(GENERATED)

$(INSTALLED): requirements.lock pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) scripts/gen_proto.py && touch $(GENERATED)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

$(GENERATED): $(PROTOS) scripts/gen_proto.py | $(INSTALLED)
	$(PY) scripts/gen_proto.py && touch $@

proto: $(INSTALLED)
	$(PY) scripts/gen_proto.py && touch $(GENERATED)

# Starts NATS, PostgreSQL, every service and the gateway; Ctrl-C stops them all.
run: install
	PARTA_DEV=1 $(BIN)/parta run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy services scripts $(wildcard bench)
	$(PY) scripts/gen_proto.py --check

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The browser tests drive Debian's Chromium (never `playwright install`, which downloads its own).
browser:
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

# The TURN tests (tests/media/turn) run Debian's coturn on 127.0.0.1.
turn:
	@command -v turnserver >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y coturn)

test: lint browser turn
	$(BIN)/pytest -q

bench: install
	$(PY) bench/identity_login.py
	$(PY) bench/directory_check.py
	$(PY) bench/messaging_fanout.py
	$(PY) bench/sfu_forwarding.py

# The locks: requirements.lock has everything `make install` puts in the venv (runtime, the embedded
# NATS/PostgreSQL of `parta run` and the tests, dev tools); requirements-runtime.lock only what the
# container image runs, constrained to requirements.lock's pins so both always agree
# (tests/deploy/test_image.py checks it). After changing dependencies in pyproject.toml: `make lock`.
lock: $(INSTALLED)
	$(BIN)/pip-compile --quiet --extra=dev --extra=embedded --strip-extras \
		--output-file=requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--constraint=requirements.lock --output-file=requirements-runtime.lock pyproject.toml

# The container image localhost/parta:<version> with podman (scripts/image.py: podman, runc and
# mmdebstrap from Debian when missing, the local Debian base, the wheels, the build; prints the size).
# IMAGE_BASE=docker.io/library/python:3.11-slim-bookworm builds on an official base instead.
IMAGE_BASE ?= localhost/debian-py:bookworm
image: $(INSTALLED)
	$(PY) scripts/image.py --base $(IMAGE_BASE)

clean:
	rm -rf gen $(VENV) .mypy_cache .pytest_cache .ruff_cache
