# FairKd: `make test` is the test command (CI runs it); `make demo` runs the study in miniature.
DOTNET   ?= dotnet
CONFIG   ?= Release
TORCH    ?= cpu
BUILDFLAGS = -c $(CONFIG) -p:TorchBackend=$(TORCH) --nologo
FAIRKD   = src/FairKd.Cli/bin/$(CONFIG)/net10.0/linux-x64/fairkd
RESULTS  = artifacts/test-results

.PHONY: build test demo bench format clean golden

build:
	$(DOTNET) build FairKd.sln $(BUILDFLAGS)

# Golden files (Python reference computations) are committed with a hash of generator + inputs + outputs: unchanged, they
# are used as they are (no Python needed); a changed generator or input is regenerated, or reported with what to install.
golden:
	bash tests/golden/generate.sh

# The closing summary (counts, skip reasons) is printed whether or not tests failed; the exit status is dotnet test's.
test: build golden
	rm -rf $(RESULTS)
	@rc=0; $(DOTNET) test FairKd.sln $(BUILDFLAGS) --no-build --logger trx --results-directory $(RESULTS) \
		-- RunConfiguration.TestSessionTimeout=840000 || rc=$$?; \
	bash build/test-summary.sh $(RESULTS) && exit $$rc

# The study in miniature (pipelines/demo.json): demo data, teacher, ethnicity classifier, cache, manifests, students with
# and without KD, evaluation, report. Killed half-way, it resumes where it stopped.
demo: build
	@start=$$(date +%s); $(FAIRKD) run pipelines/demo.json && \
	  echo "demo: report in runs/demo/report.md ($$(( $$(date +%s) - start )) s)"

bench: build
	$(DOTNET) run --project src/FairKd.Benchmarks -c $(CONFIG) --no-build -- all

format:
	$(DOTNET) format FairKd.sln

clean:
	$(DOTNET) clean FairKd.sln -c $(CONFIG)
	rm -rf artifacts runs
