# Learning City: `make run` (demo on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: run test install install-dev migrate demo lint lock messages bench bench-generate clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Learning City needs Python >= 3.11") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)

# Installs are keyed on the lock file: a changed lock re-installs, an unchanged one is skipped.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	@mkdir -p var
	$(BIN)/learningcity migrate --no-input -v 0
	$(BIN)/learningcity createcachetable

demo: migrate
	$(BIN)/learningcity demo

run: demo
	$(BIN)/learningcity runserver 127.0.0.1:$(PORT)

test: install-dev
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

# Re-pin every dependency (needs network access to PyPI).
lock: install-dev
	$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --extra dev -o requirements-dev.lock pyproject.toml

# Re-extract and compile translations (needs GNU gettext).
messages: install-dev
	cd learningcity && ../$(BIN)/django-admin makemessages -l fa -l en --no-obsolete --add-location file -i "*/tests/*"
	cd learningcity && ../$(BIN)/django-admin compilemessages

bench: install-dev
	$(BIN)/python -m bench.run

bench-generate: install-dev
	$(BIN)/python -m bench.generate

clean:
	rm -rf $(VENV) var .pytest_cache
