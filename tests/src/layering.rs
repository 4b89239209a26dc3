//! The layering check that `make test` runs (`tests/tests/it/layering.rs`):
//! reads the sources of `shared/src` and `functions/src` as text and reports
//! every import that goes against the architecture's layering, and every
//! table key attribute name spelled outside the modules that own them.
//!
//! The rules, in `shared`:
//! - `platform` imports no context and not `http`;
//! - a context never imports `http` or sees a Lambda type, and contexts
//!   import each other without a circle;
//! - a context's `domain.rs` does no I/O (no AWS SDK, HTTP client, runtime,
//!   `App` or DynamoDB helpers);
//!
//! in `functions`: a handler never reaches a store, the table or the
//! DynamoDB client; and in both: the literals `"PK"`, `"SK"`, `"GSI1PK"`, ...
//! appear only in `platform/table.rs` and `platform/entity.rs`.
//!
//! It tokenizes (skipping comments, reading string literals apart) and
//! expands `use` trees, so `use crate::{http, seats::store}` and inline paths
//! like `crate::http::auth::x()` are both seen; text in comments and strings
//! is not.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    /// Path relative to the checked root (`shared/src/...`, `functions/src/...`).
    pub file: String,
    pub line: usize,
    pub rule: Rule,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// `platform` imports a context or `http`.
    PlatformImportsUp,
    /// A context imports `http`.
    ContextImportsHttp,
    /// A context (or `platform`) names a Lambda runtime type.
    LambdaTypeBelowHttp,
    /// A domain module does I/O.
    DomainDoesIo,
    /// Contexts import each other in a circle.
    ContextCycle,
    /// A handler reaches a store, the table or the DynamoDB client.
    HandlerBypassesService,
    /// A key attribute name spelled outside the table and entity modules.
    KeyLiteral,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {:?}: {}", self.file, self.line, self.rule, self.detail)
    }
}

const KEY_NAMES: &[&str] = &["PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"];
const KEY_OWNERS: &[&str] = &["shared/src/platform/table.rs", "shared/src/platform/entity.rs"];
const LAMBDA_CRATES: &[&str] = &["lambda_http", "lambda_runtime", "aws_lambda_events"];
const IO_CRATES: &[&str] =
    &["aws_sdk_dynamodb", "aws_sdk_sqs", "aws_sdk_eventbridge", "aws_config", "reqwest", "tokio"];

/// Checks a repository laid out like ours: `<root>/shared/src` and
/// `<root>/functions/src`. Violations come sorted.
pub fn check(root: &Path) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut edges: BTreeMap<String, BTreeMap<String, (String, usize)>> = BTreeMap::new();
    for file in rust_files(&root.join("shared/src")) {
        let rel = relative(root, &file);
        let source = Source::read(&file);
        check_literals(&rel, &source, &mut out);
        let module = rel.trim_start_matches("shared/src/");
        let Some(layer) = Layer::of(module) else { continue };
        for ident in &source.idents {
            if LAMBDA_CRATES.contains(&ident.text.as_str()) && !matches!(layer, Layer::Http) {
                out.push(v(&rel, ident.line, Rule::LambdaTypeBelowHttp, format!("names `{}`", ident.text)));
            }
            if module.ends_with("domain.rs") && IO_CRATES.contains(&ident.text.as_str()) {
                out.push(v(&rel, ident.line, Rule::DomainDoesIo, format!("names `{}`", ident.text)));
            }
        }
        for path in source.paths("crate") {
            let target = path.segments.get(1).map(String::as_str).unwrap_or("");
            let target_layer = match target {
                "platform" | "App" | "AppError" => Layer::Platform,
                "http" => Layer::Http,
                other => Layer::Context(other.to_string()),
            };
            let shown = path.segments.join("::");
            match (&layer, &target_layer) {
                (Layer::Platform, Layer::Platform) => {}
                (Layer::Platform, _) => out.push(v(&rel, path.line, Rule::PlatformImportsUp, shown.clone())),
                (Layer::Context(_), Layer::Http) => {
                    out.push(v(&rel, path.line, Rule::ContextImportsHttp, shown.clone()))
                }
                (Layer::Context(from), Layer::Context(to)) if from != to => {
                    edges.entry(from.clone()).or_default().entry(to.clone()).or_insert((rel.clone(), path.line));
                }
                _ => {}
            }
            let io_path = matches!(path.segments.get(1).map(String::as_str), Some("App"))
                || (target == "platform"
                    && matches!(path.segments.get(2).map(String::as_str), Some("dynamo" | "entity" | "app")));
            if module.ends_with("domain.rs") && io_path {
                out.push(v(&rel, path.line, Rule::DomainDoesIo, shown));
            }
        }
    }
    out.extend(cycles(&edges));
    for file in rust_files(&root.join("functions/src")) {
        let rel = relative(root, &file);
        let source = Source::read(&file);
        check_literals(&rel, &source, &mut out);
        for ident in source.idents.iter().filter(|i| i.text == "aws_sdk_dynamodb") {
            out.push(v(&rel, ident.line, Rule::HandlerBypassesService, "names `aws_sdk_dynamodb`".into()));
        }
        for path in source.paths("shared") {
            let seg = |i: usize| path.segments.get(i).map(String::as_str).unwrap_or("");
            let bypass = seg(2) == "store" || (seg(1) == "platform" && matches!(seg(2), "dynamo" | "table" | "entity"));
            if bypass {
                out.push(v(&rel, path.line, Rule::HandlerBypassesService, path.segments.join("::")));
            }
        }
    }
    out.sort();
    out
}

