# The README's two commands: `make run` and `make test`. Everything else is a step they call.
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_DEBUG ?= 1
export PYTHONDONTWRITEBYTECODE := 1
# `PORT=8001 make run` serves another port; `make run RESET_PASSWORD=1` gives the demo editor a new password.
PORT ?= 8000
RESET_PASSWORD ?=

.PHONY: run test install browser lint

run: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py setup_demo --port $(PORT) $(if $(filter 1 yes true on,$(RESET_PASSWORD)),--reset-password)
	@echo "Reminder e-mails print on this console (EMAIL_URL unset means console:). To see a digest now:"
	@echo "    $(BIN)/python manage.py send_reminders --dry-run --user demo"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install browser
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run -v1
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

install: $(VENV)/.installed

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@PY=""; for p in python3 python3.13 python3.12; do \
	  if command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then PY=$$p; break; fi; \
	done; \
	if [ -z "$$PY" ]; then echo "Python 3.12 or newer is needed (found: $$(python3 --version 2>&1)). Install it, or use pyenv with .python-version." >&2; exit 1; fi; \
	[ -x $(BIN)/python ] || $$PY -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

# Browser tests drive Debian's Chromium; Playwright cannot download its own browser here.
browser:
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium for the browser tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
