//! No file imports a file that imports it back, in any crate (STYLE.md: "No import cycles, even
//! inside a crate").
//!
//! Each crate's source files are read as a module tree (`lib.rs`/`main.rs` the root, `a.rs` or
//! `a/mod.rs` the module `a`). Every `crate::…`, `super::…` and `self::…` path outside test
//! modules and comments, in `use` trees and inline, is resolved to the file that defines it: through
//! the module files it names and through the `pub use` re-exports of `lib.rs` and `mod.rs` files, so
//! `use crate::GcnConv` counts as an import of the file that defines `GcnConv`, not of `lib.rs`.
//! A strongly connected component of two or more files is a cycle; the test names its files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One crate's files: module path (`["ops", "propagate"]`) → source text.
type Tree = BTreeMap<Vec<String>, String>;

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates");
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&crates)
        .expect("crates/ is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for crate_dir in entries {
        let source = crate_dir.join("src");
        if !source.is_dir() {
            continue;
        }
        let tree = read_tree(&source);
        checked += tree.len();
        for cycle in import_cycles(&tree) {
            let names: Vec<String> = cycle.iter().map(|module| file_name(module)).collect();
            failures.push(format!("{}: {}", crate_dir.display(), names.join(" <-> ")));
        }
    }
    assert!(
        checked > 100,
        "only {checked} files found under {}",
        crates.display()
    );
    assert!(
        failures.is_empty(),
        "files that import each other (directly or through others):\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_cycle_is_found_directly_through_a_reexport_and_through_a_third_file() {
    let tree = |files: &[(&str, &str)]| -> Tree {
        files
            .iter()
            .map(|(path, text)| (module_of(path), text.to_string()))
            .collect()
    };
    let direct = tree(&[
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", "use crate::b::B;\npub struct A;\n"),
        ("b.rs", "use crate::{a::A, c};\npub struct B;\n"),
    ]);
    assert_eq!(
        import_cycles(&direct),
        vec![vec![module_of("a.rs"), module_of("b.rs")]]
    );

    let through_reexports = tree(&[
        ("lib.rs", "mod ops;\nmod conv;\npub use conv::Layer;\n"),
        (
            "ops/mod.rs",
            "mod propagate;\npub use propagate::propagate;\n",
        ),
        (
            "ops/propagate.rs",
            "pub fn propagate() { let _ = crate::Layer::new(); }\n",
        ),
        ("conv/mod.rs", "mod layer;\npub use layer::Layer;\n"),
        (
            "conv/layer.rs",
            "use crate::ops::propagate;\npub struct Layer;\n",
        ),
    ]);
    assert_eq!(
        import_cycles(&through_reexports),
        vec![vec![
            module_of("conv/layer.rs"),
            module_of("ops/propagate.rs")
        ]]
    );

    let three = tree(&[
        ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
        ("a.rs", "use crate::b::f;\n"),
        ("b.rs", "pub fn f() { super::c::g() }\n"),
        (
            "c.rs",
            "pub fn g() {}\n// crate::a::x in a comment is no import\nuse crate::a;\n",
        ),
    ]);
    assert_eq!(import_cycles(&three).len(), 1);

    let tests_and_comments_only = tree(&[
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", "use crate::b::B;\n"),
        (
            "b.rs",
            "/// see [`crate::a`]\npub struct B;\n#[cfg(test)]\nmod tests {\n    use crate::a;\n}\n",
        ),
    ]);
    assert!(import_cycles(&tests_and_comments_only).is_empty());
}

fn module_of(relative: &str) -> Vec<String> {
    let trimmed = relative.trim_end_matches(".rs");
    let mut segments: Vec<String> = trimmed.split('/').map(str::to_string).collect();
    if matches!(
        segments.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        segments.pop();
    }
    segments
}

fn file_name(module: &[String]) -> String {
    if module.is_empty() {
        "lib.rs".to_string()
    } else {
        format!("{}.rs", module.join("/"))
    }
}

fn read_tree(source: &Path) -> Tree {
    let mut tree = Tree::new();
    let mut pending = vec![source.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).expect("a readable source directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                let relative = path
                    .strip_prefix(source)
                    .expect("under src")
                    .to_string_lossy();
                let relative = relative.replace('\\', "/");
                // A binary crate's other roots (src/bin/*) are separate trees; none exist today.
                let text = std::fs::read_to_string(&path).expect("a readable source file");
                tree.insert(module_of(&relative), text);
            }
        }
    }
    tree
}

