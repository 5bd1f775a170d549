# The front door: `make help` lists every target. Each Go target loops over the modules of go.work.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT      := $(shell pwd)
BIN       := $(ROOT)/bin
MODULES   := pkg api-gateway services/user services/video services/favorite services/comment services/relation services/message services/media-worker
# The six RPC services (one IDL each); the media worker is a consumer of the queue, not an RPC server.
SERVICES  := user video favorite comment relation message
WORKERS   := media-worker
# The MySQL server the stack uses (a DSN without a database; each service creates its own schema).
MYSQL_DSN ?= root:@tcp(127.0.0.1:3306)/
export MYSQL_DSN
# The Redis the services cache in (each keeps its keys under its own schema's name).
REDIS_ADDR ?= 127.0.0.1:6379
export REDIS_ADDR
# The folders of the Postman collection that `make test` and `make postman` run, in order; empty
# (the default) runs the whole collection, e.g. `make postman POSTMAN_FOLDERS='user video'` runs two.
POSTMAN_FOLDERS ?=
export POSTMAN_FOLDERS

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

# What `make run` starts (bin/devstack runs these and nothing else), and what `make test` needs
# besides: SeaweedFS, the real S3 server the storage tests start. `make build` builds both.
RUN_BINS  := $(addprefix $(BIN)/,etcd jaeger prometheus nats-server $(SERVICES) $(WORKERS) api-gateway devstack)
TEST_BINS := $(RUN_BINS) $(BIN)/weed

.PHONY: build
build: $(TEST_BINS) ## build the gateway, the six services, the media worker, devstack and the third-party servers (etcd, Jaeger, Prometheus, NATS, SeaweedFS) into bin/

# Each program is rebuilt only when a Go file, go.mod or config it is built from is newer than it,
# so a `make test` after a change to one service links that service alone.
src = $(shell find $(1) -path pkg/tools -prune -o \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -not -name '*_test.go' -print)
PKG_SRC := go.work $(call src,pkg)

.SECONDEXPANSION:
$(addprefix $(BIN)/,$(SERVICES) $(WORKERS)): $(BIN)/%: $(PKG_SRC) $$(call src,services/$$*)
	@echo "build services/$* -> bin/$*"; cd services/$* && go build -o $@ .

$(BIN)/api-gateway: $(PKG_SRC) $(call src,api-gateway)
	@echo "build api-gateway -> bin/api-gateway"; cd api-gateway && go build -o $@ .

$(BIN)/devstack: $(PKG_SRC)
	@echo "build pkg/cmd/devstack -> bin/devstack"; cd pkg && go build -o $@ ./cmd/devstack

# The third-party servers come from the Go module proxy, each built once from its own tools module
# (pkg/tools/<name>, GOWORK=off). scripts/build-tool.sh prints what is built, an estimate and a
# "still building" line every 20 s, since go build says nothing for minutes. The estimates are for
# 2 cores: the lower figure on an idle machine, the higher one measured here on a loaded one.
BUILD_TOOL := $(ROOT)/scripts/build-tool.sh

# etcd: an embedded server (a main of our own around go.etcd.io/etcd/server/v3/embed).
$(BIN)/etcd: pkg/tools/etcd/go.mod pkg/tools/etcd/main.go
	@cd pkg/tools/etcd && GOWORK=off $(BUILD_TOOL) "etcd (embedded server)" "1 min" go build -o $(BIN)/etcd .

$(BIN)/jaeger: pkg/tools/jaeger/go.mod
	@cd pkg/tools/jaeger && GOWORK=off $(BUILD_TOOL) "Jaeger all-in-one" "5-10 min" go build -o $(BIN)/jaeger github.com/jaegertracing/jaeger/cmd/jaeger

# NATS (JetStream) carries the media jobs; make run and the pipeline tests start it from bin/.
$(BIN)/nats-server: pkg/tools/nats/go.mod
	@cd pkg/tools/nats && GOWORK=off $(BUILD_TOOL) nats-server "15-30 s" go build -o $(BIN)/nats-server github.com/nats-io/nats-server/v2

# SeaweedFS is the real S3-compatible server the media storage tests start (weed server -s3);
# make test builds it, make run does not.
$(BIN)/weed: pkg/tools/seaweedfs/go.mod
	@cd pkg/tools/seaweedfs && GOWORK=off $(BUILD_TOOL) "SeaweedFS (for the storage tests)" "3-6 min" go build -o $(BIN)/weed github.com/seaweedfs/seaweedfs/weed

