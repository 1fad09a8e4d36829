//! Reproduces Kipf & Welling 2016, Table 1 on Cora with cinder's default link-prediction
//! settings (their objective and hyperparameters): GAE AUC 0.910 / AP 0.920, VGAE 0.914 / 0.926,
//! means over 10 seeds, each drawing its own 85/5/10 edge split. Minutes of training; prints
//! mean ± std per model and exits non-zero if a figure is below the paper's.
//!
//! `CINDER_DATA=../shared/datasets cargo run --release --example link_prediction_targets`

use burn::tensor::Device;
use cinder::datasets::{load_planetoid, require_data};
use cinder::graph::{LinkSplitConfig, random_link_split};
use cinder::nn::{
    LinkEncoder, LinkModelConfig, LinkTrainingConfig, statistics::mean_std, train_link_model,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path =
        require_data("planetoid/ind.cora.x").ok_or("set CINDER_DATA to the shared datasets")?;
    let cora = load_planetoid(path.parent().unwrap_or(&path), "cora")?;
    let device = Device::flex().autodiff();
    let mut missed = Vec::new();
    for (encoder, auc_target, ap_target) in [
        (LinkEncoder::Gae, 0.910, 0.920),
        (LinkEncoder::Vgae, 0.914, 0.926),
    ] {
        let (mut aucs, mut aps) = (Vec::new(), Vec::new());
        for seed in 0..10 {
            let split = random_link_split(&cora.graph, &LinkSplitConfig::default(), seed)?;
            let config = LinkTrainingConfig::new()
                .with_model(LinkModelConfig::new().with_encoder(encoder))
                .with_seed(seed);
            let (_, report) = train_link_model(&cora.graph, &split, &config, &device)?;
            aucs.push(report.test.auc);
            aps.push(report.test.ap);
        }
        let ((auc, auc_std), (ap, ap_std)) = (mean_std(&aucs), mean_std(&aps));
        println!(
            "cora {encoder}: AUC {auc:.4} ± {auc_std:.4} (paper {auc_target}), AP {ap:.4} ± {ap_std:.4} (paper {ap_target})"
        );
        if auc < auc_target {
            missed.push(format!("{encoder} AUC {auc:.4} < {auc_target}"));
        }
        if ap < ap_target {
            missed.push(format!("{encoder} AP {ap:.4} < {ap_target}"));
        }
    }
    if missed.is_empty() {
        println!("every figure reaches the paper's");
        Ok(())
    } else {
        Err(format!("below the paper: {}", missed.join("; ")).into())
    }
}