fn v(file: &str, line: usize, rule: Rule, detail: String) -> Violation {
    Violation { file: file.to_string(), line, rule, detail }
}

fn check_literals(rel: &str, source: &Source, out: &mut Vec<Violation>) {
    if KEY_OWNERS.contains(&rel) {
        return;
    }
    for lit in source.strings.iter().filter(|s| KEY_NAMES.contains(&s.text.as_str())) {
        out.push(v(
            rel,
            lit.line,
            Rule::KeyLiteral,
            format!("\"{}\": use platform::table / platform::entity", lit.text),
        ));
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Layer {
    Platform,
    Http,
    Context(String),
}

impl Layer {
    /// The layer of a module path under `shared/src` (`None`: the crate root).
    fn of(module: &str) -> Option<Layer> {
        let first = module.split('/').next()?;
        let name = first.trim_end_matches(".rs");
        Some(match name {
            "lib" => return None,
            "platform" => Layer::Platform,
            "http" => Layer::Http,
            other => Layer::Context(other.to_string()),
        })
    }
}

/// Every circle in the context graph, each reported once from its
/// smallest member, as `a -> b -> a` at the import that closes it.
fn cycles(edges: &BTreeMap<String, BTreeMap<String, (String, usize)>>) -> Vec<Violation> {
    let mut found = BTreeSet::new();
    let mut out = Vec::new();
    for start in edges.keys() {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        while let Some((node, path)) = stack.pop() {
            for next in edges.get(&node).map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
                if &next == start {
                    let mut circle = path.clone();
                    // One report per circle, whatever member it was found from.
                    let min = circle.iter().min().cloned().unwrap_or_default();
                    let pos = circle.iter().position(|c| *c == min).unwrap_or(0);
                    circle.rotate_left(pos);
                    if found.insert(circle.clone()) {
                        let (file, line) = edges[&node][&next].clone();
                        let mut shown = circle.clone();
                        shown.push(circle[0].clone());
                        out.push(v(&file, line, Rule::ContextCycle, shown.join(" -> ")));
                    }
                } else if !path.contains(&next) && next > *start {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next, longer));
                }
            }
        }
    }
    out
}

fn relative(root: &Path, file: &Path) -> String {
    file.strip_prefix(root).unwrap_or(file).to_string_lossy().replace('\\', "/")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    text: String,
    line: usize,
}

/// A path starting at `crate` or `shared`, with `use` groups expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRef {
    pub segments: Vec<String>,
    pub line: usize,
}

/// A source file as tokens: identifiers and punctuation outside comments
/// and strings, and the string literals apart.
struct Source {
    tokens: Vec<Token>,
    idents: Vec<Token>,
    strings: Vec<Token>,
}

impl Source {
    fn read(path: &Path) -> Self {
        Self::parse(&std::fs::read_to_string(path).unwrap_or_default())
    }

