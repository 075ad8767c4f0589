# MSP Portal API — developer entry points. `make test` is what CI runs.

CARGO        ?= cargo
TEST_THREADS ?= 8
PYDEPS       := target/pydeps
PYFUZZ       := target/pyfuzz
PYSCIM       := target/pyscim
SPECTRAL     := target/spectral
OPENAPI_JSON := openapi/openapi.json

.PHONY: run build test lint fmt layers domain-check openapi openapi-validate openapi-lint pydeps pyscim scim-test contract-fuzz bench clean-data

## run: build and start the API on SQLite (./data/msp-portal.db), Swagger UI at /docs/
run:
	$(CARGO) run -p api --bin msp-portal -- serve

build:
	$(CARGO) build --workspace --all-targets

## test: formatting, lints, the domain's purity, the contract, every test on both backends, the contract fuzz
test: lint domain-check openapi-validate openapi-lint pydeps pyscim
	$(CARGO) test --workspace -- --test-threads=$(TEST_THREADS) --show-output
	$(MAKE) --no-print-directory contract-fuzz

lint: layers
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## layers: no route imports another route, error.rs imports no route or service, services import no route
layers:
	$(CARGO) test -q -p api --test structure

## domain-check: `domain` holds pure rules; it must never depend on storage, HTTP or async crates
domain-check:
	@deps="$$($(CARGO) tree -p domain -e normal --prefix none --format '{p}' | sed 's/ .*//' | sort -u)"; \
	bad="$$(echo "$$deps" | grep -E '^(diesel|diesel_migrations|actix.*|r2d2|tokio|libsqlite3-sys|pq-sys|reqwest|utoipa.*)$$' || true)"; \
	if [ -n "$$bad" ]; then echo "domain must stay free of I/O crates, but depends on: $$bad"; exit 1; fi; \
	echo "domain-check: domain depends on no I/O crate"

## openapi: regenerate the committed contract from the code
openapi:
	$(CARGO) run -q -p api --bin msp-portal -- openapi > $(OPENAPI_JSON)

## openapi-validate: check the committed contract with an OpenAPI 3.1 validator nobody here wrote
openapi-validate: $(PYDEPS)/.installed-3
	PYTHONPATH=$(PYDEPS) python3 -m openapi_spec_validator --schema 3.1.0 $(OPENAPI_JSON)

## openapi-lint: Spectral (ruleset spectral:oas) must find no error and no warning in the committed contract
openapi-lint: $(SPECTRAL)/.installed
	$(SPECTRAL)/node_modules/.bin/spectral lint --fail-severity=warn --ruleset openapi/.spectral.yaml $(OPENAPI_JSON)

$(SPECTRAL)/.installed:
	mkdir -p $(SPECTRAL)
	npm install --silent --no-audit --no-fund --prefix $(SPECTRAL) '@stoplight/spectral-cli@6.16.3'
	touch $@

## pydeps: the Python tools the suite uses: the OpenAPI validator and the SMTP sink (aiosmtpd) e-mail tests read from
pydeps: $(PYDEPS)/.installed-3

$(PYDEPS)/.installed-3:
	python3 -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --root-user-action=ignore --target $(PYDEPS) 'openapi-spec-validator==0.9.0' 'aiosmtpd==1.4.6' 'dkimpy==1.1.8'
	touch $@

## pyscim: the SCIM compliance checker (`scim2 test` from scim2-cli, with scim2-tester) the SCIM tests run
pyscim: $(PYSCIM)/.installed

$(PYSCIM)/.installed:
	python3 -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --root-user-action=ignore --target $(PYSCIM) 'scim2-cli==0.6.0' 'scim2-tester==0.5.2'
	touch $@

## scim-test: only the SCIM scenarios, the compliance checker among them, on both backends
scim-test: pyscim
	$(CARGO) test -p e2e-tests --test e2e scim:: -- --show-output

## contract-fuzz: schemathesis generates requests from the contract against the real binary; no 5xx, no response off-contract
contract-fuzz: $(PYFUZZ)/.installed
	$(CARGO) build -q -p api --bin msp-portal
	PATH="$(CURDIR)/$(PYFUZZ)/bin:$$PATH" PYTHONPATH=$(PYFUZZ) python3 tests/fuzz/contract_fuzz.py target/debug/msp-portal $(OPENAPI_JSON)

$(PYFUZZ)/.installed:
	python3 -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --root-user-action=ignore --target $(PYFUZZ) 'schemathesis==4.32.5'
	touch $@

## bench: load figures (req/s, p50/p99, sizes) on SQLite and PostgreSQL
bench:
	$(CARGO) build --release -q -p e2e-tests --bins
	$(CARGO) run --release -q -p e2e-tests --bin bench

clean-data:
	rm -rf data
