//! The door rules of `src/lib.rs` ("# Rules") and docs/ARCHITECTURE.md, checked on the
//! source itself: every `use crate::…`, `use super::…` and inline `crate::…` path of every
//! file under `src/` (test modules left out) is an edge from that file's module to the
//! module it names. The test fails when an edge crosses from one wing into another that
//! its door does not open to, or when modules import each other (any cycle).
//!
//! The checker is tested too: a wrong-way import planted into a copy of the real tree, and
//! two modules made to import each other, must each be reported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each wing may import from the others: a wing name, or a wing's item
/// (`collect::ErrorType`) where only that item may cross. The leaves import nothing of
/// ours. `lib.rs` (the public surface) and `main.rs` (the binary) are not wings.
const DOORS: &[(&str, &[&str])] = &[
    ("snapshot", &[]),
    ("os", &[]),
    ("tls", &[]),
    ("common", &[]),
    ("engine", &["tls", "common"]),
    ("collect", &["engine", "snapshot", "common"]),
    (
        "exposition",
        &[
            "snapshot",
            "collect::ErrorType",
            "collect::ScrapeErrors",
            "common",
        ],
    ),
    (
        "exporter",
        &[
            "collect",
            "exposition",
            "config",
            "engine",
            "snapshot",
            "common",
        ],
    ),
    (
        "web",
        &[
            "exporter",
            "exposition::Format",
            "exposition::encode",
            "exposition::encode_into",
            "exposition::containers_json",
            "tls",
            "common",
        ],
    ),
    ("config", &["engine", "collect", "exposition", "common"]),
    // Entry points for fuzzing: like the binary, it may drive every wing.
    (
        "fuzzing",
        &[
            "engine",
            "collect",
            "exposition",
            "snapshot",
            "web",
            "common",
        ],
    ),
];

/// One reference from a file's module to a path of the crate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    from: String,
    /// The whole path named, from the crate root, e.g. `collect::Selection`.
    path: String,
    /// The deepest module of the crate that the path runs through, e.g. `collect`.
    to: String,
}

/// Every `.rs` file under `src/`, as (path, source).
fn rust_files() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut folders = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                files.push((path, source));
            }
        }
    }
    files
}

/// Every `.rs` file under `src/` but the crate root and the binary, as
/// (module path, source).
fn source_tree() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    for (path, source) in rust_files() {
        let relative = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if relative == "lib.rs" || relative == "main.rs" {
            continue;
        }
        let module = relative
            .trim_end_matches(".rs")
            .trim_end_matches("/mod")
            .replace('/', "::");
        files.insert(module, source);
    }
    assert!(files.len() > 20, "src/ looks empty: {files:?}");
    files
}

/// The source without comments and without test modules (`#[cfg(test)]` or
/// `#[cfg(all(test, …))]` before `mod`): those may reach into anything they test.
fn code_of(source: &str) -> String {
    let mut code = String::new();
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(") && trimmed.contains("test") {
            let next = lines.peek().map(|l| l.trim_start()).unwrap_or("");
            if next.starts_with("mod ") || next.starts_with("pub mod ") {
                // Test modules close the file in this crate's style.
                break;
            }
        }
        if trimmed.starts_with("//") {
            continue;
        }
        let without_comment = match line.find(" // ") {
            Some(at) => &line[..at],
            None => line,
        };
        code.push_str(without_comment);
        code.push('\n');
    }
    code
}

/// Expands a use tree (`a::{b, c::{d, e}, self}`, renamings already dropped by
/// [`rename_free`]) into whole paths.
fn expand_use_tree(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree.trim_end_matches("::self").to_string()];
    };
    let prefix = tree[..open].trim_end_matches("::");
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (at, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|part| !part.is_empty())
        .flat_map(|part| {
            expand_use_tree(part).into_iter().map(move |rest| {
                if rest == "self" || rest.is_empty() {
                    prefix.to_string()
                } else {
                    format!("{prefix}::{rest}")
                }
            })
        })
        .collect()
}

