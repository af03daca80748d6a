# Tsunagu: two commands for a fresh machine.
#   make run   set up everything, migrate, load the catalog and demo data, serve on :8000
#   make test  set up everything and run the whole suite
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
# Python threads per granian worker: a few keep the GIL and SQLite's write lock from
# being passed around dozens of threads (measured with make bench).
THREADS ?= 4
# TSUNAGU_DEV_OIDC=1 make run: also start the local OpenID provider shaped like the
# Digital Agency's デジタル認証アプリ, and log in through it (no card needed).
DEV_OIDC_PORT ?= 8765
DEV_OIDC_PATH ?= /api/realms/main
export TSUNAGU_VAR_DIR ?= $(CURDIR)/var

.PHONY: run test setup fonts browser bench lint typecheck check messages clean

# Python 3.12 (pyenv honours .python-version; fall back to any python3.12 on PATH).
PYTHON312 := $(shell pyenv which python3.12 2>/dev/null || command -v python3.12 || command -v python3)

$(BIN)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

setup: $(BIN)/.installed messages fonts

# The IPAex fonts embedded in the signed PDF notices (決定通知書, 罹災証明書).
fonts:
	@test -f /usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf || { \
	  echo "Installing Debian's IPAex fonts for the PDF notices..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-ipaexfont >/dev/null; }

# Debian's Chromium for the browser tests (never a downloaded browser).
browser:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

# Translation catalogs (.po -> .mo); needs msgfmt from gettext.
messages:
	@command -v msgfmt >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }
	@cd src/tsunagu && ../../$(BIN)/tsunagu compilemessages --verbosity 0

run: setup
	@mkdir -p var
	$(BIN)/tsunagu migrate --no-input --verbosity 0
	$(BIN)/tsunagu procedures sync
	$(BIN)/tsunagu demo load
	$(BIN)/tsunagu collectstatic --no-input --verbosity 0
	@$(BIN)/tsunagu demo banner --url http://$(HOST):$(PORT)/
	@trap 'kill 0' EXIT INT TERM; \
	  if [ "$(TSUNAGU_DEV_OIDC)" = "1" ]; then \
	    echo "  開発用 OpenID プロバイダ（デジタル認証アプリの代わり）: http://127.0.0.1:$(DEV_OIDC_PORT)$(DEV_OIDC_PATH)"; \
	    $(PY) -m tsunagu.devtools.oidc_provider --host 127.0.0.1 --port $(DEV_OIDC_PORT) \
	      --issuer-path $(DEV_OIDC_PATH) --client-id RP00000001 \
	      --redirect-uri http://$(HOST):$(PORT)/login/digital-auth-app/callback/ \
	      --redirect-uri http://$(HOST):$(PORT)/applications/sign/digital-auth-app/callback/ \
	      --jpki-dir var/dev-oidc-jpki \
	      --client-jwks-url http://$(HOST):$(PORT)/oidc/jwks.json \
	      --state-file var/dev-oidc-provider.json > /dev/null & \
	    export TSUNAGU_DAA_ISSUER=http://127.0.0.1:$(DEV_OIDC_PORT)$(DEV_OIDC_PATH) \
	      TSUNAGU_DAA_CLIENT_ID=RP00000001 TSUNAGU_DAA_SIGN=1 \
	      TSUNAGU_DAA_REDIRECT_URI=http://$(HOST):$(PORT)/login/digital-auth-app/callback/ \
	      TSUNAGU_DAA_SIGN_REDIRECT_URI=http://$(HOST):$(PORT)/applications/sign/digital-auth-app/callback/ \
	      TSUNAGU_SIGNING_PLUGIN=digital-auth-app \
	      TSUNAGU_JPKI_TRUST_ANCHORS=$(CURDIR)/var/dev-oidc-jpki/root.crt \
	      TSUNAGU_JPKI_CRL_DIR=$(CURDIR)/var/dev-oidc-jpki/crl \
	      TSUNAGU_AUTH_PLUGINS=digital-auth-app,demo; \
	  fi; \
	  TSUNAGU_DEMO_AUTH=1 $(BIN)/tsunagu db_worker --verbosity 1 & \
	  $(BIN)/tsunagu casework poll --interval 5 --inline > /dev/null & \
	  TSUNAGU_DEMO_AUTH=1 $(BIN)/granian --interface wsgi --host $(HOST) --port $(PORT) \
	    --workers $(WORKERS) --blocking-threads $(THREADS) --static-path-route /static --static-path-mount var/static \
	    tsunagu.wsgi:application

test: setup browser
	$(BIN)/pytest -q -p no:cacheprovider -n 2 $(PYTEST_ARGS)

bench: setup
	@command -v wrk >/dev/null || { echo "Installing Debian's wrk for the benchmark..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(PY) bench/run.py

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: setup
	$(BIN)/mypy src

check: lint typecheck
	$(BIN)/tsunagu makemigrations --check --dry-run
	$(BIN)/tsunagu procedures check

clean:
	rm -rf $(VENV) var
