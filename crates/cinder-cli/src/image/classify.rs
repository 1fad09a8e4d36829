//! `cinder image classify`: flags onto [`ImageClassifyRequest`], each image's top classes printed
//! as it is classified (or one JSON array).

use std::path::PathBuf;

use cinder_experiment::{Device, ImageClassifyRequest};
use clap::Args;

use super::model::{MODEL_FLAGS, ModelArguments};
use crate::flags::in_flag_terms;

/// Options of `cinder image classify`.
#[derive(Debug, Args)]
pub struct ClassifyArguments {
    #[command(flatten)]
    model: ModelArguments,
    /// Class names, one per line (line i = class i). Default: the embedded CNN's own ImageNet
    /// names without --weights, else `<weights>.labels.txt`, else
    /// `$CINDER_DATA/images/imagenet-samples/imagenet_labels.txt` for 1000/1001-class heads.
    #[arg(long)]
    labels: Option<PathBuf>,
    /// How many classes to print per image (at least 1).
    #[arg(long, default_value_t = 5, value_parser = crate::flags::at_least_one())]
    top: usize,
    /// Print a JSON array: one `{"image", "top": [{"index", "label", "probability"}]}` per image.
    #[arg(long)]
    json: bool,
    /// Image files (JPEG, PNG, BMP).
    #[arg(required = true)]
    images: Vec<PathBuf>,
}

/// Runs `cinder image classify`.
pub fn run(arguments: &ClassifyArguments, device: &Device) -> anyhow::Result<()> {
    let request = ImageClassifyRequest {
        model: arguments.model.source(),
        labels: arguments.labels.clone(),
        top: arguments.top,
        images: arguments.images.clone(),
    };
    let model = request
        .open_model(device)
        .map_err(|e| in_flag_terms(e, &MODEL_FLAGS))?;
    let mut results = Vec::new();
    for classified in request.classify(&model, device) {
        let classified = classified?;
        if !arguments.json {
            println!("{}", classified.image);
            for (rank, score) in classified.top.iter().enumerate() {
                println!(
                    "  {}. {:.4}  {} ({})",
                    rank + 1,
                    score.probability,
                    score.label.as_deref().unwrap_or("?"),
                    score.index
                );
            }
        }
        results.push(classified);
    }
    if arguments.json {
        // Through a JSON value, as every `--json` of cinder prints (keys sorted).
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::to_value(&results)?)?
        );
    }
    Ok(())
}
