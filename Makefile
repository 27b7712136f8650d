# Everything runs through the go command; nothing needs installing by hand.
GO      ?= go
BIN     := bin/policywatch
# The demo writes into the default database, so that 'bin/policywatch
# query' works right after 'make run'. Re-running it stores nothing twice.
DEMO_DB ?= policywatch.db

.PHONY: all build run demo live test check-tree vet fuzz bench eval train clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/policywatch

# The main job, offline: the real pipeline on the shipped corpus.
run: demo

demo: build
	./$(BIN) demo --db $(DEMO_DB)

# The nightly batch against the real feeds in feeds.yaml (needs the internet).
live: build
	./$(BIN) run --config feeds.yaml

# No compiled binaries and no file over 5 MB outside testdata is tracked.
check-tree:
	./.ci/check-tree

vet:
	@unformatted=$$("$$($(GO) env GOROOT)/bin/gofmt" -l .); \
	if [ -n "$$unformatted" ]; then echo "not gofmt'ed:"; echo "$$unformatted"; exit 1; fi
	@# -race: vet then compiles the packages as make test's race run
	@# will, which reuses them instead of compiling everything twice.
	$(GO) vet -race ./...

# The web page's browser test needs Debian's chromium, and the PostgreSQL
# tests Debian's postgresql; the scripts install them where they can
# (apt-get, root) and otherwise those tests skip.
test: check-tree vet
	./.ci/install-chromium
	./.ci/install-postgres
	$(GO) test -race -count=1 ./...
	@# extract's checks of one goroutine over the whole labelled corpus,
	@# and ingest's over the page-text benchmark, skip under -race, which
	@# makes them minutes long and has nothing to find in them; here they
	@# run without it.
	$(GO) test -count=1 ./extract/...
	$(GO) test -count=1 -run TestPageTextQuality ./ingest/
	@# The smoke fuzzes the code that reads what strangers send over the
	@# network; make fuzz adds the date matcher, whose instrumented build
	@# (prose and gonum) costs more than a smoke should.
	$(MAKE) --no-print-directory fuzz FUZZTIME=4s FUZZ_TARGETS="$(FUZZ_SMOKE)"

# Fuzz the code that reads what strangers send, each target for FUZZTIME.
# Go fuzzes one target per package per run, hence the loop. A failure
# leaves its input in the package's testdata/fuzz: commit it as a seed.
FUZZTIME ?= 2m
FUZZ_TARGETS := ingest:FuzzParseFeed ingest:FuzzHTMLText ingest:FuzzReadPage extract:FuzzFindDates backfill:FuzzRecords
FUZZ_SMOKE   := ingest:FuzzParseFeed ingest:FuzzHTMLText ingest:FuzzReadPage

#
# Go's fuzzer can itself fail with "context deadline exceeded" when its
# time runs out while it is shrinking an input (no input is written, so
# nothing of ours failed); such a run is tried once more. A real failure
# writes its input to testdata/fuzz and fails at once.
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} in ./$${t%%:*} for $(FUZZTIME)"; \
		for try in 1 2; do \
			out=$$($(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) ./$${t%%:*} 2>&1) && { echo "$$out" | tail -n 3; break; }; \
			echo "$$out"; \
			if [ $$try = 1 ] && echo "$$out" | grep -q 'context deadline exceeded' && ! echo "$$out" | grep -q 'Failing input written'; then \
				echo "the fuzzer timed out inside itself, with no failing input; once more"; continue; \
			fi; \
			exit 1; \
		done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

eval: build
	./$(BIN) eval testdata/eval/dev

# Refit the learned decisions (extract/data/models.yaml) on the labelled
# train set, calibrated on dev; deterministic, a few seconds.
train:
	$(GO) run ./internal/tools/train

# Build outputs only: a database holds data, and is never removed here.
clean:
	rm -rf bin
