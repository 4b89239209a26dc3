//! What a warm container remembers between recordings, so that a recording
//! is, at best, the rate-limit write and one transaction: the partnership
//! and the programs it converts by, which customers were seen already, and
//! each HYBRID period's qualifying count.
//!
//! Nothing here is trusted: the recording's transaction checks every
//! remembered fact (the partnership's `revision`, the program's `version`,
//! a first-time mark's absence, the period's count), and a refusal makes
//! the recording forget it and read again. Only facts that never become
//! false are remembered as true ("this customer was seen"). Entries are
//! keyed by table, so tests sharing a process never mix.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use crate::loyalty::domain::PointsProgram;
use crate::partnerships::domain::Partnership;

/// Entries of each kind a container keeps; past this it starts afresh.
const MAX_ENTRIES: usize = 20_000;

#[derive(Default)]
struct Memory {
    partnerships: HashMap<(String, String), Partnership>,
    programs: HashMap<(String, String), PointsProgram>,
    seen: HashSet<(String, String, String, String)>,
    qualifying: HashMap<(String, String, String), u64>,
}

fn memory() -> std::sync::MutexGuard<'static, Memory> {
    static MEMORY: OnceLock<Mutex<Memory>> = OnceLock::new();
    // A panic while holding it cannot leave it half-written in a way that
    // matters: every entry is checked before use.
    MEMORY.get_or_init(Mutex::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn bounded<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>) {
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
}

pub fn partnership(table: &str, id: &str) -> Option<Partnership> {
    memory().partnerships.get(&(table.into(), id.into())).cloned()
}

pub fn remember_partnership(table: &str, p: &Partnership) {
    let mut m = memory();
    bounded(&mut m.partnerships);
    m.partnerships.insert((table.into(), p.partnership_id.clone()), p.clone());
}

pub fn forget_partnership(table: &str, id: &str) {
    memory().partnerships.remove(&(table.into(), id.into()));
}

pub fn program(table: &str, business_id: &str) -> Option<PointsProgram> {
    memory().programs.get(&(table.into(), business_id.into())).cloned()
}

pub fn remember_program(table: &str, p: &PointsProgram) {
    let mut m = memory();
    bounded(&mut m.programs);
    m.programs.insert((table.into(), p.business_id.clone()), p.clone());
}

pub fn forget_program(table: &str, business_id: &str) {
    memory().programs.remove(&(table.into(), business_id.into()));
}

/// Whether the customer is known to have a transaction in the partnership
/// (`scope` LIFE) or in that month.
pub fn seen(table: &str, partnership_id: &str, scope: &str, customer_id: &str) -> bool {
    memory().seen.contains(&(table.into(), partnership_id.into(), scope.into(), customer_id.into()))
}

pub fn remember_seen(table: &str, partnership_id: &str, scope: &str, customer_id: &str) {
    let mut m = memory();
    if m.seen.len() >= MAX_ENTRIES {
        m.seen.clear();
    }
    m.seen.insert((table.into(), partnership_id.into(), scope.into(), customer_id.into()));
}

/// The last known count of a period's qualifying transactions.
pub fn qualifying(table: &str, partnership_id: &str, period_start: &str) -> Option<u64> {
    memory().qualifying.get(&(table.into(), partnership_id.into(), period_start.into())).copied()
}

pub fn remember_qualifying(table: &str, partnership_id: &str, period_start: &str, count: u64) {
    let mut m = memory();
    bounded(&mut m.qualifying);
    m.qualifying.insert((table.into(), partnership_id.into(), period_start.into()), count);
}

pub fn forget_qualifying(table: &str, partnership_id: &str, period_start: &str) {
    memory().qualifying.remove(&(table.into(), partnership_id.into(), period_start.into()));
}
