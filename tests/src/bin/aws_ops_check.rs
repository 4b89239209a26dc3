//! `aws-ops-check DIR`: fails if a function performed an AWS operation
//! (recorded under DIR while `make test` ran the suite and the smoke) that
//! its policy in `infra/template.yaml` does not allow. Run by `make test`.

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: aws-ops-check DIR");
        std::process::exit(2);
    };
    let performed = integration_tests::iam::read_log(std::path::Path::new(&dir));
    let template = integration_tests::template();
    let functions: std::collections::BTreeSet<&str> = performed.iter().map(|(f, _, _)| f.as_str()).collect();
    let known = integration_tests::iam::grants(&template);
    let checked = functions.iter().filter(|f| known.contains_key(**f)).count();
    if checked == 0 {
        eprintln!("aws-ops-check: no operation of any function was recorded in {dir}: was AWS_OPERATIONS_LOG set?");
        std::process::exit(1);
    }
    let violations = integration_tests::iam::violations(&template, &performed);
    for hint in integration_tests::iam::unused(&template, &performed) {
        println!("hint: {hint} by this run");
    }
    if !violations.is_empty() {
        eprintln!(
            "aws-ops-check: operations their function's policy does not allow (add them in infra/template.yaml):"
        );
        for v in &violations {
            eprintln!("  {v}");
        }
        std::process::exit(1);
    }
    println!(
        "aws-ops-check: {} operations of {checked} functions, each allowed by its policy",
        performed.iter().filter(|(f, _, _)| known.contains_key(f)).count()
    );
}