/// The code of a file without comments, string literals and `#[cfg(test)]` items.
fn code_of(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            // Skip the attributed item: up to the end of its braces (or its `;`).
            let mut depth = 0i32;
            let mut opened = false;
            for next in lines.by_ref() {
                for character in next.chars() {
                    match character {
                        '{' => {
                            depth += 1;
                            opened = true;
                        }
                        '}' => depth -= 1,
                        _ => {}
                    }
                }
                if (opened && depth <= 0) || (!opened && next.trim_end().ends_with(';')) {
                    break;
                }
            }
            continue;
        }
        let without_comment = match line.find("//") {
            Some(position) => &line[..position],
            None => line,
        };
        let mut in_string = false;
        let mut previous = ' ';
        for character in without_comment.chars() {
            if character == '"' && previous != '\\' {
                in_string = !in_string;
                previous = character;
                continue;
            }
            if !in_string {
                code.push(character);
            }
            previous = character;
        }
        code.push('\n');
    }
    code
}

/// Expands a use tree (`a::{b, c::{d as e}}`) into its paths, each with the name it binds.
fn expand_use_tree(tree: &str) -> Vec<(Vec<String>, String)> {
    // One space where whitespace was, none around punctuation: only ` as ` keeps its spaces.
    let mut tree = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    for punctuation in ["::", "{", "}", ","] {
        tree = tree.replace(&format!(" {punctuation}"), punctuation);
        tree = tree.replace(&format!("{punctuation} "), punctuation);
    }
    let tree = tree.trim();
    let mut out = Vec::new();
    expand_into(tree, &mut Vec::new(), &mut out);
    out
}

fn expand_into(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim_end_matches("::");
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let added: Vec<String> = head
            .split("::")
            .filter(|segment| !segment.is_empty())
            .map(str::to_string)
            .collect();
        let length = prefix.len();
        prefix.extend(added);
        for part in split_top_level(inner) {
            expand_into(part, prefix, out);
        }
        prefix.truncate(length);
        return;
    }
    if tree.is_empty() {
        return;
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((path, alias)) => (path, Some(alias)),
        None => (tree, None),
    };
    let mut full = prefix.clone();
    full.extend(
        path.split("::")
            .filter(|segment| !segment.is_empty())
            .map(str::to_string),
    );
    if full.last().is_some_and(|last| last == "self") {
        full.pop();
    }
    let bound = alias
        .map(str::to_string)
        .or_else(|| full.last().cloned())
        .unwrap_or_default();
    out.push((full, bound));
}

