//! The shape of the server, checked on its source so that it stays:
//!
//! - no module imports a module that imports it back, directly or through others (the graph is
//!   built from `use crate::…`, `use super::…` and inline `crate::…`/`super::…` paths, at module
//!   granularity; the crate root only composes the areas and is left out);
//! - `http` imports no area (`public`, `staff`, `admin`, `api`, `tiles`, `ops`, `ogc`);
//! - no source file of canvass-server or canvass-cli holds SQL statement text: all SQL lives in
//!   canvass-db beside the Rust that runs it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const AREAS: &[&str] = &[
    "public", "staff", "admin", "api", "tiles", "ops", "ogc", "map",
];

type Module = Vec<String>;

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// `lib.rs` → [], `a.rs` and `a/mod.rs` → [a], `a/b.rs` → [a, b].
fn module_of(src: &Path, file: &Path) -> Module {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Module = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The code of a file without its tests (whose `super::` means the file itself) and comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Path,
    Open,
    Close,
    Comma,
    Other,
}

fn tokens(code: &str) -> Vec<Token> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Token::Ident(chars[start..i].iter().collect()));
            continue;
        }
        if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push(Token::Path);
            i += 2;
            continue;
        }
        if c == '"' {
            // Skip string literals: their text is not code.
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(Token::Other);
            continue;
        }
        out.push(match c {
            '{' => Token::Open,
            '}' => Token::Close,
            ',' => Token::Comma,
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            _ => Token::Other,
        });
        i += 1;
    }
    out
}

