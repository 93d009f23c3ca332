//! The one-way flow of DESIGN.md ("scenario → cases → run → results.json → report; nothing
//! reaches back up"), checked on the source: every `crate::…` and `super::…` path in harness/
//! is resolved to the module it names, and a module may only name modules below it.
//!
//! The order is written once, in [`LAYERS`] (the top-level modules) and [`CRYPTO_LAYERS`] (the
//! files of `crypto/`), bottom first. A module that is not in its list fails the test too, so a
//! new module has to be given its place.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The top-level modules of harness/, bottom first: each may use only those before it.
/// `report` sits right above `results`: it reads results.json and nothing that measures.
const LAYERS: &[&str] = &[
    "textpos", "stats", "results", "report", "crypto", "measure", "broker", "probe", "security",
    "load", "center", "speed", "scenario", "run", "present", "cli",
];

/// The files of `crypto/`, bottom first: the error, traits and algorithm names, then what the
/// implementations are keyed and framed with, the implementations, the catalogue on top of
/// them, and the key ring, signatures and whole-message protection above the catalogue.
const CRYPTO_LAYERS: &[&str] = &[
    "base",
    "alg",
    "provider",
    "material",
    "mac",
    "pcbc",
    "envelope",
    "block",
    "ring_aead",
    "awslc_sym",
    "aead",
    "transport",
    "awslc_pk",
    "hybrid",
    "smqtt",
    "suite",
    "keys",
    "signature",
    "protect",
];

/// One path in one file that points at a module at or above its own layer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Violation {
    file: String,
    line: usize,
    from: String,
    to: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {} uses {}, which is not below it",
            self.file, self.line, self.from, self.to
        )
    }
}

/// The module path of a file under harness/: `harness/report/compare/render.rs` →
/// [report, compare, render]; `mod.rs` is its folder; `lib.rs` and `main.rs` the root.
fn module_of(rel: &str) -> Vec<String> {
    let rel = rel.strip_prefix("harness/").unwrap_or(rel);
    let mut parts: Vec<String> = rel.split('/').map(str::to_owned).collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if !matches!(stem, "mod" | "lib" | "main") {
            parts.push(stem.to_owned());
        }
    }
    parts
}

/// The source without comments: `//` to the end of the line (not the `//` of a `://` URL).
fn strip_comments(line: &str) -> &str {
    let b = line.as_bytes();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'/' && b[i + 1] == b'/' && (i == 0 || b[i - 1] != b':') {
            return &line[..i];
        }
        i += 1;
    }
    line
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The index of the `}` that closes the `{` just before `s` (or the end).
fn closing(s: &str) -> usize {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    s.len()
}

/// The paths a use tree (or an expression path) continues with after `prefix::`:
/// `a::b::C` is one, `{a::b, c, d::{e, f}}` four; `*` and `self` end a path.
fn tree(s: &str) -> Vec<Vec<String>> {
    let s = s.trim_start();
    if let Some(inner) = s.strip_prefix('{') {
        let inner = &inner[..closing(inner)];
        let mut out = Vec::new();
        let (mut depth, mut start) = (0usize, 0usize);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    out.extend(tree(&inner[start..i]));
                    start = i + 1;
                }
                _ => {}
            }
        }
        out.extend(tree(&inner[start..]));
        return out;
    }
    let ident: String = s.chars().take_while(|&c| is_ident(c)).collect();
    if ident.is_empty() || ident == "self" {
        return Vec::new();
    }
    let rest = &s[ident.len()..];
    match rest.strip_prefix("::") {
        Some(rest) => {
            let subs = tree(rest);
            if subs.is_empty() {
                vec![vec![ident]]
            } else {
                subs.into_iter()
                    .map(|mut p| {
                        p.insert(0, ident.clone());
                        p
                    })
                    .collect()
            }
        }
        None => vec![vec![ident]],
    }
}