fn split_top_level(inner: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (index, character) in inner.char_indices() {
        match character {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
}

struct Statement {
    public: bool,
    paths: Vec<(Vec<String>, String)>,
}

/// The `use` statements of a file's code.
fn use_statements(code: &str) -> Vec<Statement> {
    let mut statements = Vec::new();
    let mut rest = code;
    while let Some(position) = find_keyword(rest, "use") {
        let before = rest[..position].trim_end();
        let public = before.ends_with("pub") || before.ends_with(')');
        let after = &rest[position + 3..];
        let end = after.find(';').unwrap_or(after.len());
        statements.push(Statement {
            public,
            paths: expand_use_tree(&after[..end]),
        });
        rest = &after[end..];
    }
    statements
}

fn find_keyword(text: &str, keyword: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = text[from..].find(keyword) {
        let start = from + found;
        let end = start + keyword.len();
        let boundary_before = start == 0 || !is_identifier(bytes[start - 1]);
        let boundary_after = end < bytes.len() && bytes[end].is_ascii_whitespace();
        if boundary_before && boundary_after {
            return Some(start);
        }
        from = end;
    }
    None
}

fn is_identifier(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Inline `crate::a::b` and `super::a` paths in code (outside `use` statements too).
fn inline_paths(code: &str) -> Vec<Vec<String>> {
    let bytes = code.as_bytes();
    let mut paths = Vec::new();
    let starts = code
        .match_indices("crate::")
        .chain(code.match_indices("super::"));
    for (start, prefix) in starts {
        let preceded_by_path = start >= 2 && &code[start - 2..start] == "::";
        if preceded_by_path
            || (start > 0 && (is_identifier(bytes[start - 1]) || bytes[start - 1] == b'$'))
        {
            continue;
        }
        let mut segments = vec![prefix.trim_end_matches("::").to_string()];
        let mut position = start + prefix.len();
        loop {
            let end = (position..bytes.len())
                .find(|&i| !is_identifier(bytes[i]))
                .unwrap_or(bytes.len());
            if end == position {
                break;
            }
            segments.push(code[position..end].to_string());
            if code[end..].starts_with("::") && !code[end + 2..].starts_with('{') {
                position = end + 2;
            } else {
                break;
            }
        }
        if segments.len() > 1 {
            paths.push(segments);
        }
    }
    paths
}

/// A path as it is written in `module`, made absolute (no leading `crate`); `None` for paths into
/// other crates or the standard library.
fn absolute(module: &[String], path: &[String], tree: &Tree) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut base: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        "self" => module.to_vec(),
        "super" => module[..module.len().saturating_sub(1)].to_vec(),
        name => {
            let mut child = module.to_vec();
            child.push(name.to_string());
            if !tree.contains_key(&child) {
                return None;
            }
            return Some(path.iter().fold(module.to_vec(), |mut base, segment| {
                base.push(segment.clone());
                base
            }));
        }
    };
    let mut rest = &path[1..];
    while rest.first().is_some_and(|segment| segment == "super") {
        base.pop();
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The file that defines the item an absolute path names.
fn resolve(path: &[String], tree: &Tree, depth: usize) -> Vec<String> {
    let mut module = Vec::new();
    for (index, segment) in path.iter().enumerate() {
        let mut child = module.clone();
        child.push(segment.clone());
        if tree.contains_key(&child) {
            module = child;
            continue;
        }
        if depth < 16 {
            let code = code_of(&tree[&module]);
            for statement in use_statements(&code)
                .into_iter()
                .filter(|statement| statement.public)
            {
                for (target, bound) in statement.paths {
                    if &bound == segment
                        && let Some(target) = absolute(&module, &target, tree)
                    {
                        let mut full = target;
                        full.extend(path[index + 1..].iter().cloned());
                        return resolve(&full, tree, depth + 1);
                    }
                }
            }
        }
        break;
    }
    module
}

/// Each file's imports of other files of the same crate.
fn imports(tree: &Tree) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut edges = BTreeMap::new();
    for (module, text) in tree {
        let code = code_of(text);
        let mut targets = BTreeSet::new();
        let mut paths: Vec<Vec<String>> = use_statements(&code)
            .into_iter()
            .flat_map(|statement| statement.paths.into_iter().map(|(path, _)| path))
            .filter(|path| {
                path.first()
                    .is_some_and(|first| matches!(first.as_str(), "crate" | "super" | "self"))
            })
            .collect();
        paths.extend(inline_paths(&code));
        for path in paths {
            if let Some(absolute) = absolute(module, &path, tree) {
                let file = resolve(&absolute, tree, 0);
                if &file != module {
                    targets.insert(file);
                }
            }
        }
        edges.insert(module.clone(), targets);
    }
    edges
}

/// The strongly connected components of two or more files (Tarjan), each sorted.
fn import_cycles(tree: &Tree) -> Vec<Vec<Vec<String>>> {
    let edges = imports(tree);
    let nodes: Vec<&Vec<String>> = edges.keys().collect();
    let index_of: BTreeMap<&Vec<String>, usize> = nodes
        .iter()
        .enumerate()
        .map(|(index, node)| (*node, index))
        .collect();
    let successors: Vec<Vec<usize>> = nodes
        .iter()
        .map(|node| {
            edges[*node]
                .iter()
                .filter_map(|target| index_of.get(target).copied())
                .collect()
        })
        .collect();
    let mut state = Tarjan {
        index: vec![None; nodes.len()],
        low: vec![0; nodes.len()],
        on_stack: vec![false; nodes.len()],
        stack: Vec::new(),
        next: 0,
        components: Vec::new(),
    };
    for node in 0..nodes.len() {
        if state.index[node].is_none() {
            state.visit(node, &successors);
        }
    }
    let mut cycles: Vec<Vec<Vec<String>>> = state
        .components
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            let mut files: Vec<Vec<String>> = component
                .into_iter()
                .map(|node| nodes[node].clone())
                .collect();
            files.sort();
            files
        })
        .collect();
    cycles.sort();
    cycles
}

struct Tarjan {
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    next: usize,
    components: Vec<Vec<usize>>,
}

impl Tarjan {
    fn visit(&mut self, node: usize, successors: &[Vec<usize>]) {
        self.index[node] = Some(self.next);
        self.low[node] = self.next;
        self.next += 1;
        self.stack.push(node);
        self.on_stack[node] = true;
        for &next in &successors[node] {
            match self.index[next] {
                None => {
                    self.visit(next, successors);
                    self.low[node] = self.low[node].min(self.low[next]);
                }
                Some(index) if self.on_stack[next] => self.low[node] = self.low[node].min(index),
                Some(_) => {}
            }
        }
        if Some(self.low[node]) == self.index[node] {
            let mut component = Vec::new();
            while let Some(top) = self.stack.pop() {
                self.on_stack[top] = false;
                component.push(top);
                if top == node {
                    break;
                }
            }
            self.components.push(component);
        }
    }
}