/// Every path (`crate::…`, `super::…`, `self::…`, and `child::…` as `self::child::…`), with
/// `use` groups expanded.
fn paths(tokens: &[Token]) -> Vec<Vec<String>> {
    fn tree(
        tokens: &[Token],
        mut i: usize,
        prefix: &[String],
        out: &mut Vec<Vec<String>>,
    ) -> usize {
        let mut path = prefix.to_vec();
        loop {
            match tokens.get(i) {
                Some(Token::Ident(name)) => {
                    path.push(name.clone());
                    i += 1;
                    if tokens.get(i) == Some(&Token::Path) {
                        i += 1;
                        continue;
                    }
                    out.push(path);
                    return i;
                }
                Some(Token::Open) => {
                    i += 1;
                    while i < tokens.len() && tokens[i] != Token::Close {
                        if tokens[i] == Token::Comma {
                            i += 1;
                            continue;
                        }
                        i = tree(tokens, i, &path, out);
                        while i < tokens.len() && !matches!(tokens[i], Token::Comma | Token::Close)
                        {
                            i += 1; // `as alias`, `*`
                        }
                    }
                    return i + 1;
                }
                _ => {
                    out.push(path);
                    return i + 1;
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let starts = matches!(&tokens[i], Token::Ident(_))
            && tokens.get(i + 1) == Some(&Token::Path)
            && !(i > 0 && tokens[i - 1] == Token::Path);
        if starts {
            // `child::item` names a child module relative to the file's own module.
            let relative = !matches!(&tokens[i], Token::Ident(n) if n == "crate" || n == "super" || n == "self");
            let prefix = if relative {
                vec!["self".to_owned()]
            } else {
                Vec::new()
            };
            i = tree(tokens, i, &prefix, &mut out);
        } else {
            i += 1;
        }
    }
    out
}

/// The module a path names: the longest known module it starts with, resolved from `from`.
fn resolve(from: &Module, path: &[String], known: &BTreeSet<Module>) -> Option<Module> {
    let mut base: Module = Vec::new();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => rest = &path[1..],
        Some("self") => {
            base = from.clone();
            rest = &path[1..];
            if rest
                .first()
                .is_some_and(|s| s == "crate" || s == "super" || s == "self")
            {
                return resolve(from, rest, known);
            }
        }
        Some("super") => {
            // A file's module is `a::b` for `a/b.rs` and `a` for `a/mod.rs`: `super` is its parent.
            base = from.clone();
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    let mut found = None;
    let mut candidate = base;
    if !candidate.is_empty() && known.contains(&candidate) {
        found = Some(candidate.clone());
    }
    for segment in rest {
        candidate.push(segment.clone());
        if known.contains(&candidate) {
            found = Some(candidate.clone());
        }
    }
    found
}

/// Module → the modules it imports.
fn graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    let known: BTreeSet<Module> = files
        .iter()
        .map(|f| module_of(&src, f))
        .filter(|m| !m.is_empty())
        .collect();
    let mut edges = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        if module.is_empty() || module == ["architecture_tests"] {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let imports: BTreeSet<Module> = paths(&tokens(&code(&text)))
            .iter()
            .filter_map(|p| resolve(&module, p, &known))
            .filter(|m| *m != module)
            .collect();
        edges.insert(module, imports);
    }
    edges
}

fn name(module: &Module) -> String {
    module.join("::")
}

/// A cycle through `start`, if there is one.
fn cycle_from(graph: &BTreeMap<Module, BTreeSet<Module>>, start: &Module) -> Option<Vec<Module>> {
    let mut stack = vec![(start.clone(), vec![start.clone()])];
    let mut seen = BTreeSet::new();
    while let Some((module, trail)) = stack.pop() {
        for next in graph.get(&module).into_iter().flatten() {
            if next == start {
                let mut cycle = trail.clone();
                cycle.push(next.clone());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = trail.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

fn cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<String> {
    graph
        .keys()
        .filter_map(|m| cycle_from(graph, m))
        .map(|cycle| cycle.iter().map(name).collect::<Vec<_>>().join(" → "))
        .collect()
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let graph = graph();
    assert!(graph.contains_key(&vec!["http".to_owned()]), "{graph:?}");
    let found = cycles(&graph);
    assert!(found.is_empty(), "module cycles:\n{}", found.join("\n"));
}

#[test]
fn http_imports_no_area() {
    let graph = graph();
    let mut offending = Vec::new();
    for (module, imports) in &graph {
        if module.first().is_some_and(|m| m == "http") {
            for import in imports {
                if AREAS.contains(&import[0].as_str()) {
                    offending.push(format!("{} imports {}", name(module), name(import)));
                }
            }
        }
    }
    assert!(offending.is_empty(), "{}", offending.join("\n"));
}

#[test]
fn the_checker_finds_cycles_and_group_imports() {
    let known: BTreeSet<Module> = [
        vec!["a".to_owned()],
        vec!["a".into(), "b".into()],
        vec!["c".into()],
    ]
    .into_iter()
    .collect();
    let from = vec!["a".to_owned(), "b".to_owned()];
    let found: Vec<Module> = paths(&tokens(
        "use super::{x, b::y}; use crate::c::{self, Z as W};",
    ))
    .iter()
    .filter_map(|p| resolve(&from, p, &known))
    .collect();
    assert_eq!(
        found,
        [
            vec!["a".to_owned()],
            from.clone(),
            vec!["c".into()],
            vec!["c".into()]
        ]
    );
    let mut graph = BTreeMap::new();
    graph.insert(
        vec!["a".to_owned()],
        [vec!["c".to_owned()]].into_iter().collect(),
    );
    graph.insert(
        vec!["c".to_owned()],
        [vec!["a".to_owned()]].into_iter().collect(),
    );
    assert_eq!(cycles(&graph)[0], "a → c → a");
}

/// The string literals of `text` (plain and raw).
fn string_literals(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if chars[i] == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3; // a char literal such as '"'
            continue;
        }
        if chars[i] == '\'' && chars.get(i + 1) == Some(&'\\') {
            i += 4;
            continue;
        }
        if chars[i] == 'r' && matches!(chars.get(i + 1), Some('"' | '#')) {
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) == Some(&'"') {
                let close: String = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let rest: String = chars[j + 1..].iter().collect();
                let end = rest.find(&close).unwrap_or(rest.len());
                out.push(rest[..end].to_owned());
                i = j + 1 + rest[..end].chars().count() + close.chars().count();
                continue;
            }
        }
        if chars[i] == '"' {
            let mut literal = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if let Some(c) = chars.get(i) {
                    literal.push(*c);
                }
                i += 1;
            }
            out.push(literal);
        }
        i += 1;
    }
    out
}

/// Whether `text` reads as an SQL statement: `SELECT … FROM`, `INSERT INTO`, `UPDATE … SET`,
/// `DELETE FROM`, `COPY … FROM|TO` (keywords in capitals, as Canvass writes its SQL).
fn is_sql(text: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let after = |first: &str, then: &[&str], next_only: bool| {
        words.iter().enumerate().any(|(i, w)| {
            *w == first && {
                let rest = &words[i + 1..];
                if next_only {
                    rest.first().is_some_and(|n| then.contains(n))
                } else {
                    rest.iter().any(|n| then.contains(n))
                }
            }
        })
    };
    after("SELECT", &["FROM"], false)
        || after("INSERT", &["INTO"], true)
        || after("UPDATE", &["SET"], false)
        || after("DELETE", &["FROM"], true)
        || after("COPY", &["FROM", "TO"], false)
}

#[test]
fn no_sql_outside_canvass_db() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = Vec::new();
    for krate in ["canvass-server", "canvass-cli"] {
        for file in rust_files(&crates.join(krate).join("src")) {
            if file.ends_with("architecture_tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            for literal in string_literals(&text) {
                if is_sql(&literal) {
                    found.push(format!("{}: {literal:?}", file.display()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "SQL outside canvass-db:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_sql_check_knows_sql_from_prose() {
    let source = r####"const Q: &str = "SELECT id \"x\" FROM t"; let c = '"'; let r = r#"DELETE FROM x"#;"####;
    let literals = string_literals(source);
    assert_eq!(literals, ["SELECT id \"x\" FROM t", "DELETE FROM x"]);
    assert!(literals.iter().all(|l| is_sql(l)));
    assert!(is_sql("UPDATE users SET x = 1"));
    assert!(is_sql("COPY cameras FROM STDIN"));
    assert!(!is_sql("select a camera from the list"));
    assert!(!is_sql("INSERT the key, then DELETE it"));
}
