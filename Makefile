# One target per task. `make run` and `make test` are all a newcomer needs (see README.md).
SHELL := /bin/bash
PY := .venv/bin/python
INSTALLED := .venv/.installed
export RASA_TELEMETRY_ENABLED := false

.PHONY: run run-prod test install train validate bench-dedup bench-nlu bench-routing bench-faq bench-handoff bench-load wechat-sim screenshots clean

$(INSTALLED): requirements.txt requirements-dev.txt constraints.txt package.json package-lock.json scripts/bootstrap.sh
	@scripts/bootstrap.sh

install: $(INSTALLED)

## run: the whole assistant on localhost (embedded defaults: SQLite, in-memory stores); Ctrl-C stops it
run: install
	@$(PY) -m bot faq sample
	@$(PY) -m bot run

## test: every test (validation, training if needed, conversation stories, pytest incl. browser)
## run-prod: replicas of every server behind nginx, sharing Redis and PostgreSQL (REDIS_URL, DATABASE_URL; docs/DEPLOYMENT.md)
run-prod: install
	@$(PY) -m bot faq sample
	@$(PY) -m bot run-prod

test: install
	@scripts/test.sh

train: install
	@$(PY) -m bot train

validate: install
	@.venv/bin/rasa data validate

## bench-faq: FAQ matcher vs BM25 / char TF-IDF / embeddings on our paraphrase and unanswerable sets; latency at 10,000 entries
bench-faq: install
	@$(PY) -m scripts.bench_faq

## bench-handoff: staff reply -> citizen, citizen -> console and ticket reply -> citizen notice latency through the running assistant
bench-handoff: install
	@$(PY) -m scripts.bench_handoff

## wechat-sim: play WeChat's server against the running assistant (see scripts/wechat_simulator.py)
wechat-sim: install
	@$(PY) -m scripts.wechat_simulator

## bench-load: this assistant (one process each, and 2 replicas behind nginx) against a stock `rasa init` bot, A B A B, at 1, 10 and 50 concurrent conversations
bench-load: install
	@$(PY) -m scripts.bench_load --production

# The held-out NLU sets, oldest first (tests/heldout/third: the one no change was measured on before issue 15 closed)
HELDOUT_SETS := tests/heldout tests/heldout/next tests/heldout/third

## bench-dedup: precision and recall of same-source linking (同源诉求) on labelled pairs (tests/heldout/dedup/)
bench-dedup: install
	@$(PY) -m scripts.bench_dedup

## bench-nlu: the trained model on the held-out appeals and chat lines (tests/heldout/), as deployed
bench-nlu: install
	@for set in $(HELDOUT_SETS); do $(PY) -m scripts.bench_nlu --heldout $$set || exit 1; done

## bench-routing: department routing of the held-out appeals: right / 待分派 / wrong
bench-routing: install
	@for set in $(HELDOUT_SETS); do $(PY) -m scripts.bench_routing --heldout $$set || exit 1; done

## screenshots: the main pages at desktop and phone sizes into docs/screenshots/ (starts its own assistant)
screenshots: install
	@$(PY) -m scripts.screenshots

clean:
	rm -rf models var results .pytest_cache
