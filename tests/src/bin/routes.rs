//! `make routes`: writes each function's `functions/src/bin/<function>.rs`
//! from the route table (removing those of functions no longer in it) and
//! the `cargo lambda watch` router in `Cargo.toml` from the template.

use integration_tests::{repo_root, routes};

fn main() -> std::io::Result<()> {
    let dir = repo_root().join("functions/src/bin");
    let wanted = routes::bin_files();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if !wanted.contains_key(&name) {
            std::fs::remove_file(&path)?;
            println!("removed functions/src/bin/{name}");
        }
    }
    for (name, text) in &wanted {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text)?;
            println!("wrote functions/src/bin/{name}");
        }
    }
    let cargo = routes::cargo_toml_with_router();
    if std::fs::read_to_string(repo_root().join("Cargo.toml"))? != cargo {
        std::fs::write(repo_root().join("Cargo.toml"), cargo)?;
        println!("wrote the router in Cargo.toml");
    }
    Ok(())
}