# Prometheus and promtool come from the same tools module (each about 3.5-8 minutes, once). The
# web UI's compiled assets are not in the module: its query API is what answers.
$(BIN)/prometheus: pkg/tools/prometheus/go.mod
	@cd pkg/tools/prometheus && GOWORK=off $(BUILD_TOOL) Prometheus "4-8 min" go build -o $(BIN)/prometheus github.com/prometheus/prometheus/cmd/prometheus

$(BIN)/promtool: pkg/tools/prometheus/go.mod
	@cd pkg/tools/prometheus && GOWORK=off $(BUILD_TOOL) promtool "4-8 min" go build -o $(BIN)/promtool github.com/prometheus/prometheus/cmd/promtool

.PHONY: metrics-lint
metrics-lint: $(BIN)/promtool ## check the Prometheus configs, alert rules (and their tests) and Grafana dashboards
	@$(BIN)/promtool check config deploy/prometheus/prometheus.yml deploy/prometheus/prometheus.compose.yml \
		deploy/kubernetes/base/prometheus/prometheus.yml
	@$(BIN)/promtool check rules deploy/prometheus/alerts.yml
	@$(BIN)/promtool test rules deploy/prometheus/alerts_test.yml
	@cd api-gateway && go test -count=1 -tags integration -run '^(TestDashboards|TestKubernetesPrometheus)' ./e2e/deploy/

# Instances of each service and of the gateway `make run` starts: 1, or 2 (a second gateway on
# :8090, the second services on 8891 … 8896), e.g. `make run REPLICAS=2`.
REPLICAS ?= 1
# A phone on the LAN: `make run LAN=1` opens the gateway (only it) on every interface, with media
# URLs naming this machine's LAN address; PUBLIC_URL=http://host:port names another (a tunnel).
LAN ?=
PUBLIC_URL ?=

.PHONY: run
run: $(RUN_BINS) ## build what the stack runs (not SeaweedFS) and start it in the foreground (gateway on :8080; REPLICAS=2: two of each, second gateway on :8090; LAN=1: a phone on the LAN reaches it); Ctrl-C stops it
	@$(BIN)/devstack -root $(ROOT) -mysql '$(MYSQL_DSN)' -redis '$(REDIS_ADDR)' -replicas '$(REPLICAS)' \
		$(if $(filter-out 0 no false,$(LAN)),-lan) $(if $(PUBLIC_URL),-public-url '$(PUBLIC_URL)')

# make seed fills a running stack with the demo accounts of the README, their clips (made with
# ffmpeg), likes, comments, follows and chats, through the public API; a second run adds nothing.
.PHONY: seed
seed: ## demo users, videos, likes, comments, friends and chats in a running `make run` (or BASE_URL=); idempotent
	@cd api-gateway && go build -o $(BIN)/seed ./cmd/seed
	@$(BIN)/seed $(if $(BASE_URL),-base-url '$(BASE_URL)')

.PHONY: test
test: $(TEST_BINS) ## run every test: unit, integration (real MySQL) and end-to-end (real stack over HTTP)
	@set -o pipefail; fail=0; for m in $(MODULES); do \
		echo "== go test -tags integration $$m"; (cd $$m && go test -race -count=1 -tags integration -timeout 20m ./...) || fail=1; \
	done; exit $$fail

# The tests that need a server (MySQL, etcd, the stack, a port) carry `//go:build integration`;
# without the tag only the business-rule and handler tests remain, against in-memory fakes.
.PHONY: test-unit
# The modules are tested four at a time: most of the time goes to linking the test binaries.
test-unit: ## run the unit tests only: no build, no servers, no network (seconds)
	@printf '%s\n' $(MODULES) | xargs -P 4 -I{} bash -c 'cd {} && go test -race -count=1 ./...'

.PHONY: gen
gen: ## regenerate the Kitex and Hertz code from idl/ with the pinned generators
	@cd pkg/tools/kitex && GOWORK=off go build -o $(BIN)/kitex github.com/cloudwego/kitex/tool/cmd/kitex
	@cd pkg/tools/hz && GOWORK=off go build -o $(BIN)/hz github.com/cloudwego/hertz/cmd/hz
	@rm -rf pkg/kitex_gen api-gateway/hertz_gen
	@cd pkg && for s in $(SERVICES); do $(BIN)/kitex -module simpletiktok/pkg ../idl/$$s.proto || exit 1; done
	@cd api-gateway && $(BIN)/hz model --idl ../idl/http/douyin.proto --module simpletiktok/api-gateway \
		--model_dir hertz_gen --unset_omitempty --rm_tag form --rm_tag query

.PHONY: gen-check
gen-check: gen ## fail if the committed generated code differs from what `make gen` writes
	@git diff --exit-code --stat -- pkg/kitex_gen api-gateway/hertz_gen

