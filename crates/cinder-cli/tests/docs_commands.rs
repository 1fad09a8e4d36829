//! Every `cinder …` command shown in README.md and docs/*.md (inside ```sh blocks) names a real
//! subcommand and only flags that subcommand's `--help` lists, so the docs cannot drift from the
//! CLI. A failure names the doc file and line of the command at fault.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `cinder <subcommands> --help` outputs (or why they failed), by subcommand path.
type HelpCache = HashMap<Vec<String>, Result<String, String>>;

/// A `cinder` command found in a doc: where it is and its arguments after the program name.
#[derive(Debug)]
struct DocCommand {
    file: String,
    line: usize,
    arguments: Vec<String>,
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// README.md and every Markdown file under docs/, sorted.
fn doc_files() -> Vec<PathBuf> {
    let mut files = vec![repository().join("README.md")];
    let docs = repository().join("docs");
    let mut guides: Vec<PathBuf> = std::fs::read_dir(&docs)
        .unwrap_or_else(|error| panic!("reading {}: {error}", docs.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "md"))
        .collect();
    guides.sort();
    files.extend(guides);
    files
}

/// The logical lines of the ```sh blocks of `text` (continuations joined, comments dropped), each
/// with the number of the line it starts on.
fn shell_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut in_shell = false;
    let mut pending: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if let Some(fence) = trimmed.strip_prefix("```") {
            in_shell = !in_shell && fence.trim() == "sh";
            continue;
        }
        if !in_shell {
            continue;
        }
        let (start, mut joined) = pending.take().unwrap_or((index + 1, String::new()));
        joined.push(' ');
        joined.push_str(trimmed);
        match joined.strip_suffix('\\') {
            Some(continued) => pending = Some((start, continued.to_string())),
            None => lines.push((start, strip_comment(&joined).trim().to_string())),
        }
    }
    lines
}

/// `line` without a trailing `# comment` (a `#` that starts a word).
fn strip_comment(line: &str) -> &str {
    let mut previous = ' ';
    for (position, character) in line.char_indices() {
        if character == '#' && previous.is_whitespace() {
            return &line[..position];
        }
        previous = character;
    }
    line
}

/// The arguments given to cinder by a shell line, if it runs cinder: `cinder …`,
/// `./target/release/cinder …` (after `NAME=value` assignments), or
/// `cargo run … -p cinder-cli … -- …`.
fn cinder_arguments(line: &str) -> Option<Vec<String>> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut rest = words
        .iter()
        .skip_while(|word| is_assignment(word))
        .copied()
        .peekable();
    let program = *rest.peek()?;
    if program == "cinder" || program.ends_with("/cinder") {
        return Some(rest.skip(1).map(str::to_string).collect());
    }
    if words.starts_with(&["cargo", "run"]) && words.windows(2).any(|w| w == ["-p", "cinder-cli"]) {
        let separator = words.iter().position(|word| *word == "--")?;
        return Some(
            words[separator + 1..]
                .iter()
                .map(|w| w.to_string())
                .collect(),
        );
    }
    None
}

/// `NAME=value` (an environment assignment before a command).
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    })
}

/// Every cinder command in the docs.
fn doc_commands() -> Vec<DocCommand> {
    let mut commands = Vec::new();
    for path in doc_files() {
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
        let file = path
            .strip_prefix(repository())
            .unwrap_or(&path)
            .display()
            .to_string();
        for (line, shell) in shell_lines(&text) {
            if let Some(arguments) = cinder_arguments(&shell) {
                commands.push(DocCommand {
                    file: file.clone(),
                    line,
                    arguments,
                });
            }
        }
    }
    commands
}

/// `cinder <path> --help`: its text, or why it failed. Cached per subcommand path.
fn help(cache: &mut HelpCache, path: &[String]) -> Result<String, String> {
    cache
        .entry(path.to_vec())
        .or_insert_with(|| {
            let output = Command::new(env!("CARGO_BIN_EXE_cinder"))
                .args(path)
                .arg("--help")
                .output()
                .map_err(|error| format!("running cinder: {error}"))?;
            if output.status.success() {
                Ok(String::from_utf8_lossy(&output.stdout).into_owned())
            } else {
                Err(format!(
                    "`cinder {} --help` failed: {}",
                    path.join(" "),
                    String::from_utf8_lossy(&output.stderr).trim()
                ))
            }
        })
        .clone()
}

/// The subcommands a help text lists under `Commands:` (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| line.trim() != "Commands:")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// Whether `help` lists `flag` (`--name`) as a whole word.
fn lists_flag(help: &str, flag: &str) -> bool {
    help.match_indices(flag).any(|(position, _)| {
        let next = help[position + flag.len()..].chars().next();
        !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    })
}