    fn parse(text: &str) -> Self {
        let chars: Vec<char> = text.chars().collect();
        let (mut tokens, mut strings) = (Vec::new(), Vec::new());
        let (mut i, mut line) = (0, 1);
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            if c == '\n' {
                line += 1;
                i += 1;
            } else if c == '/' && next == Some('/') {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            } else if c == '/' && next == Some('*') {
                let mut depth = 0;
                while i < chars.len() {
                    if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        line += usize::from(chars[i] == '\n');
                        i += 1;
                    }
                }
            } else if let Some((hashes, body_start)) = raw_string_start(&chars, i) {
                let start_line = line;
                let mut j = body_start;
                let closing: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
                while j < chars.len() && chars[j..].iter().take(closing.len()).ne(closing.iter()) {
                    line += usize::from(chars[j] == '\n');
                    j += 1;
                }
                strings.push(Token { text: chars[body_start..j.min(chars.len())].iter().collect(), line: start_line });
                i = (j + closing.len()).min(chars.len());
            } else if c == '"' || (c == 'b' && next == Some('"')) {
                let start_line = line;
                let mut j = if c == 'b' { i + 2 } else { i + 1 };
                let mut body = String::new();
                while j < chars.len() && chars[j] != '"' {
                    if chars[j] == '\\' {
                        body.push(chars[j]);
                        j += 1;
                    }
                    if let Some(&ch) = chars.get(j) {
                        line += usize::from(ch == '\n');
                        body.push(ch);
                    }
                    j += 1;
                }
                strings.push(Token { text: body, line: start_line });
                i = j + 1;
            } else if c == '\'' {
                // A char literal ('x', '\n') or a lifetime ('a): skip either.
                if chars.get(i + 2) == Some(&'\'') {
                    i += 3;
                } else if next == Some('\\') {
                    i += 2;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else {
                    i += 1;
                }
            } else if c.is_alphanumeric() || c == '_' {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                tokens.push(Token { text: chars[start..i].iter().collect(), line });
            } else if c == ':' && next == Some(':') {
                tokens.push(Token { text: "::".into(), line });
                i += 2;
            } else if c.is_whitespace() {
                i += 1;
            } else {
                tokens.push(Token { text: c.to_string(), line });
                i += 1;
            }
        }
        let idents = tokens
            .iter()
            .filter(|t| t.text.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_'))
            .cloned()
            .collect();
        Source { tokens, idents, strings }
    }

    /// Every path that starts at `root` (not after `::`), expanded.
    fn paths(&self, root: &str) -> Vec<PathRef> {
        let mut out = Vec::new();
        for (i, t) in self.tokens.iter().enumerate() {
            let after_colons = i > 0 && self.tokens[i - 1].text == "::";
            if t.text == root && !after_colons {
                let mut pos = i + 1;
                expand(&self.tokens, &mut pos, vec![root.to_string()], t.line, &mut out);
            }
        }
        out
    }
}

/// `r"..."`, `r#"..."#`, `br#"..."#`: the number of hashes and where the body starts.
fn raw_string_start(chars: &[char], i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    // `r` must begin a token, not end an identifier like `for`.
    if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while chars.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (chars.get(j) == Some(&'"')).then_some((hashes, j + 1))
}

/// Reads `::seg::seg::{a, b::c}` after a path prefix, pushing every full path.
fn expand(tokens: &[Token], pos: &mut usize, prefix: Vec<String>, line: usize, out: &mut Vec<PathRef>) {
    let mut path = prefix;
    while tokens.get(*pos).is_some_and(|t| t.text == "::") {
        *pos += 1;
        match tokens.get(*pos).map(|t| t.text.as_str()) {
            Some("{") => {
                *pos += 1;
                loop {
                    match tokens.get(*pos).map(|t| t.text.as_str()) {
                        None => return,
                        Some("}") => {
                            *pos += 1;
                            return;
                        }
                        Some(",") => *pos += 1,
                        Some("self") => {
                            out.push(PathRef { segments: path.clone(), line });
                            *pos += 1;
                        }
                        Some(first) => {
                            let mut inner = path.clone();
                            inner.push(first.to_string());
                            let item_line = tokens[*pos].line;
                            *pos += 1;
                            expand(tokens, pos, inner, item_line, out);
                            // Skip an `as alias`.
                            if tokens.get(*pos).is_some_and(|t| t.text == "as") {
                                *pos += 2;
                            }
                        }
                    }
                }
            }
            Some(seg) if seg != "*" => {
                path.push(seg.to_string());
                *pos += 1;
            }
            _ => {
                *pos += 1;
                break;
            }
        }
    }
    out.push(PathRef { segments: path, line });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(src: &str) -> Vec<String> {
        Source::parse(src).paths("crate").into_iter().map(|p| p.segments.join("::")).collect()
    }

    #[test]
    fn use_trees_and_inline_paths_are_expanded() {
        assert_eq!(
            paths("use crate::{http::auth, seats::{store as s, domain::*}};\nfn f() { crate::cycle::store::get(); }"),
            ["crate::http::auth", "crate::seats::store", "crate::seats::domain", "crate::cycle::store::get"]
        );
        assert_eq!(paths("use crate::seats::store::{self, X};"), ["crate::seats::store", "crate::seats::store::X"]);
    }

    #[test]
    fn comments_and_strings_are_not_code() {
        let s = Source::parse("// crate::http\n/* crate::http */ let x = \"crate::http\"; let y = r#\"PK\"#; let c = '\"';\nuse crate::seats;");
        assert_eq!(s.strings.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(), ["crate::http", "PK"]);
        assert_eq!(s.paths("crate"), vec![PathRef { segments: vec!["crate".into(), "seats".into()], line: 3 }]);
        assert_eq!(s.strings.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(), ["crate::http", "PK"]);
    }
}
