# pureboot.hypervisors: set-up, tests and demo. Every target makes its own virtualenv first.
#   make test   lint, the type check, sanity, the docs lint, the whole test suite and the matrix's edges (what CI runs)
#   make quick  the unit tests and the contract suite on Proxmox and oVirt, in a light virtualenv (under a minute)
#   make lint   ruff, antsibull-changelog lint and ansible-lint (production profile) over the collection
#   make typecheck  mypy over the driver contract (mypy.ini)
#   make demo   the demo playbook against the bundled simulators (see README)
#   make docs   the collection's HTML documentation site (antsibull-docs, Sphinx), in .build/docs-site

PYTHON      ?= python3
VENV        ?= .venv
BIN         := $(VENV)/bin
BUILD_ROOT  := $(CURDIR)/.build
COLLECTION_DIR := ansible_collections/pureboot/hypervisors
COLLECTION  := $(BUILD_ROOT)/$(COLLECTION_DIR)
STATIC_ROOT := $(CURDIR)/.build-static
STATIC_COLLECTION := $(STATIC_ROOT)/$(COLLECTION_DIR)
PYTEST_ARGS ?= tests
# The virtualenvs of the tests and of the tools (bindep, nox, the docs tools, the matrix cells, ansible-test's sanity
# virtualenvs) are kept on this machine between clones, under TOOL_CACHE, each in a folder named after a hash of the
# pins it installs and of the Python: changed pins make a new folder, so a kept virtualenv holds what its pins say
# (nox and ansible-test also check theirs on every run). `make test TOOL_CACHE=` keeps them in the clone's .venv
# instead, made anew.
TOOL_CACHE  ?= $(HOME)/.cache/pureboot-hypervisors
TOOLS       := $(if $(TOOL_CACHE),$(TOOL_CACHE),$(CURDIR)/$(VENV))
PYTHON_ID   := $(shell $(PYTHON) -c 'import sys; print(sys.version)' 2>/dev/null)
# $(call pins-key,files): 12 hex digits of the files' contents and the Python's version
pins-key     = $(shell { cat $(1); echo '$(PYTHON_ID)'; } | sha256sum | cut -c1-12)
# ovirt.ovirt (the fidelity test) and community.proxmox (make bench), taken out of one `ansible` wheel; see below.
ANCHORS             := $(VENV)/anchor-collections
ANCHORS_ANSIBLE      := 14.5.0
BENCH_ARGS          ?= --sizes 100,1000,5000 --breakdown --many 10000:10

.PHONY: venv build build-static sanity pytest test test-pytest quick lint typecheck bench stress demo lock clean

venv: $(VENV)/.installed $(ANCHORS)/.ansible-$(ANCHORS_ANSIBLE)-libvirt

# The test virtualenv, .venv. With TOOL_CACHE it is kept there as well, in venv-<hash of its pins and the Python>,
# and .venv is a link to it: making it takes about 50 s of CPU before anything else of make test can start, and a
# clean clone with the same pins needs none of it. Changed pins make a new folder (a link to the old one is dropped
# when make reads this file). Without TOOL_CACHE, or where .venv is already a folder of the clone's own (made with
# `TOOL_CACHE=`, or before the test virtualenv was kept; `make clean` removes it), .venv is that folder.
VENV_PINS   := tests/requirements.txt requirements.txt
VENV_OWN    := $(if $(TOOL_CACHE),$(shell [ -d $(VENV) ] && [ ! -L $(VENV) ] && echo yes),yes)
# $(call make-test-venv,folder): the test virtualenv made in folder, ending with its .installed stamp
define make-test-venv
$(PYTHON) -m venv $(1) && $(1)/bin/python -m pip install --quiet --upgrade pip && \
  $(1)/bin/python -m pip install --quiet -r tests/requirements.txt && touch $(1)/.installed
endef
ifeq ($(VENV_OWN),yes)
$(VENV)/.installed: $(VENV_PINS) | libvirt-deps
	$(call make-test-venv,$(VENV))