.PHONY: lint
lint: $(BIN)/staticcheck ## gofmt, go vet and staticcheck over every module, integration tests included
	@test -z "$$(gofmt -l $(MODULES))" || { gofmt -l $(MODULES); exit 1; }
	@for m in $(MODULES); do (cd $$m && go vet -tags integration ./...) || exit 1; done
	@# Generated code (*_gen) is the generators' business, not ours.
	@for m in $(MODULES); do \
		(cd $$m && $(BIN)/staticcheck -tags integration $$(go list -tags integration ./... | grep -v '_gen/')) || exit 1; \
	done

$(BIN)/staticcheck: pkg/tools/staticcheck/go.mod
	@echo "building staticcheck from the Go module proxy (pinned in pkg/tools/staticcheck)"
	@cd pkg/tools/staticcheck && GOWORK=off go build -o $(BIN)/staticcheck honnef.co/go/tools/cmd/staticcheck

.PHONY: bench
bench: build ## run the benchmarks
	@for m in $(MODULES); do (cd $$m && go test -run '^$$' -bench . -benchmem ./...) || exit 1; done

# make loadtest drives a running stack: start it in another terminal with `TIKTOK_RATE_LIMIT=off
# make run` (the rate limit would turn the load into refusals). Knobs are LOADTEST_* variables,
# e.g. `make loadtest LOADTEST_DURATION=3s LOADTEST_CONNS=64`; see docs/performance.md. SCALE=large
# measures, fills the stack's schemas (MYSQL_DSN, LOADTEST_SCHEMA_PREFIX) with a million videos and
# ten million likes straight through MySQL, and measures again ("Data at scale" there).
SCALE ?=
.PHONY: loadtest
loadtest: ## load benchmark against a running `make run` (or BASE_URL=): seeds, then one table of req/s and p99 (SCALE=large: also on a million videos)
	@cd api-gateway && go build -o $(BIN)/loadtest ./cmd/loadtest
	@TIKTOK_RATE_LIMIT=off $(BIN)/loadtest -gateway-config api-gateway/config.yaml $(if $(BASE_URL),-base-url '$(BASE_URL)') $(if $(SCALE),-scale '$(SCALE)')

# make chaos is the fault-injection suite (pkg/chaos, docs/reliability.md): it starts the stack
# on free ports against a MariaDB and a Redis of its own (mariadbd and redis-server from Debian),
# kills and blocks its parts one at a time under load, and fails when a check fails. A few
# minutes; CHAOS_FAULTS picks faults by name, e.g. `make chaos CHAOS_FAULTS=etcd,lock`.
CHAOS_FAULTS ?=
.PHONY: chaos
chaos: build $(BIN)/chaos ## fault-injection suite: kill and block each part of a private stack under load, check no write is lost
	@$(BIN)/chaos -root $(ROOT) $(if $(CHAOS_FAULTS),-faults '$(CHAOS_FAULTS)')

$(BIN)/chaos: $(PKG_SRC)
	@echo "build pkg/cmd/chaos -> bin/chaos"; cd pkg && go build -o $@ ./cmd/chaos

.PHONY: clean
clean: ## remove bin/ and var/ (logs, local etcd data, media)
	rm -rf bin var

.PHONY: postman
postman: ## run the Postman collection with newman against a running `make run` (or BASE_URL=http://host:port)
	@postman/run.sh $(BASE_URL)

# The Postman requests' descriptions and saved example answers are written from the OpenAPI
# description (api-gateway/apidocs/openapi.yaml, served at /docs); `make test` fails while the
# collection is out of date with it (api-gateway/apidocs/postman).
.PHONY: postman-sync
postman-sync: ## write the Postman requests' descriptions and example answers from the OpenAPI description
	@cd api-gateway && go run ./apidocs/cmd/postman-sync ../postman/simple-tiktok.postman_collection.json

.PHONY: compose-lint
# The secrets docker-compose.yml requires (none is committed). `make up` writes random ones to .env
# (not committed) the first time; compose-lint validates with placeholders.
COMPOSE_SECRETS := TIKTOK_JWT_SECRET MYSQL_ROOT_PASSWORD GRAFANA_ADMIN_PASSWORD REDIS_PASSWORD \
	$(foreach s,USER VIDEO FAVORITE COMMENT RELATION MESSAGE,$(s)_DB_PASSWORD $(s)_MIGRATOR_DB_PASSWORD)
COMPOSE_LINT_ENV := $(foreach v,$(COMPOSE_SECRETS),$(v)=placeholder-for-validation-only-0123456789)

