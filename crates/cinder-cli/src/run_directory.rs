//! The flags a run directory records (`arguments.json`), so `--resume` can re-parse the flags a
//! run was started with. Run directories themselves are cinder-experiment's `RunDirectory`.

/// The flags after the subcommand names `path` (e.g. `["train", "graph"]`) in `argv` (the
/// command line after `--config` expansion, program name first), without `--resume` and
/// `--device` and their values: a resumed run keeps its flags but may run on another device.
pub fn subcommand_flags(argv: &[String], path: &[&str]) -> Vec<String> {
    let mut kept = Vec::new();
    let mut rest = argv.iter().skip(1);
    while let Some(flag) = rest.next() {
        if flag == "--resume" || flag == "--device" {
            rest.next();
        } else if !flag.starts_with("--resume=") && !flag.starts_with("--device=") {
            kept.push(flag.clone());
        }
    }
    let mut names = path.iter().peekable();
    kept.into_iter()
        .skip_while(|flag| names.next_if(|name| *name == flag).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_skip_the_subcommand_resume_and_device() {
        let argv: Vec<String> = [
            "cinder",
            "--device",
            "flex",
            "train",
            "node",
            "--dataset",
            "cora",
            "--resume",
            "runs/x",
            "--device=wgpu",
            "--seeds",
            "3",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            subcommand_flags(&argv, &["train", "node"]),
            ["--dataset", "cora", "--seeds", "3"]
        );
    }
}