else
VENV_HOME   := $(TOOL_CACHE)/venv-$(call pins-key,$(VENV_PINS))
$(shell [ -L $(VENV) ] && [ "$$(readlink $(VENV))" != "$(VENV_HOME)" ] && rm -f $(VENV))

$(VENV)/.installed: | libvirt-deps
	test -f $(VENV_HOME)/.installed || { rm -rf $(VENV_HOME) && $(call make-test-venv,$(VENV_HOME)); }
	ln -sfn $(VENV_HOME) $(VENV)
endif

# The fidelity test runs the unmodified ovirt.ovirt collection against our oVirt simulator, and make bench
# compares our inventory plugin with ovirt.ovirt's and community.proxmox's. The newest `ansible` release, 14.5.0,
# ships the newest of both: ovirt.ovirt 3.2.2 and community.proxmox 2.0.0. The package itself installs only with
# ansible-core 2.21 on Python 3.12 or newer, but the two collections run on ansible-core 2.19 and Python 3.11
# (they ask for 2.14 and 2.17 or newer): download its wheel for Python 3.12 and take only those collections
# (5 MB) out of it instead of installing the whole package (190 MB); make bench-libvirt's community.libvirt 2.3.0
# too. The stamp names the release, so changing ANCHORS_ANSIBLE extracts again (and its -libvirt, added with
# community.libvirt, makes a virtualenv extracted before then extract again).
$(ANCHORS)/.ansible-$(ANCHORS_ANSIBLE)-libvirt: $(VENV)/.installed
	rm -rf $(ANCHORS) && mkdir -p $(ANCHORS)/wheel
	$(BIN)/python -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
	  -d $(ANCHORS)/wheel ansible==$(ANCHORS_ANSIBLE)
	$(BIN)/python -c "import glob, sys, zipfile; wheel = zipfile.ZipFile(glob.glob(sys.argv[1] + '/*.whl')[0]); \
	  [wheel.extract(n, sys.argv[2]) for n in wheel.namelist() \
	   if n.startswith(('ansible_collections/ovirt/ovirt/', 'ansible_collections/community/proxmox/', \
	                    'ansible_collections/community/libvirt/'))]" \
	  $(ANCHORS)/wheel $(ANCHORS)
	rm -rf $(ANCHORS)/wheel
	touch $@

# The system packages of bindep.txt's profile `libvirt`: the real libvirtd and QEMU the libvirt tests and the demo
# start (tests/simulators/libvirtd), and the headers libvirt-python (tests/requirements.txt, source only on PyPI)
# builds against, so checked before the virtualenv is filled, with a bindep of its own. As root with apt (as on CI)
# the missing ones are installed; otherwise make stops with one line naming them.
.PHONY: libvirt-deps
BINDEP_VENV := $(TOOLS)/bindep-2.14.0-$(call pins-key,/dev/null)

$(BINDEP_VENV)/.installed:
	$(PYTHON) -m venv $(BINDEP_VENV)
	$(BINDEP_VENV)/bin/python -m pip install --quiet bindep==2.14.0
	touch $@

libvirt-deps: $(BINDEP_VENV)/.installed
	@missing="$$($(BINDEP_VENV)/bin/bindep -b libvirt)" || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then echo "bindep.txt (libvirt): installing" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "bindep.txt (libvirt): missing system packages, install them as root:" $$missing; exit 1; fi; }

# ansible-test and Ansible's imports need the tree at ansible_collections/<namespace>/<name>: copy what git
# knows (committed and new, not ignored) there, as a git repo so ansible-test checks exactly those files. A file
# deleted but not yet committed is left out; a copy that fails stops the build.
# $(call build-tree,root): that copy under root.
define build-tree
rm -rf $(1)
mkdir -p $(1)/$(COLLECTION_DIR)
git ls-files -z --cached --others --exclude-standard | \
  xargs -0 sh -c 'for f do [ ! -e "$$f" ] || cp --parents "$$f" "$$0" || exit 255; done' $(1)/$(COLLECTION_DIR)/