# Compose itself: the v2 plugin (`docker compose`) when it answers, else the v1 binary
# (`docker-compose`); compose-cli stops with how to install one when neither does. Recursive (=),
# so that only the targets that use compose ask for it.
COMPOSE = $(shell if docker compose version >/dev/null 2>&1; then echo 'docker compose'; \
	elif command -v docker-compose >/dev/null 2>&1; then echo docker-compose; fi)

.PHONY: compose-cli
compose-cli:
	@test -n "$(COMPOSE)" || { echo "neither 'docker compose' (the v2 plugin) nor 'docker-compose' answers: install Docker Compose" \
		"(https://docs.docker.com/compose/install/; on Debian or Ubuntu without Docker's repository: apt-get install docker-compose)" >&2; exit 1; }

# The Go checks (api-gateway/e2e/deploy, TestCompose*) read the resolved file that docker-compose
# v1 prints (v2 prints volumes and ports in another form), so they run the docker-compose binary.
compose-lint: compose-cli ## validate docker-compose.yml (alone and with docker-compose.s3.yml) and check every file it names (what CI does; no engine needed)
	@env $(COMPOSE_LINT_ENV) $(COMPOSE) -f docker-compose.yml config -q
	@env $(COMPOSE_LINT_ENV) $(COMPOSE) -f docker-compose.yml -f docker-compose.s3.yml config -q
	@cd api-gateway && go test -count=1 -tags integration -run '^TestCompose' ./e2e/deploy/

# Kubernetes (deploy/kubernetes, docs/deployment.md): kustomize renders an overlay and k8slint
# checks it against the Kubernetes API types and the deployment policies, with no cluster. Both
# are built from their own tools modules, so the services never depend on k8s.io modules.
OVERLAY ?= dev
K8S_OVERLAYS := dev prod
# What each overlay must hold beyond the policies every overlay follows.
K8S_LINT_dev  := -require-env development
K8S_LINT_prod := -require-env production -require-hpa api-gateway,user,video,favorite

$(BIN)/kustomize: pkg/tools/kustomize/go.mod
	@echo "building kustomize from the Go module proxy"
	@cd pkg/tools/kustomize && GOWORK=off go build -o $(BIN)/kustomize sigs.k8s.io/kustomize/kustomize/v5

$(BIN)/k8slint: pkg/tools/k8slint/go.mod $(wildcard pkg/tools/k8slint/*.go)
	@cd pkg/tools/k8slint && GOWORK=off go build -o $(BIN)/k8slint .

.PHONY: k8s-render
k8s-render: $(BIN)/kustomize ## print the rendered Kubernetes manifests of OVERLAY (dev or prod)
	@$(BIN)/kustomize build deploy/kubernetes/overlays/$(OVERLAY)

.PHONY: k8s-lint
k8s-lint: $(BIN)/kustomize $(BIN)/k8slint ## render every Kubernetes overlay and check it strictly against the API types and the policies
	@cd pkg/tools/k8slint && GOWORK=off go test -count=1 ./...
	@set -o pipefail; $(foreach o,$(K8S_OVERLAYS),$(BIN)/kustomize build deploy/kubernetes/overlays/$(o) | $(BIN)/k8slint -name $(o) $(K8S_LINT_$(o)) &&) true

.PHONY: up
up: compose-cli .env ## build the images and start the whole system with docker-compose (gateway :8080, Jaeger UI :16686)
	@# A secret missing from .env (required since it was written), or left empty (a copy of
	@# .env.example), gets a random value.
	@umask 077; for v in $(COMPOSE_SECRETS); do grep -q "^$$v=." .env || { \
		s="$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"; \
		if grep -q "^$$v=$$" .env; then awk -v v="$$v" -v s="$$s" '$$0 == v "=" { $$0 = v "=" s } 1' .env > .env.tmp && mv .env.tmp .env; \
		else printf '%s=%s\n' "$$v" "$$s" >> .env; fi; \
		echo "added a random $$v to .env (docker-compose.yml requires it; .env lacked it or left it empty)"; }; done
	$(COMPOSE) up --build --detach
	@echo "started; '$(COMPOSE) ps' shows each container's health, '$(COMPOSE) logs -f api-gateway' its log"

.PHONY: down
# Random secrets for docker-compose, written once and kept (the MySQL volume remembers the
# passwords it was created with). Readable by its owner only.
.env:
	@umask 077; for v in $(COMPOSE_SECRETS); do \
		printf '%s=%s\n' "$$v" "$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"; done > $@
	@echo "wrote random secrets to .env (docker-compose reads it; keep it with the volumes)"

down: compose-cli ## stop and remove the docker-compose containers (data stays in its volumes; add -v by hand to wipe it)
	$(COMPOSE) down
