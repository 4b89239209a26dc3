//! What a warm container remembers between recordings, so that a recording
//! is, at best, the rate-limit write and one transaction: the partnership
//! and the programs it converts by, which customers were seen already, and
//! each HYBRID period's qualifying count.
//!
//! Nothing here is trusted: the recording's transaction checks every
//! remembered fact (the partnership's `revision`, the program's `version`,
//! a first-time mark's absence, the period's count), and a refusal makes
//! the recording forget it and read again. Only facts that never become
//! false are remembered as true ("this customer was seen").
//!
//! One `Warm` per app (`App::memory`), built with it in the function's
//! `main`: two apps (two tests in one process) never share one.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use crate::loyalty::domain::PointsProgram;
use crate::partnerships::domain::Partnership;

/// Entries of each kind a container keeps; past this it starts afresh.
const MAX_ENTRIES: usize = 20_000;

#[derive(Default)]
struct Memory {
    partnerships: HashMap<String, Partnership>,
    programs: HashMap<String, PointsProgram>,
    /// (partnership, scope, customer)
    seen: HashSet<(String, String, String)>,
    /// (partnership, period start) -> qualifying count
    qualifying: HashMap<(String, String), u64>,
}

#[derive(Default)]
pub struct Warm {
    memory: Mutex<Memory>,
}

fn bounded<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>) {
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
}

impl Warm {
    fn memory(&self) -> MutexGuard<'_, Memory> {
        // A panic while holding it cannot leave it half-written in a way
        // that matters: every entry is checked before use.
        self.memory.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn partnership(&self, id: &str) -> Option<Partnership> {
        self.memory().partnerships.get(id).cloned()
    }

    pub fn remember_partnership(&self, p: &Partnership) {
        let mut m = self.memory();
        bounded(&mut m.partnerships);
        m.partnerships.insert(p.partnership_id.clone(), p.clone());
    }

    pub fn forget_partnership(&self, id: &str) {
        self.memory().partnerships.remove(id);
    }

    pub fn program(&self, business_id: &str) -> Option<PointsProgram> {
        self.memory().programs.get(business_id).cloned()
    }

    pub fn remember_program(&self, p: &PointsProgram) {
        let mut m = self.memory();
        bounded(&mut m.programs);
        m.programs.insert(p.business_id.clone(), p.clone());
    }

    pub fn forget_program(&self, business_id: &str) {
        self.memory().programs.remove(business_id);
    }

    /// Whether the customer is known to have a transaction in the
    /// partnership (`scope` LIFE) or in that month.
    pub fn seen(&self, partnership_id: &str, scope: &str, customer_id: &str) -> bool {
        self.memory().seen.contains(&(partnership_id.into(), scope.into(), customer_id.into()))
    }

    pub fn remember_seen(&self, partnership_id: &str, scope: &str, customer_id: &str) {
        let mut m = self.memory();
        if m.seen.len() >= MAX_ENTRIES {
            m.seen.clear();
        }
        m.seen.insert((partnership_id.into(), scope.into(), customer_id.into()));
    }

    /// The last known count of a period's qualifying transactions.
    pub fn qualifying(&self, partnership_id: &str, period_start: &str) -> Option<u64> {
        self.memory().qualifying.get(&(partnership_id.into(), period_start.into())).copied()
    }

    pub fn remember_qualifying(&self, partnership_id: &str, period_start: &str, count: u64) {
        let mut m = self.memory();
        bounded(&mut m.qualifying);
        m.qualifying.insert((partnership_id.into(), period_start.into()), count);
    }

    pub fn forget_qualifying(&self, partnership_id: &str, period_start: &str) {
        self.memory().qualifying.remove(&(partnership_id.into(), period_start.into()));
    }
}