cd $(1)/$(COLLECTION_DIR) && git init -q && git add -A
endef

build:
	$(call build-tree,$(BUILD_ROOT))

# A second copy for the checks that read every file of the tree (ansible-test sanity, ansible-lint): in make test
# they run beside pytest, which writes into .build (its caches, __pycache__), so they get a tree no test touches.
build-static:
	$(call build-tree,$(STATIC_ROOT))

# ansible-test bootstraps pip in its sanity venvs with a script it downloads from a host out of reach here:
# seed its cache with tests/sanity/get_pip.py (ensurepip + pip install), in a scratch HOME kept beside the venv
# so its sanity venvs are made once.
ANSIBLE_TEST_PIP := 24_2
SANITY_HOME      := $(TOOLS)/sanity-home

sanity: venv build-static
	mkdir -p $(SANITY_HOME)/.ansible/test/cache
	cp tests/sanity/get_pip.py $(SANITY_HOME)/.ansible/test/cache/get_pip_$(ANSIBLE_TEST_PIP).py
	cd $(STATIC_COLLECTION) && HOME=$(SANITY_HOME) PATH=$(CURDIR)/$(BIN):$$PATH \
	  $(CURDIR)/$(BIN)/ansible-test sanity --local --python 3.11 --color no

# $(call run-pytest,arguments): pytest in the built tree with the test virtualenv.
define run-pytest
cd $(COLLECTION) && PYTHONPATH=$(BUILD_ROOT) PATH=$(CURDIR)/$(BIN):$$PATH \
  OVIRT_COLLECTION_PATH=$(CURDIR)/$(ANCHORS) \
  $(CURDIR)/$(BIN)/python -m pytest $(1)
endef

pytest: venv build
	$(call run-pytest,$(PYTEST_ARGS))

# make test's pytest run: parallel workers (pytest-xdist; the tests mostly wait on ansible-playbook and the
# simulators, so more workers than the 2 cores pay), the slowest tests listed, and one JUnit report for the run.
# docs/testing.md has the tiers, the markers and where the time goes.
PYTEST_WORKERS ?= 3
REPORTS        := $(BUILD_ROOT)/reports
TEST_PYTEST_ARGS ?= -n $(PYTEST_WORKERS) --dist worksteal --durations=30 --junitxml=$(REPORTS)/junit.xml tests

# What CI runs: the static checks, the pytest suite and the matrix's edge cells, all side by side in one parallel
# make. The run is bound by CPU, and each of these alone leaves part of the 2 cores idle (a static check is one
# process on one core; pytest waits on ansible-playbook, the simulators and QEMU). Measured from clean clones of the
# same code 20 minutes apart: 17 min 58 s this way, 19 min 35 s with the static checks first (docs/testing.md).
# Sanity and ansible-lint read their own copy of the tree (build-static), which no test writes into. Each target's
# output is printed whole when it ends (--output-sync).
TEST_MAKE = $(MAKE) --no-print-directory --output-sync=target
test:
	$(TEST_MAKE) -j6 lint typecheck sanity docs-lint test-pytest matrix-edges

test-pytest: venv build
	$(call run-pytest,$(TEST_PYTEST_ARGS))

# The quick tier: the unit tests and the contract suite on the simulated types (Proxmox, oVirt), without the
# tests marked libvirt, e2e or slow (pytest.ini), in a light virtualenv of its own (tests/requirements-quick.txt:
# no libvirt-python, molecule, ansible-lint or comparison collections). The tests that need what it lacks are
# skipped with one line saying so. Four workers on 2 cores: the contract suite mostly waits (locks held past a
# timeout, transitions), so the tier uses under one core with two (61 s) and finishes in 39 s with four.
QUICK_VENV  ?= .venv-quick
QUICK_ARGS  ?= -n 4 -m 'not libvirt and not e2e and not slow' tests/unit tests/contract

