# Oqim: two commands on a fresh Debian 12 machine, as root:
#   make demo   run the whole system locally
#   make test   run the test suite against a real ClickHouse and Kafka protocol
# Both install what they need (apt packages, Go modules) on first use.

SHELL := /bin/bash
GO    ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
BIN   := bin/oqim
TEST_CLICKHOUSE_DIR := var/test/clickhouse
TEST_CLUSTER_DIR := var/test/clickhouse-cluster
# Debian packages the tests use: speech synthesis and conversion, and a
# headless browser for the web component tests.
TEST_PACKAGES := espeak-ng sox libsox-fmt-mp3 chromium
# axe-core, the accessibility rules the widget's browser test runs, from npm
# into var/test/axe (the test skips, naming this, when it is absent).
AXE_VERSION := 4.14.1
AXE_DIR := var/test/axe

.PHONY: demo test build vet bench test-packages test-axe compose-check clean

build:
	$(GO) build -o $(BIN) ./cmd/oqim

demo: build
	$(BIN) demo

# The test ClickHouse is started by the same code as the demo's (oqim
# clickhouse start: apt install if missing, private config, free port) and
# stopped however the tests end. So is the local cluster the cluster tests
# run on (ZooKeeper and 2 shards x 2 replicas; ZooKeeper and a JRE come from
# apt on first use; a few seconds to start).
test: build test-packages test-axe
	@set -e; \
	trap '$(BIN) clickhouse cluster stop --dir $(TEST_CLUSTER_DIR); $(BIN) clickhouse stop --dir $(TEST_CLICKHOUSE_DIR)' EXIT; \
	dsn=$$($(BIN) clickhouse start --dir $(TEST_CLICKHOUSE_DIR) --tcp-port 0); \
	echo "test ClickHouse: $$dsn"; \
	started=$$(date +%s); \
	$(BIN) clickhouse cluster start --dir $(TEST_CLUSTER_DIR) >/dev/null; \
	echo "test ClickHouse cluster (2 shards x 2 replicas) on $(TEST_CLUSTER_DIR), started in $$(( $$(date +%s) - started )) s"; \
	$(GO) vet ./...; \
	OQIM_TEST_CLICKHOUSE_DSN=$$dsn OQIM_TEST_CLICKHOUSE_CLUSTER=$(CURDIR)/$(TEST_CLUSTER_DIR) \
	  $(GO) test -race -count=1 -timeout 20m ./...

test-packages:
	@missing=""; \
	for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "make test needs the Debian packages$$missing; install them with: sudo apt-get install -y$$missing" >&2; exit 1; fi; \
	  if ! command -v apt-get >/dev/null; then echo "make test needs$$missing and this system has no apt-get; install them with its package manager" >&2; exit 1; fi; \
	  echo "installing$$missing"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null \
	    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null; }; \
	fi

# npm is used where the machine has one (a NodeSource nodejs ships its own,
# and Debian's npm package conflicts with it); Debian's is installed only
# when there is none.
test-axe: test-packages
	@if ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" != 0 ]; then echo "make test needs npm for axe-core; install it with: sudo apt-get install -y npm" >&2; exit 1; fi; \
	  echo "installing npm"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm >/dev/null \
	    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm >/dev/null; }; \
	fi
	@test -f $(AXE_DIR)/node_modules/axe-core/axe.min.js || \
	  npm install --silent --no-audit --no-fund --prefix $(AXE_DIR) axe-core@$(AXE_VERSION)

# docker compose config, literally. Debian 12's docker CLI has no compose
# plugin, so it is built once from the Compose Go module (a few minutes)
# into ~/.docker/cli-plugins when missing.
COMPOSE_VERSION := v2.40.3
compose-check:
	@if ! docker compose version >/dev/null 2>&1; then \
	  echo "building the docker compose plugin $(COMPOSE_VERSION) from its Go module"; \
	  tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && cd $$tmp && \
	  printf 'module composeplugin\n\ngo 1.24\n\nexclude (\n\tgithub.com/davecgh/go-spew v1.1.2-0.20180830191138-d8f796af33cc\n\tgithub.com/pmezard/go-difflib v1.0.1-0.20181226105442-5d4384ee4fb2\n)\n' > go.mod && \
	  $(GO) get github.com/docker/compose/v2/cmd@$(COMPOSE_VERSION) && \
	  mkdir -p $$HOME/.docker/cli-plugins && \
	  $(GO) build -o $$HOME/.docker/cli-plugins/docker-compose github.com/docker/compose/v2/cmd; \
	fi
	OQIM_ACCESS_JWT_SECRET=compose-check-placeholder-of-32-bytes OQIM_DOCTOR_JWT_SECRET=compose-check-placeholder-of-32-bytes \
	  docker compose -f docker/compose.yaml config --quiet
	@echo "docker/compose.yaml is valid"
	OQIM_ACCESS_JWT_SECRET=compose-check-placeholder-of-32-bytes OQIM_DOCTOR_JWT_SECRET=compose-check-placeholder-of-32-bytes \
	OQIM_KAFKA_SASL_PASSWORD=placeholder OQIM_CLICKHOUSE_PASSWORD=placeholder \
	CLICKHOUSE_INTERSERVER_SECRET=placeholder KEYCLOAK_ADMIN_PASSWORD=placeholder \
	  docker compose -f docker/compose.cluster.yaml config --quiet
	@echo "docker/compose.cluster.yaml is valid"

vet:
	$(GO) vet ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin var