/// Checks one command: its subcommands exist and every `--flag` it uses is in their help.
fn check(cache: &mut HelpCache, command: &DocCommand) -> Result<(), String> {
    let mut path: Vec<String> = Vec::new();
    let mut text = help(cache, &path)?;
    for argument in &command.arguments {
        let listed = subcommands(&text);
        if listed.is_empty() || argument.starts_with('-') {
            break;
        }
        if !listed.contains(argument) {
            let under = if path.is_empty() {
                "cinder".to_string()
            } else {
                format!("cinder {}", path.join(" "))
            };
            return Err(format!(
                "unknown subcommand `{argument}` of `{under}` (it has: {})",
                listed.join(", ")
            ));
        }
        path.push(argument.clone());
        text = help(cache, &path)?;
    }
    if !subcommands(&text).is_empty() {
        return Err(format!(
            "`cinder {}` needs a subcommand ({})",
            path.join(" "),
            subcommands(&text).join(", ")
        ));
    }
    let unknown: Vec<&str> = command
        .arguments
        .iter()
        .filter(|argument| argument.starts_with("--") && argument.len() > 2)
        .map(|argument| argument.split('=').next().unwrap_or(argument))
        .filter(|flag| !lists_flag(&text, flag))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "`cinder {} --help` lists no {}",
            path.join(" "),
            unknown.join(", ")
        ))
    }
}

#[test]
fn every_documented_command_uses_real_subcommands_and_flags() {
    let commands = doc_commands();
    assert!(
        commands.len() > 20,
        "found only {} cinder commands in README.md and docs/*.md: is the extraction broken?",
        commands.len()
    );
    let mut cache = HelpCache::new();
    let failures: Vec<String> = commands
        .iter()
        .filter_map(|command| {
            check(&mut cache, command).err().map(|error| {
                format!(
                    "{}:{}: `cinder {}`: {error}",
                    command.file,
                    command.line,
                    command.arguments.join(" ")
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} documented commands do not match the CLI:\n{}",
        failures.len(),
        commands.len(),
        failures.join("\n")
    );
    eprintln!("checked {} documented cinder commands", commands.len());
}

/// The checker itself: a wrong flag or subcommand fails, naming what is wrong.
#[test]
fn a_wrong_flag_or_subcommand_is_reported() {
    let mut cache = HelpCache::new();
    let command = |text: &str| DocCommand {
        file: "docs/example.md".into(),
        line: 1,
        arguments: cinder_arguments(text).expect("a cinder command"),
    };
    let good = command("CINDER_DATA=d ./target/release/cinder train node --dataset cora --seeds=3");
    assert_eq!(check(&mut cache, &good), Ok(()));
    let flag = check(&mut cache, &command("cinder train node --no-such-flag")).unwrap_err();
    assert!(flag.contains("--no-such-flag"), "{flag}");
    let prefix = check(&mut cache, &command("cinder train node --seed 1")).unwrap_err();
    assert!(
        prefix.contains("--seed"),
        "a prefix of --seeds is no flag: {prefix}"
    );
    let subcommand = check(&mut cache, &command("cinder train nodes --seeds 2")).unwrap_err();
    assert!(subcommand.contains("`nodes`"), "{subcommand}");
    let missing = check(&mut cache, &command("cinder image")).unwrap_err();
    assert!(missing.contains("needs a subcommand"), "{missing}");
    let demo = cinder_arguments("cargo run --release -p cinder-cli -- demo --json");
    assert_eq!(demo, Some(vec!["demo".to_string(), "--json".to_string()]));
    assert_eq!(
        cinder_arguments("cargo build --release -p cinder-cli"),
        None
    );
}

#[test]
fn shell_blocks_join_continuations_and_drop_comments() {
    let text = "text\n```sh\n# a comment\ncinder data list   # names\ncinder train node \\\n  \
                --seeds 2\n```\n```rust\ncinder train node --nothing\n```\n";
    let lines = shell_lines(text);
    let commands: Vec<(usize, Option<Vec<String>>)> = lines
        .iter()
        .map(|(line, shell)| (*line, cinder_arguments(shell)))
        .filter(|(_, arguments)| arguments.is_some())
        .collect();
    let expected = |words: &[&str]| Some(words.iter().map(|w| w.to_string()).collect());
    assert_eq!(
        commands,
        vec![
            (4, expected(&["data", "list"])),
            (5, expected(&["train", "node", "--seeds", "2"])),
        ]
    );
}
