//! `make bench`: artifact sizes, cold starts, warm latency, DynamoDB cost
//! per operation and the monthly batch job, measured on release builds
//! against the local stack. `scripts/bench.sh` builds and starts what this
//! needs; `src/bin/bench.rs` runs the parts and writes the report.

pub mod batch;
pub mod cold;
pub mod load;
pub mod peer;
pub mod procs;
pub mod report;
pub mod runtime_api;
pub mod scenarios;
pub mod stats;