/// The use tree with `x as y` renamings reduced to `x`.
fn rename_free(tree: &str) -> String {
    let words: Vec<&str> = tree.split_whitespace().collect();
    let mut out = String::new();
    let mut skip_next = false;
    for (i, word) in words.iter().enumerate() {
        if skip_next {
            skip_next = false;
            // Keep what follows the new name: `,` `}` and the like.
            out.push_str(word.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_'));
            continue;
        }
        if *word == "as" && i > 0 {
            skip_next = true;
            continue;
        }
        out.push_str(word);
    }
    out
}

/// The module a `crate::`, `super::` or `self::` path starts from, seen from `module`.
fn absolute(module: &str, path: &str) -> Option<String> {
    let mut base: Vec<&str> = module.split("::").collect();
    let mut rest = path;
    if let Some(after) = rest.strip_prefix("crate::") {
        return Some(after.to_string());
    }
    if let Some(after) = rest.strip_prefix("self::") {
        return Some(format!("{module}::{after}"));
    }
    let mut climbed = false;
    while let Some(after) = rest.strip_prefix("super::") {
        base.pop();
        rest = after;
        climbed = true;
    }
    if !climbed {
        return None;
    }
    base.push(rest);
    Some(base.join("::").trim_start_matches("::").to_string())
}

/// The deepest module of `modules` that `path` runs through.
fn module_of(path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let segments: Vec<&str> = path.split("::").collect();
    (1..=segments.len())
        .rev()
        .map(|n| segments[..n].join("::"))
        .find(|candidate| modules.contains(candidate))
}

/// Every edge of the tree: `use` statements and inline paths.
fn edges(tree: &BTreeMap<String, String>) -> Vec<Edge> {
    let modules: BTreeSet<String> = tree.keys().cloned().collect();
    let mut found = BTreeSet::new();
    for (module, source) in tree {
        let code = code_of(source);
        let mut paths = Vec::new();
        // `use …;` statements, which may span lines.
        let mut rest = code.as_str();
        let mut outside_uses = String::new();
        while let Some(at) = find_use(rest) {
            outside_uses.push_str(&rest[..at]);
            let statement = &rest[at + 4..];
            let end = statement.find(';').unwrap_or(statement.len());
            let tree_text = rename_free(&statement[..end]);
            paths.extend(expand_use_tree(&tree_text));
            rest = &statement[(end + 1).min(statement.len())..];
        }
        outside_uses.push_str(rest);
        // Inline paths: `crate::a::b(…)`, `super::x::Y`.
        for start in ["crate::", "super::"] {
            let mut from = 0;
            while let Some(at) = outside_uses[from..].find(start) {
                let begin = from + at;
                from = begin + start.len();
                let before = outside_uses[..begin].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                let path: String = outside_uses[begin..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                paths.push(path.trim_end_matches(':').to_string());
            }
        }
        for path in paths {
            let Some(absolute) = absolute(module, &path) else {
                continue; // an extern crate's path, or a local name
            };
            if let Some(to) = module_of(&absolute, &modules)
                && to != *module
            {
                found.insert(Edge {
                    from: module.clone(),
                    path: absolute,
                    to,
                });
            }
        }
    }
    found.into_iter().collect()
}

/// Where the next `use` keyword starts (at a word boundary, followed by our own path).
fn find_use(code: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = code[from..].find("use ") {
        let begin = from + at;
        from = begin + 4;
        let before = code[..begin].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let after = code[begin + 4..].trim_start();
        if after.starts_with("crate::")
            || after.starts_with("super::")
            || after.starts_with("self::")
        {
            return Some(begin);
        }
    }
    None
}

fn wing(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

/// Every edge that crosses a door the wrong way.
fn wrong_way(edges: &[Edge]) -> Vec<String> {
    let doors: BTreeMap<&str, &[&str]> = DOORS.iter().copied().collect();
    let mut wrong = Vec::new();
    for edge in edges {
        let (from, to) = (wing(&edge.from), wing(&edge.to));
        if from == to {
            continue;
        }
        let Some(open) = doors.get(from) else {
            wrong.push(format!("{}: wing {from} is not in DOORS", edge.from));
            continue;
        };
        let allowed = open
            .iter()
            .any(|door| edge.path == *door || edge.path.starts_with(&format!("{door}::")));
        if !allowed {
            wrong.push(format!(
                "{} imports {} ({from} may import only {open:?})",
                edge.from, edge.path
            ));
        }
    }
    wrong
}

/// Every cycle of modules importing each other, each as `a → b → a`.
fn cycles(edges: &[Edge]) -> Vec<String> {
    let mut next: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for edge in edges {
        next.entry(&edge.from).or_default().insert(&edge.to);
    }
    let mut found = BTreeSet::new();
    for &start in next.keys() {
        // Depth-first from `start`, looking for a way back to it.
        let mut stack: Vec<(&str, Vec<&str>)> = vec![(start, vec![start])];
        let mut seen = BTreeSet::new();
        while let Some((at, way)) = stack.pop() {
            for &to in next.get(at).into_iter().flatten() {
                if to == start {
                    let mut cycle = way.clone();
                    // The same cycle from its smallest module, so it is reported once.
                    let smallest = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap();
                    cycle.rotate_left(smallest);
                    let first = cycle[0];
                    cycle.push(first);
                    found.insert(cycle.join(" → "));
                } else if seen.insert(to) {
                    let mut longer = way.clone();
                    longer.push(to);
                    stack.push((to, longer));
                }
            }
        }
    }
    found.into_iter().collect()
}

#[test]
fn every_import_goes_through_an_open_door() {
    let edges = edges(&source_tree());
    // The checker sees the edges that are known to exist, so an empty answer means
    // something.
    for (from, path) in [
        ("collect::collection", "engine::Engine"),
        ("web::routes", "exporter::Exporter"),
        ("exposition::encode", "collect::ScrapeErrors"),
        ("config::parse", "collect::Selection"),
        ("engine::endpoint", "engine::platform"),
    ] {
        assert!(
            edges
                .iter()
                .any(|e| e.from == from && e.path.starts_with(path)),
            "the checker missed {from} → {path}: {edges:#?}"
        );
    }
    let wrong = wrong_way(&edges);
    assert!(
        wrong.is_empty(),
        "imports through closed doors:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_two_modules_import_each_other() {
    let found = cycles(&edges(&source_tree()));
    assert!(
        found.is_empty(),
        "modules that import each other:\n{}",
        found.join("\n")
    );
}

#[test]
fn every_wing_has_a_door_rule() {
    let tree = source_tree();
    let doors: BTreeSet<&str> = DOORS.iter().map(|(wing, _)| *wing).collect();
    let wings: BTreeSet<&str> = tree.keys().map(|m| wing(m)).collect();
    assert_eq!(wings, doors, "src/'s top-level modules and DOORS differ");
}

#[test]
fn a_planted_wrong_way_import_is_caught() {
    let mut tree = source_tree();
    tree.get_mut("web::routes")
        .unwrap()
        .insert_str(0, "use crate::collect::Selection;\n");
    tree.get_mut("engine::client")
        .unwrap()
        .insert_str(0, "fn planted() -> crate::snapshot::Snapshot { todo!() }\n");
    let wrong = wrong_way(&edges(&tree));
    assert_eq!(wrong.len(), 2, "{wrong:#?}");
    assert!(
        wrong[0].starts_with("engine::client imports snapshot::Snapshot"),
        "{wrong:#?}"
    );
    assert!(
        wrong[1].starts_with("web::routes imports collect::Selection"),
        "{wrong:#?}"
    );
}

#[test]
fn modules_that_import_each_other_are_caught() {
    let mut tree = source_tree();
    // endpoint.rs already imports platform.rs; make platform.rs import it back.
    tree.get_mut("engine::platform")
        .unwrap()
        .insert_str(0, "use super::{endpoint::Endpoint, tls};\n");
    let found = cycles(&edges(&tree));
    assert_eq!(
        found,
        ["engine::endpoint → engine::platform → engine::endpoint"],
        "{found:#?}"
    );
}

#[test]
fn use_trees_expand_to_whole_paths() {
    assert_eq!(
        expand_use_tree(&rename_free("crate::a::{b, c::{d, e as f}, self}")),
        [
            "crate::a::b",
            "crate::a::c::d",
            "crate::a::c::e",
            "crate::a"
        ]
    );
    assert_eq!(
        expand_use_tree(&rename_free("super::x::Y as Z")),
        ["super::x::Y"]
    );
    assert_eq!(
        absolute("collect::fan_out", "super::stats::read"),
        Some("collect::stats::read".into())
    );
    assert_eq!(absolute("collect", "super::tls"), Some("tls".into()));
    assert_eq!(absolute("collect", "std::fmt"), None);
}

/// Every file a comment under `src/` names (`fan_out.rs`, `docs/PERFORMANCE.md`), resolved
/// from the citing file's folder, any folder above it up to `src/`, or the repository.
#[test]
fn comments_cite_only_files_that_exist() {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = repository.join("src");
    let mut missing = Vec::new();
    let mut cited = 0;
    for (path, source) in rust_files() {
        for (number, line) in source.lines().enumerate() {
            let Some(comment) = line.trim_start().strip_prefix("//") else {
                continue;
            };
            for name in file_names_in(comment) {
                cited += 1;
                let mut places = vec![repository.join(&name)];
                let mut above = path.parent();
                while let Some(dir) = above.filter(|d| d.starts_with(&src)) {
                    places.push(dir.join(&name));
                    above = dir.parent();
                }
                if !places.iter().any(|p| p.is_file()) {
                    missing.push(format!("{}:{}: {name}", path.display(), number + 1));
                }
            }
        }
    }
    assert!(
        cited > 30,
        "only {cited} citations found: the scan is broken"
    );
    assert!(
        missing.is_empty(),
        "comments cite files that do not exist:\n{}",
        missing.join("\n")
    );
}

/// The words of `text` that name a `.rs` or `.md` file.
fn file_names_in(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || "_-./".contains(c)))
        .map(|word| word.trim_start_matches("./").trim_end_matches('.'))
        .filter(|word| {
            (word.ends_with(".rs") || word.ends_with(".md"))
                && word.len() > 3
                && !word.starts_with('/')
                && !word.contains("..")
        })
        .map(str::to_string)
        .collect()
}

/// tests/run.sh runs again, against every further engine, the test programs it lists as
/// real-engine ones: a program that drives a real Docker Engine or Podman (through the
/// support modules that reach them) and is missing from that list would silently be
/// tested against one engine only.
#[test]
fn every_real_engine_program_runs_against_every_engine() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = std::fs::read_to_string(root.join("tests/run.sh")).unwrap();
    let list = run_sh_list(&script, "real_engine_tests");
    let reaches_an_engine = [
        "support::docker",
        "support::podman",
        "support::spare_engine",
        "support::tls_engine",
    ];
    let using: BTreeSet<String> = test_programs()
        .into_iter()
        // A program on the cgroup v2 machine (support::vm) drives that machine's engine
        // whichever pass runs it: once is every engine it has.
        .filter(|(_, text)| !text.contains("support::vm"))
        .filter(|(_, text)| reaches_an_engine.iter().any(|m| text.contains(m)))
        .map(|(name, _)| name)
        .collect();
    assert!(
        using.len() >= 10,
        "only {using:?} found: the scan is broken"
    );
    let missing: Vec<_> = using
        .iter()
        .filter(|name| !list.contains(name.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "real-engine test programs missing from tests/run.sh's real_engine_tests: {missing:?}"
    );
    let stale: Vec<_> = list.iter().filter(|name| !using.contains(**name)).collect();
    assert!(
        stale.is_empty(),
        "tests/run.sh's real_engine_tests names programs that reach no engine: {stale:?}"
    );
}

/// Each test program (`tests/*.rs`) but this one, which names the support modules only to
/// look for them: its name and its text.
fn test_programs() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_dir(root.join("tests"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .filter(|path| !path.ends_with("architecture.rs"))
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

/// The names in tests/run.sh's `NAME=( … )` list.
fn run_sh_list<'a>(script: &'a str, name: &str) -> BTreeSet<&'a str> {
    script
        .split_once(&format!("\n{name}=("))
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(list, _)| list.split_whitespace().collect())
        .unwrap_or_else(|| panic!("tests/run.sh's {name}=( … ) list"))
}

/// Each fuzzing entry point (`src/fuzzing/`) has its cargo-fuzz target, its `[[bin]]` and
/// a committed corpus, and each target file is one of them: none is fuzzed or replayed
/// without the other.
#[test]
fn every_fuzzing_entry_point_has_its_target_and_corpus() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).unwrap();
    let names: BTreeSet<&str> = docker_stats_exporter::fuzzing::TARGETS
        .iter()
        .map(|(name, _)| *name)
        .collect();
    for name in &names {
        let file = fuzz.join("fuzz_targets").join(format!("{name}.rs"));
        let source =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            source.contains(&format!("docker_stats_exporter::fuzzing::{name}(data)")),
            "{} does not call its entry point",
            file.display()
        );
        assert!(
            manifest.contains(&format!(
                "name = \"{name}\"\npath = \"fuzz_targets/{name}.rs\""
            )),
            "fuzz/Cargo.toml has no [[bin]] {name}"
        );
        assert!(
            fuzz.join("corpus")
                .join(name)
                .read_dir()
                .is_ok_and(|mut d| d.next().is_some()),
            "fuzz/corpus/{name} is empty"
        );
    }
    let files: BTreeSet<String> = std::fs::read_dir(fuzz.join("fuzz_targets"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        })
        .collect();
    let names: BTreeSet<String> = names.iter().map(|n| n.to_string()).collect();
    assert_eq!(
        files, names,
        "fuzz/fuzz_targets/ and fuzzing::TARGETS differ"
    );
}
