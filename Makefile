# Two commands set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.13: the first one on PATH that really runs, then the pyenv install.
PYTHON := $(shell for p in python3.13 /root/.pyenv/versions/3.13.0/bin/python3.13; do \
	if $$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1; then command -v $$p || echo $$p; break; fi; done)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# sam build looks for python3.13 on PATH; the virtual environment provides it.
export PATH := $(BIN):$(PATH)
export SAM_CLI_TELEMETRY := 0
export SAM_CLI_CONTAINER_CONNECTION_TIMEOUT := 1

.PHONY: help venv run test lint unit bench apikey clean browser

help:
	@echo "make run    - start the whole stack locally (http://127.0.0.1:$${PORT:-3000})"
	@echo "make test   - run every check (template lint, sam validate/build, all tests)"
	@echo "make bench  - run the benchmarks in tests/benchmarks"
	@echo "make apikey NAME=cartrover [AES=1 | RSA=public.pem] | make apikey LIST=1 | make apikey REVOKE=<key id or name>"

$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "Python 3.13 is required (python3.13 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@touch $@

venv: $(STAMP)

run: venv
	$(BIN)/python -m trackline_local

apikey: venv
	$(BIN)/python -m trackline_local.apikeys $(if $(TABLE),--table "$(TABLE)") $(if $(LIST),list,$(if $(REVOKE),revoke "$(REVOKE)",create "$(NAME)" $(if $(AES),--aes) $(if $(RSA),--rsa "$(RSA)")))

lint: venv
	$(BIN)/cfn-lint --append-rules cfn_lint_serverless.rules -- template.yaml
	$(BIN)/sam validate --lint --template-file template.yaml --region us-east-1
	$(BIN)/sam build --template-file template.yaml --build-dir .aws-sam/build --cached --cache-dir .aws-sam/cache

unit: venv browser
	$(BIN)/python -m pytest

# Debian's Chromium, which the tracking page's browser tests drive through playwright (which
# never downloads a browser of its own). Installed once; quiet when it is there.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		echo "installing Debian's chromium for the browser tests"; \
		$$SUDO apt-get update -qq >/dev/null && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

test: lint unit

bench: venv
	$(BIN)/python -m pytest tests/benchmarks -s -p no:randomly -o addopts="" -q

clean:
	rm -rf $(VENV) .aws-sam .local
