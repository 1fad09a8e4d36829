//! The karate-club GCN trained through the library alone (no CLI code): a progress observer, a
//! run directory with `config.json`, `metrics.csv`, `folds.csv`, checkpoints and `report.html`.
//!
//! `cargo run --release --example experiment -- --out DIR [--device flex|wgpu|cuda:N]`

use std::path::PathBuf;

use cinder::datasets::load_registered_nodes;
use cinder::experiment::{
    DeviceChoice, Event, NodeExperiment, NodeInput, Observer, RunDirectory, command_line,
    provenance_fields,
};
use cinder::nn::{NodeModelConfig, NodeTrainingConfig};

/// Prints a dot per 10 epochs and a line per finished run.
struct Dots;

impl Observer for Dots {
    fn observe(&mut self, event: &Event<'_>) {
        match event {
            Event::Started { label, .. } => eprint!("{label}: "),
            Event::Epoch { metrics, .. } if metrics.epoch % 10 == 0 => eprint!("."),
            Event::Finished {
                test_accuracy: Some(accuracy),
                best_epoch,
                ..
            } => eprintln!(
                " test accuracy {:.1}% (kept epoch {})",
                100.0 * accuracy,
                best_epoch.unwrap_or(0)
            ),
            Event::Note(line) => eprintln!("{line}"),
            _ => {}
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = None;
    let mut device = DeviceChoice::Flex;
    let mut arguments = std::env::args().skip(1);
    while let Some(flag) = arguments.next() {
        match flag.as_str() {
            "--out" => out = arguments.next().map(PathBuf::from),
            "--device" => device = arguments.next().unwrap_or_default().parse()?,
            other => return Err(format!("unknown argument {other:?} (use --out DIR)").into()),
        }
    }
    let out = out.ok_or("pass --out DIR: the folder the run directory is created in")?;

    // The registry's karate club: the two faction leaders labelled, the other 32 tested.
    let dataset = load_registered_nodes("karate")?;
    let split = dataset.split_or_random(0)?;
    let experiment = NodeExperiment {
        dataset: dataset.name.clone(),
        graph: NodeInput::Graph(&dataset.graph),
        split: &split,
        config: NodeTrainingConfig::new()
            .with_epochs(100)
            .with_patience(0)
            .with_model(NodeModelConfig::new().with_dropout(0.0)),
        seeds: (0..5).collect(),
        class_names: vec!["Mr. Hi".into(), "Officer".into()],
    };
    let device = device.device()?;
    let run = RunDirectory::create(&out, "karate-gcn")?;
    let result = experiment.run(&device, &mut Dots, Some(&run))?;
    let sources = [("karate club", "Zachary (1977), via NetworkX, BSD-3")];
    let extra = provenance_fields(result.seconds, &device, &sources);
    let report = experiment.write_run(&run, &result, Some(command_line()), extra)?;
    println!(
        "karate GCN: {:.1}% ± {:.1} test accuracy over {} seeds",
        100.0 * result.mean_test_accuracy,
        100.0 * result.std_test_accuracy,
        experiment.seeds.len()
    );
    for file in ["config.json", "metrics.csv", "folds.csv"] {
        println!("{}", run.join(file).display());
    }
    println!("{}", report.display());
    Ok(())
}
