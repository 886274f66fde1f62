# foyer — build, test and package.
#
# `make` (or `make help`) lists the targets. Every target works on a fresh
# clone with only Go installed; `make ci-deps` adds what the browser and
# Redis tests need, and a running Docker engine enables the container tests.

SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
BIN       ?= bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
BUILDFLAGS := -trimpath -ldflags '$(LDFLAGS)'
# go test's own deadline per test binary; the whole run stays well under 10 min.
TESTTIMEOUT ?= 8m
FUZZTIME  ?= 60s
# How long `make soak` runs, and extra arguments for cmd/foyer-soak.
SOAKTIME  ?= 10m
SOAK_ARGS ?=
# Arguments for cmd/foyer-bench, e.g. BENCH_ARGS=start.
BENCH_ARGS ?=
# An oauth2-proxy binary that cmd/foyer-bench measures beside foyer (scenario
# sessions), never committed. Build one with
#   GOBIN=/tmp/peer go install github.com/oauth2-proxy/oauth2-proxy/v7@v7.15.6
# then: make bench-load PEER_OAUTH2_PROXY=/tmp/peer/oauth2-proxy
PEER_OAUTH2_PROXY ?=
export PEER_OAUTH2_PROXY
IMAGE_PREFIX ?= foyer
IMAGE_TAG ?= latest
# name=package of each program; whoami is the example upstream app.
PROGRAMS  := rp=./cmd/rp mockidp=./cmd/mockidp whoami=./examples/whoami
IMAGES    := rp mockidp whoami
# The image's rp is built without the embedded mock provider (cmd/rp/devidp_nodev.go):
# bin/image/rp. internal/stack.ImageTags holds the same tags for the tests.
IMAGE_GOTAGS := nodev

# Run apt-get as root, or through sudo otherwise.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help build generate run test check bench bench-start bench-load fuzz soak images ci-deps clean

help: ## Show this list of targets.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build static binaries into bin/ (CGO_ENABLED=0, -trimpath, version stamped), and the image's rp into bin/image/.
	@mkdir -p $(BIN)/image
	@for p in $(PROGRAMS); do \
		name=$${p%%=*}; pkg=$${p#*=}; \
		echo "go build -o $(BIN)/$$name $$pkg"; \
		CGO_ENABLED=0 $(GO) build $(BUILDFLAGS) -o $(BIN)/$$name $$pkg || exit 1; \
	done
	@echo "go build -tags $(IMAGE_GOTAGS) -o $(BIN)/image/rp ./cmd/rp"
	@CGO_ENABLED=0 $(GO) build -tags $(IMAGE_GOTAGS) $(BUILDFLAGS) -o $(BIN)/image/rp ./cmd/rp

# One directory at a time: templ records each file's path relative to -path in
# the generated code, and internal/ui's TestGeneratedCodeUpToDate expects the
# bare file name (a plain `templ generate` at the root writes rp/pages.templ).
generate: ## Regenerate the pages' Go code (*_templ.go) from their .templ files; templ is pinned in go.mod.
	@for d in $(sort $(dir $(shell git ls-files '*.templ'))); do \
		echo "go tool templ generate -path $$d"; \
		$(GO) tool templ generate -path $$d || exit 1; \
	done

run: build ## Build and start rp on http://127.0.0.1:8080 in dev mode (mock IdP embedded).
	./$(BIN)/rp --addr 127.0.0.1:8080

# The integration tests run the binaries `build` just made (FOYER_BIN_DIR)
# instead of compiling them again while every test package compiles.
# internal/testsummary turns `go test -json` back into the usual lines, prints
# each failed test in full, and ends with every skipped test and its reason.
test: build ## Run every test with the race detector, then list skipped and failed tests (browser/Docker/Redis/nginx parts skip when missing).
	@$(GO) build -o $(BIN)/testsummary ./internal/testsummary
	@set -o pipefail; FOYER_BIN_DIR=$(CURDIR)/$(BIN) $(GO) test -json -race -count=1 -timeout $(TESTTIMEOUT) ./... | $(BIN)/testsummary

check: ## Hygiene: gofmt, go vet, go mod tidy, no committed binaries.
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt: not formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff
	$(GO) run ./internal/nobinaries

bench: ## Run the Go benchmarks with their figures, then the load benchmarks.
	$(GO) test -run='^$$' -bench=. -benchmem ./...
	$(MAKE) bench-start bench-load

bench-start: build ## Measure mockidp's start (exec to first /jwks 200), plain and with --tls, and idle memory.
	@if [ -d mockidp/internal/starttime ]; then $(GO) run ./mockidp/internal/starttime -bin $(BIN)/mockidp -n 50 && \
		$(GO) run ./mockidp/internal/starttime -bin $(BIN)/mockidp -n 50 -tls; \
	else echo "bench-start: no mockidp/internal/starttime, nothing to run"; fi

bench-load: build ## Run the load benchmark (cmd/foyer-bench; beside oauth2-proxy with PEER_OAUTH2_PROXY=/path).
	@if [ -d cmd/foyer-bench ]; then $(GO) run ./cmd/foyer-bench $(BENCH_ARGS); \
	else echo "bench-load: no cmd/foyer-bench yet, nothing to run"; fi

fuzz: ## Run every Fuzz target for FUZZTIME (default 60s) each.
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
			$(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg; \
		done; \
	done

soak: build ## Soak rp+mockidp binaries for SOAKTIME (default 10m): fails on a 5xx, a wrong user, anyone let in, memory growth or a goroutine leak.
	$(GO) run ./cmd/foyer-soak -rp $(BIN)/rp -mockidp $(BIN)/mockidp -duration $(SOAKTIME) $(SOAK_ARGS)

images: build ## Build the FROM-scratch images of rp (without the mock provider), mockidp and whoami; print their sizes.
	@for c in $(IMAGES); do \
		ctx=$(BIN); [ $$c = rp ] && ctx=$(BIN)/image; \
		echo "docker build $(IMAGE_PREFIX)/$$c:$(IMAGE_TAG) $$ctx"; \
		docker build -q -f build/$$c/Dockerfile -t $(IMAGE_PREFIX)/$$c:$(IMAGE_TAG) $$ctx || exit 1; \
	done
	@docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep '^$(IMAGE_PREFIX)/'

ci-deps: ## Install Chromium, redis-server, nginx and a Korean font (page screenshots) from Debian packages where missing.
	@updated=; \
	for pair in chromium:chromium redis-server:redis-server nginx:nginx-light; do \
		cmd=$${pair%%:*}; pkg=$${pair##*:}; \
		if command -v $$cmd >/dev/null 2>&1; then echo "ci-deps: $$cmd present"; continue; fi; \
		if [ -z "$$updated" ]; then $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q || exit 1; updated=1; fi; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$pkg || exit 1; \
	done; \
	if dpkg-query -W -f='$${Status}' fonts-nanum 2>/dev/null | grep -q 'ok installed'; then echo "ci-deps: fonts-nanum present"; \
	else \
		if [ -z "$$updated" ]; then $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q || exit 1; fi; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-nanum || exit 1; \
	fi

clean: ## Remove bin/, the test cache and containers/images/networks left by a killed test run.
	rm -rf $(BIN)
	$(GO) clean -testcache
	@if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then \
		docker ps -aq --filter label=foyer.test | xargs -r docker rm -f; \
		docker images -q --filter label=foyer.test | sort -u | xargs -r docker rmi -f; \
		docker network ls -q --filter label=foyer.test | xargs -r docker network rm; \
	fi