/// Every module path (absolute, from the crate root) that `text`, the source of the module
/// `module`, names, with its line. Inline modules written at column 0 (`mod tests {` … `}`)
/// are one level deeper for `super::`.
fn paths_in(module: &[String], text: &str) -> Vec<(usize, Vec<String>)> {
    let code: Vec<&str> = text.lines().map(strip_comments).collect();
    let mut out = Vec::new();
    let mut inline: Option<String> = None;
    for (n, &line) in code.iter().enumerate() {
        if inline.is_none() && !line.starts_with(char::is_whitespace) {
            let t = line
                .strip_prefix("pub(crate) ")
                .or_else(|| line.strip_prefix("pub "))
                .unwrap_or(line);
            if let Some(name) = t.strip_prefix("mod ").and_then(|r| r.strip_suffix(" {")) {
                inline = Some(name.trim().to_owned());
                continue;
            }
        } else if inline.is_some() && line == "}" {
            inline = None;
            continue;
        }
        if !line.contains("crate::") && !line.contains("super::") {
            continue;
        }
        let mut base: Vec<String> = module.to_vec();
        if let Some(name) = &inline {
            base.push(name.clone());
        }
        // The rest of the file from this line, so a `use crate::{…}` over many lines is read.
        let rest = code[n..].join("\n");
        for (prefix, from_root) in [("crate::", true), ("super::", false)] {
            let mut search = 0;
            while let Some(pos) = rest[search..].find(prefix).map(|p| p + search) {
                if pos >= line.len() {
                    break;
                }
                search = pos + prefix.len();
                let before = rest[..pos].chars().next_back();
                if before.is_some_and(|c| is_ident(c) || c == ':' || c == '$') {
                    continue;
                }
                let mut parent: &[String] = &[];
                if !from_root {
                    let mut up = 1;
                    while rest[search..].starts_with("super::") {
                        up += 1;
                        search += "super::".len();
                    }
                    if up > base.len() {
                        continue;
                    }
                    parent = &base[..base.len() - up];
                }
                for p in tree(&rest[search..]) {
                    let mut abs = parent.to_vec();
                    abs.extend(p);
                    out.push((n + 1, abs));
                }
            }
        }
    }
    out
}

/// What `crypto/mod.rs` re-exports, by name: `CryptoError` → `base`, `Suite` → `suite`, so a
/// path through the re-export is checked against the file behind it.
fn reexports(files: &[(String, String)]) -> Vec<(String, String)> {
    let Some((_, text)) = files.iter().find(|(p, _)| p == "harness/crypto/mod.rs") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in text.lines().map(strip_comments) {
        if let Some(rest) = line.trim().strip_prefix("pub use ") {
            for p in tree(rest.trim_end_matches(';')) {
                if let [file, name, ..] = p.as_slice() {
                    out.push((name.clone(), file.clone()));
                }
            }
        }
    }
    out
}

/// The violations among `files` (path relative to the repository, source text).
fn violations(files: &[(String, String)]) -> Vec<Violation> {
    fn rank(list: &[&str], m: &str) -> Option<usize> {
        list.iter().position(|x| *x == m)
    }
    let via_mod = reexports(files);
    let crypto_file = |name: &str| -> Option<usize> {
        rank(CRYPTO_LAYERS, name).or_else(|| {
            let (_, file) = via_mod.iter().find(|(n, _)| n == name)?;
            rank(CRYPTO_LAYERS, file.as_str())
        })
    };
    let mut out = BTreeSet::new();
    for (rel, text) in files {
        let module = module_of(rel);
        let Some(top) = module.first() else {
            continue;
        };
        let Some(from) = rank(LAYERS, top) else {
            continue;
        };
        for (line, path) in paths_in(&module, text) {
            let Some(to_top) = path.first() else {
                continue;
            };
            if let Some(to) = rank(LAYERS, to_top)
                && to > from
            {
                out.insert(Violation {
                    file: rel.clone(),
                    line,
                    from: top.clone(),
                    to: to_top.clone(),
                });
            }
            // Inside crypto/: file against file (crypto/mod.rs only declares and re-exports).
            if top == "crypto"
                && to_top == "crypto"
                && let (Some(a), Some(b)) = (module.get(1), path.get(1))
                && let (Some(ra), Some(rb)) = (rank(CRYPTO_LAYERS, a), crypto_file(b.as_str()))
                && rb > ra
            {
                out.insert(Violation {
                    file: rel.clone(),
                    line,
                    from: format!("crypto::{a}"),
                    to: format!("crypto::{b}"),
                });
            }
        }
    }
    out.into_iter().collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn harness_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    rust_files(&root.join("harness"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            (rel, text)
        })
        .collect()
}

