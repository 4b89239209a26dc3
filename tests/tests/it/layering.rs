//! The layering check (see `integration_tests::layering`): the real tree
//! passes, and a fixture that breaks every rule fails on each.

use integration_tests::layering::{check, Rule};
use integration_tests::repo_root;

#[test]
fn the_tree_keeps_its_layers() {
    let violations = check(&repo_root());
    assert!(
        violations.is_empty(),
        "layering violations:\n{}",
        violations.iter().map(|v| format!("  {v}\n")).collect::<String>()
    );
}

#[test]
fn the_check_catches_a_broken_fixture() {
    let root = repo_root().join("tests/fixtures/layering");
    let found: Vec<(String, usize, Rule)> = check(&root).into_iter().map(|v| (v.file, v.line, v.rule)).collect();
    let expected = [
        ("functions/src/handlers/seats_list.rs", 2, Rule::HandlerBypassesService),
        ("functions/src/handlers/seats_list.rs", 3, Rule::HandlerBypassesService),
        ("shared/src/cycle/service.rs", 2, Rule::ContextImportsHttp),
        ("shared/src/cycle/service.rs", 3, Rule::LambdaTypeBelowHttp),
        ("shared/src/platform/audit.rs", 5, Rule::PlatformImportsUp),
        ("shared/src/seats/domain.rs", 2, Rule::DomainDoesIo),
        ("shared/src/seats/store.rs", 3, Rule::KeyLiteral),
        ("shared/src/seats/store.rs", 4, Rule::ContextCycle),
    ];
    let expected: Vec<(String, usize, Rule)> = expected.iter().map(|(f, l, r)| (f.to_string(), *l, *r)).collect();
    assert_eq!(found, expected);
}
