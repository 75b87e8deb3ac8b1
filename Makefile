# The two commands of the README: `make demo` (the main job) and `make test` (the tests).
# Both create or reuse the virtual environment .venv and install from this project's own files.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test install clean bench

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m proofs_check demo

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) build *.egg-info

# Mutation testing (issue 14): plant each curated mutant in a copy of the repository, run its tests there.
.PHONY: mutation
mutation: $(STAMP)
	$(PY) -m tests.mutation.run $(MUTATION_ARGS)