/// `mod name;` / `pub mod name;` declarations of a file.
fn declared_modules(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter_map(|l| {
            let l = l
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ");
            l.strip_prefix("mod ")?.strip_suffix(';').map(str::to_owned)
        })
        .collect()
}

#[test]
fn no_module_imports_one_above_it() {
    let files = harness_files();
    assert!(files.len() > 100, "read harness/ ({} files)", files.len());
    let found = violations(&files);
    let listed: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert!(
        found.is_empty(),
        "imports against the layer order (tests/it/layers.rs, bottom first: {LAYERS:?}):\n{}",
        listed.join("\n")
    );
}

#[test]
fn every_module_has_a_place_in_the_order() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("harness/lib.rs")).unwrap();
    let top: BTreeSet<String> = declared_modules(&lib).into_iter().collect();
    let layers: BTreeSet<String> = LAYERS.iter().map(|s| s.to_string()).collect();
    assert_eq!(top, layers, "harness/lib.rs modules vs LAYERS");
    let crypto = std::fs::read_to_string(root.join("harness/crypto/mod.rs")).unwrap();
    let files: BTreeSet<String> = declared_modules(&crypto).into_iter().collect();
    let crypto_layers: BTreeSet<String> = CRYPTO_LAYERS.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        files, crypto_layers,
        "crypto/mod.rs modules vs CRYPTO_LAYERS"
    );
}

fn file(path: &str, text: &str) -> (String, String) {
    (path.to_owned(), text.to_owned())
}

/// The rule itself, on made-up sources: each way of naming a module above is caught, and
/// what is allowed (down, sideways within a module, comments) is not.
#[test]
fn the_rule_catches_upward_paths_and_only_those() {
    let bad = [
        file(
            "harness/results/merge.rs",
            "use crate::run::create_run_dir;\n",
        ),
        file(
            "harness/report/table.rs",
            "fn f() { let s = crate::crypto::Suite::from_name(\"x\"); }\n",
        ),
        file(
            "harness/measure/env.rs",
            "use crate::{\n    stats::t,\n    scenario::Scenario,\n};\n",
        ),
        // From a top-level module's mod.rs, `super::` is the crate root.
        file("harness/stats/mod.rs", "use super::results::RunResults;\n"),
        file("harness/crypto/base.rs", "use super::suite::Suite;\n"),
        file(
            "harness/crypto/keys.rs",
            "#[cfg(test)]\nmod tests {\n    use super::super::protect::Protector;\n}\n",
        ),
    ];
    for f in &bad {
        let v = violations(std::slice::from_ref(f));
        assert_eq!(v.len(), 1, "{}: {v:?}", f.0);
    }
    let v = violations(&bad[2..3]);
    assert_eq!((v[0].line, v[0].to.as_str()), (1, "scenario"), "{v:?}");

    let good = [
        file(
            "harness/run/mod.rs",
            "use crate::results::RunResults;\nuse crate::{crypto::Suite, load::plan};\n",
        ),
        file(
            "harness/results/merge.rs",
            "// crate::run::create_run_dir\n",
        ),
        file(
            "harness/report/compare/render.rs",
            "use super::super::table::Row;\nuse super::ratio;\n",
        ),
        file(
            "harness/report/table.rs",
            "#[cfg(test)]\nmod tests {\n    use super::super::fixture;\n}\n",
        ),
        file(
            "harness/crypto/suite.rs",
            "use super::{aead, block, hybrid};\n",
        ),
        file(
            "harness/broker/endpoint.rs",
            "const URL: &str = \"mqtt://x\"; // crate::cli\n",
        ),
    ];
    for f in &good {
        let v = violations(std::slice::from_ref(f));
        assert!(v.is_empty(), "{}: {v:?}", f.0);
    }
}
