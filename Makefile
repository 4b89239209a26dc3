# Thin wrappers over scripts/: see README.md.
.PHONY: dev test build bench deploy lint package invoke routes clock

dev:   ## local stack + API on http://127.0.0.1:9000 + web app on http://127.0.0.1:8080
	bash scripts/dev.sh

test:  ## every test, against its own local stack
	bash scripts/test.sh

build: ## deployable arm64 artifacts (needs zig, installed by cargo-lambda's pip package) and the web app's build in web/dist
	bash -c 'source scripts/lib.sh && ensure_tools && cargo lambda build --release --arm64 -p functions && (cd web && npx vite build)'

bench: ## release builds measured on their own local stack -> docs/benchmarks.md, target/bench/results.json
	bash scripts/bench.sh

package: ## sam build of every function (rust-cargolambda, arm64): .aws-sam/build holds the built template and artifacts
	bash -c 'source scripts/lib.sh && ensure_tools && sam build --beta-features --template-file infra/template.yaml --build-dir .aws-sam/build --parallel'

routes: ## after editing the route table (functions/src/handlers/mod.rs) or the template's routes: writes functions/src/bin/ and the Cargo.toml router
	cargo run -q -p integration-tests --bin routes

clock: ## show or move the local stack's clock: make clock AT=2027-01-01T01:00:00Z (or AT="+32 days", AT=now to reset)
	AT="$(AT)" bash scripts/clock.sh

invoke: ## one function on a sample event, through cargo lambda against the local stack: make invoke FN=health [EVENT=events/health.json]
	FN="$(FN)" EVENT="$(EVENT)" bash scripts/invoke.sh

lint:  ## rustfmt and clippy (-D warnings) on every target, cfn-lint and sam validate --lint on the template, openapi-spec-validator on docs/api/openapi.yaml, the web app's API types regenerated and compared, docs/api/asyncapi.yaml against AsyncAPI 3.0.0's schema
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -q -- -D warnings
	bash -c 'source scripts/lib.sh && ensure_tools && lint_template && openapi-spec-validator docs/api/openapi.yaml && lint_web && lint_asyncapi'

deploy: ## sam build + sam deploy with samconfig.toml, then the web app to its bucket (scripts/deploy_web.py; needs AWS credentials; the SAM CLI comes with the tools)
	bash -c 'source scripts/lib.sh && ensure_tools && sam build --beta-features --template-file infra/template.yaml && sam deploy && (cd web && npx vite build) && python scripts/deploy_web.py "$$(sed -nE "s/^stack_name = \"(.*)\"/\\1/p" samconfig.toml | head -n1)"'