$(QUICK_VENV)/.installed: tests/requirements-quick.txt
	rm -rf $(QUICK_VENV)
	$(PYTHON) -m venv $(QUICK_VENV)
	$(QUICK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(QUICK_VENV)/bin/python -m pip install --quiet -r tests/requirements-quick.txt
	touch $@

quick: $(QUICK_VENV)/.installed build
	cd $(COLLECTION) && PYTHONPATH=$(BUILD_ROOT) PATH=$(CURDIR)/$(QUICK_VENV)/bin:$$PATH \
	  $(CURDIR)/$(QUICK_VENV)/bin/python -m pytest $(QUICK_ARGS)

# ruff over plugins and tests (ruff.toml), the changelog fragments, and ansible-lint's production profile over the
# whole collection (.ansible-lint), in the built tree so that every FQCN resolves (ovirt.ovirt: the comparison
# collections).
lint: venv build-static
	$(BIN)/ruff check --no-cache plugins tests
	$(BIN)/ruff format --no-cache --check plugins tests
	$(BIN)/antsibull-changelog lint
	cd $(STATIC_COLLECTION) && PATH=$(CURDIR)/$(BIN):$$PATH ANSIBLE_COLLECTIONS_PATH=$(STATIC_ROOT):$(CURDIR)/$(ANCHORS) \
	  $(CURDIR)/$(BIN)/ansible-lint --nocolor -q

# mypy over the driver contract: the shared files every hypervisor type is written against (mypy.ini lists them;
# docs/testing.md says why only those). From the build root, where the collection's imports
# (ansible_collections.pureboot.hypervisors...) resolve to the tree under test.
typecheck: venv build
	cd $(BUILD_ROOT) && $(CURDIR)/$(BIN)/mypy --config-file $(COLLECTION)/mypy.ini

# The ansible-core x Python matrix (noxfile.py): ansible-test sanity, the unit and contract suites and the
# integration smoke (tests marked `smoke`) on ansible-core 2.16 to 2.21, each cell (core, Python) in its own
# virtualenv made by nox under $(MATRIX_HOME). `make matrix` runs every cell and prints a core x Python x suite
# table (MATRIX_SELECT='-t core-2.16' or MATRIX_SUITES=units narrow it). `make test` runs sanity and the smoke
# suite on the oldest and the newest core (matrix-edges): ansible-test's rules of those cores (2.16 and 2.17 ask
# for an empty __init__.py in every module_utils package, which 2.19's sanity no longer checks), and real
# ansible-playbook and ansible-inventory runs of every module and the inventory on those cores and their Pythons.
# The units suite is left to make matrix there: it is the main suite's unit and contract tests again, about
# 2.5 CPU-minutes that make test's 15 minutes on 2 cores cannot spare (EDGE_SUITES='sanity units smoke' brings it
# back). See docs/testing.md.
.PHONY: matrix matrix-edges matrix-lock matrix-deps
NOX_VENV      := $(TOOLS)/nox-$(call pins-key,tests/matrix/requirements-nox.txt)
MATRIX_HOME   := $(TOOLS)/matrix-$(call pins-key,$(sort $(wildcard tests/matrix/requirements-*.txt)))
MATRIX_SELECT ?= --sessions cell
MATRIX_SUITES ?= sanity units smoke
# Pythons that pyenv has but does not select answer to their pythonX.Y names only from their own folders:
# add those after PATH, so that nox finds every Python of the matrix.
MATRIX_PATH   := $(PATH)$(shell command -v pyenv >/dev/null 2>&1 && for v in 3.11 3.12 3.13; do \
                   d=$$(pyenv prefix $$v 2>/dev/null) && printf ':%s/bin' "$$d"; done)
NOX           := PATH='$(MATRIX_PATH)' $(NOX_VENV)/bin/nox --noxfile $(COLLECTION)/noxfile.py \
                   --envdir $(MATRIX_HOME)/cells --download-python never --error-on-missing-interpreters \
                   --reuse-venv yes

# no file prerequisite: the folder's name changes with the pins (a fresh clone's files are newer than any stamp)
$(NOX_VENV)/.installed:
	rm -rf $(NOX_VENV)
	$(PYTHON) -m venv $(NOX_VENV)
	$(NOX_VENV)/bin/python -m pip install --quiet -r tests/matrix/requirements-nox.txt
	touch $@

# The system packages the cells' virtualenvs build against (bindep.txt, profile `test`; ovirt-engine-sdk-python
# has no wheels and compiles against libxml2): installed from Debian's packages when one is missing.
matrix-deps: venv
	@missing="$$($(BIN)/bindep -b test)" || { echo "bindep.txt (test): installing $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; }

# $(call run-matrix,name,nox selection,suites): run those cells, then print their table; fail if any suite failed.
define run-matrix
rm -rf $(BUILD_ROOT)/matrix-$(1) && mkdir -p $(BUILD_ROOT)/matrix-$(1)
cd $(COLLECTION) && $(NOX) --list --json $(2) > $(BUILD_ROOT)/matrix-$(1)/cells.json
cd $(COLLECTION) && status=0; PUREBOOT_MATRIX_RESULTS=$(BUILD_ROOT)/matrix-$(1) $(NOX) $(2) -- $(3) || status=$$?; \
  $(NOX_VENV)/bin/python tests/matrix/table.py $(BUILD_ROOT)/matrix-$(1) $(3) || status=1; exit $$status
endef

matrix: venv build $(NOX_VENV)/.installed matrix-deps
	$(call run-matrix,all,$(MATRIX_SELECT),$(MATRIX_SUITES))

EDGE_SUITES ?= sanity smoke
matrix-edges: venv build $(NOX_VENV)/.installed matrix-deps
	$(call run-matrix,edges,--tags edges,$(EDGE_SUITES))

# Rebuild tests/matrix/requirements-<core>.txt (the cells' pins) from tests/matrix/requirements.in.
matrix-lock: $(NOX_VENV)/.installed
	PATH='$(MATRIX_PATH)' $(NOX_VENV)/bin/nox --noxfile noxfile.py --envdir $(BUILD_ROOT)/lock \
	  --download-python never --error-on-missing-interpreters --sessions lock

# Not part of make test: the reliability suite at full size (more dropped connections, more VMs, 5000-VM inventory).
stress: venv build
	cd $(COLLECTION) && PYTHONPATH=$(BUILD_ROOT) PATH=$(CURDIR)/$(BIN):$$PATH PUREBOOT_STRESS=1 \
	  $(CURDIR)/$(BIN)/python -m pytest tests/reliability $(STRESS_ARGS)

# Not part of make test: the inventory plugin against community.proxmox's and ovirt.ovirt's on N = 100, 1000 and
# 5000 VMs at 10 ms per request; prints a table and writes docs/performance.{md,png,json}. Then the modules: the
# five-task VM lifecycle against the anchors' modules, and N = 10 to 100 parallel creates on Proxmox
# (tests/bench/bench_modules.py, the lifecycle with tasks ending at once and with tasks of 0.5 s; MODULE_BENCH_ARGS
# narrows it, e.g. --parallel 10,20 or --scenes slow-tasks). make bench-modules runs that module part only.
MODULE_BENCH_ARGS ?=
RUN_MODULE_BENCH = cd $(COLLECTION) && PYTHONPATH=$(BUILD_ROOT) PATH=$(CURDIR)/$(BIN):$$PATH \
	  $(CURDIR)/$(BIN)/python tests/bench/bench_modules.py --anchors $(CURDIR)/$(ANCHORS) --docs $(CURDIR)/docs \
	  $(MODULE_BENCH_ARGS)
bench: bench-inventory
	$(RUN_MODULE_BENCH)

.PHONY: bench-modules
bench-modules: venv build
	$(BIN)/python -m pip install --quiet -r tests/bench/requirements.txt
	$(RUN_MODULE_BENCH)

# The inventory section of make bench alone (docs/performance.md: the table, the floor, where the time goes with
# --breakdown, the many-hypervisors scene with --many).
.PHONY: bench-inventory
bench-inventory: venv build
	$(BIN)/python -m pip install --quiet -r tests/bench/requirements.txt
	cd $(COLLECTION) && PYTHONPATH=$(BUILD_ROOT) PATH=$(CURDIR)/$(BIN):$$PATH \
	  $(CURDIR)/$(BIN)/python tests/bench/bench_inventory.py --anchors $(CURDIR)/$(ANCHORS) --docs $(CURDIR)/docs \
	  $(BENCH_ARGS)

# Not part of make test (needs root and bindep.txt's libvirt profile): the libvirt driver, its modules and inventory
# against community.libvirt's on one private libvirtd: libvirt API calls, wall and CPU time for one VM lifecycle and an
# inventory of 50 domains; prints a table and writes it into docs/performance.md.
# BENCH_LIBVIRT_ARGS: e.g. --breakdown (the phases of one inventory run of each collection), --repeat 5.
.PHONY: bench-libvirt
BENCH_LIBVIRT_ARGS ?=
bench-libvirt: venv build
	$(BIN)/python -m pip install --quiet -r tests/bench/requirements.txt
	cd $(COLLECTION) && PYTHONPATH=$(BUILD_ROOT) PATH=$(CURDIR)/$(BIN):$$PATH \
	  $(CURDIR)/$(BIN)/python tests/bench/bench_libvirt.py --anchors $(CURDIR)/$(ANCHORS) --docs $(CURDIR)/docs \
	  $(BENCH_LIBVIRT_ARGS)

# The demo playbook against fakepve, the oVirt simulator and the PureBoot double, started and stopped here.
demo: venv build
	rm -rf $(BUILD_ROOT)/demo
	cd $(COLLECTION) && PYTHONPATH=$(BUILD_ROOT) PATH=$(CURDIR)/$(BIN):$$PATH \
	  $(CURDIR)/$(BIN)/python -m ansible_collections.pureboot.hypervisors.tests.simulators.demo --dir $(BUILD_ROOT)/demo

# The collection's documentation site, the ecosystem's way: `antsibull-docs sphinx-init` writes a Sphinx project
# for the collection, antsibull-docs its pages, Sphinx the HTML: every module, plugin and role, in
# $(DOCS_SITE)/build/html (under the build root, never committed). The tools come from docs/site/requirements.txt
# in their own virtualenv; ansible-doc is the test virtualenv's. make test runs antsibull-docs' linter (docs-lint).
.PHONY: docs docs-lint docs-lock
DOCS_VENV := $(TOOLS)/docs-$(call pins-key,docs/site/requirements.txt)
DOCS_SITE := $(BUILD_ROOT)/docs-site
DOCS_ENV  := PATH=$(DOCS_VENV)/bin:$(CURDIR)/$(BIN):$$PATH ANSIBLE_COLLECTIONS_PATH=$(BUILD_ROOT)

$(DOCS_VENV)/.installed:  # named after its pins, like $(NOX_VENV)
	rm -rf $(DOCS_VENV)
	$(PYTHON) -m venv $(DOCS_VENV)
	$(DOCS_VENV)/bin/python -m pip install --quiet -r docs/site/requirements.txt
	touch $@

# The plugins' and roles' documentation: schema, markup, references to this collection and to ansible.builtin,
# and the RST made from it.
docs-lint: venv build $(DOCS_VENV)/.installed
	cd $(COLLECTION) && $(DOCS_ENV) antsibull-docs lint-collection-docs --plugin-docs \
	  --validate-collection-refs dependent --disallow-unknown-collection-refs .

docs: venv build $(DOCS_VENV)/.installed
	rm -rf $(DOCS_SITE) && mkdir -m 700 $(DOCS_SITE)
	$(DOCS_ENV) antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error \
	  --project pureboot.hypervisors --title pureboot.hypervisors --copyright 'PureBoot contributors' \
	  --dest-dir $(DOCS_SITE) pureboot.hypervisors
	cat docs/site/conf_offline.py >> $(DOCS_SITE)/conf.py
	cd $(DOCS_SITE) && $(DOCS_ENV) ./build.sh
	$(DOCS_VENV)/bin/python docs/site/check_pages.py $(COLLECTION) $(DOCS_SITE)/build/html

# Rebuild docs/site/requirements.txt from docs/site/requirements.in.
docs-lock:
	rm -rf $(BUILD_ROOT)/docs-lockvenv
	$(PYTHON) -m venv $(BUILD_ROOT)/docs-lockvenv
	$(BUILD_ROOT)/docs-lockvenv/bin/pip install --quiet -r docs/site/requirements.in
	{ echo "# Pinned documentation tools (generated from docs/site/requirements.in with 'make docs-lock'; Python 3.11)."; \
	  $(BUILD_ROOT)/docs-lockvenv/bin/pip freeze | grep -v '^pip='; } > docs/site/requirements.txt

# Rebuild the pinned test requirements from tests/requirements.in.
lock:
	rm -rf $(BUILD_ROOT)/lockvenv
	$(PYTHON) -m venv $(BUILD_ROOT)/lockvenv
	$(BUILD_ROOT)/lockvenv/bin/pip install --quiet -r tests/requirements.in
	{ echo "# Pinned test environment (generated from tests/requirements.in with 'make lock'; Python 3.11)."; \
	  $(BUILD_ROOT)/lockvenv/bin/pip freeze | grep -v '^pip=' | sed 's/^fakepve==/fakepve[pytest]==/'; } > tests/requirements.txt

clean:
	rm -rf $(BUILD_ROOT) $(STATIC_ROOT) $(VENV) $(QUICK_VENV)

# The tool virtualenvs kept between clones (TOOL_CACHE): made again by the next make test.
.PHONY: clean-tool-cache
clean-tool-cache:
	$(if $(TOOL_CACHE),rm -rf $(TOOL_CACHE),@echo 'TOOL_CACHE is empty: the tool virtualenvs are in $(VENV)')

# PVE's API schema the suite checks every Proxmox request against (tests/simulators/pve_schema): refresh its
# trimmed copy from a pve-docs checkout (git clone https://git.proxmox.com/git/pve-docs.git, or github's mirror).
#   make pve-schema PVE_DOCS=../pve-docs
PVE_DOCS ?=
.PHONY: pve-schema
pve-schema:
	@test -n "$(PVE_DOCS)" && test -f "$(PVE_DOCS)/api-viewer/apidata.js" || \
	  { echo "make pve-schema: give PVE_DOCS=<a pve-docs checkout> (one with api-viewer/apidata.js)"; exit 1; }
	$(PYTHON) tests/simulators/pve_schema/refresh.py $(PVE_DOCS)

# make lab: the bundled backends (fakepve, the oVirt simulator, the PureBoot double and, as root with bindep.txt's
# libvirt packages, a private libvirtd) kept running until Ctrl-C, with a vars file for `-e @` that runs the docs'
# examples (docs/getting-started.md). LAB_ARGS=--no-libvirt leaves libvirt out.
.PHONY: lab
LAB_DIR  ?= $(BUILD_ROOT)/lab
LAB_ARGS ?=
lab: venv build
	rm -rf $(LAB_DIR)
	cd $(COLLECTION) && PYTHONPATH=$(BUILD_ROOT) PATH=$(CURDIR)/$(BIN):$$PATH \
	  $(CURDIR)/$(BIN)/python -m ansible_collections.pureboot.hypervisors.tests.simulators.lab --dir $(LAB_DIR) $(LAB_ARGS)
