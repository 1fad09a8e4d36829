//! A converted network saved as a burnpack checkpoint reloads to the same outputs.

use burn::tensor::{Device, Tensor, TensorData};
use cinder_vision::checkpoint::{load_checkpoint, save_checkpoint};
use cinder_vision::{HeadChoice, Pretrained};

#[test]
fn burnpack_checkpoint_round_trips_keras_mobilenets() {
    let device = Device::flex();
    for name in [
        "mobilenet_v1_0.25_128_imagenet",
        "mobilenet_v2_1.0_224_imagenet",
    ] {
        let Some(weights) = cinder_datasets::require_weights(&format!("{name}.safetensors")) else {
            return;
        };
        let model = Pretrained::open(&weights, None, HeadChoice::Keep, &device).unwrap();
        let dir =
            std::env::temp_dir().join(format!("cinder-checkpoint-{}-{name}", std::process::id()));
        let path = dir.join("model.bpk");
        save_checkpoint(&model, &path).unwrap();
        let started = std::time::Instant::now();
        let back = load_checkpoint(&path, &device).unwrap();
        eprintln!(
            "{name}: checkpoint reload {:.1} ms",
            started.elapsed().as_secs_f64() * 1e3
        );
        assert_eq!(back.preprocessing, model.preprocessing);
        assert_eq!(back.architecture, model.architecture);
        let (h, w) = model.preprocessing.size;
        let values: Vec<f32> = (0..3 * h * w)
            .map(|i| ((i * 7919) % 255) as f32 / 127.5 - 1.0)
            .collect();
        let x = Tensor::<4>::from_data(TensorData::new(values, [1, 3, h, w]), &device);
        let a: Vec<f32> = model
            .model
            .forward(x.clone())
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let b: Vec<f32> = back
            .model
            .forward(x)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(a, b, "{name}: logits after reload");
        // A sidecar whose labels do not fit the head is refused, naming the file.
        let sidecar = path.with_extension("json");
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&sidecar).unwrap()).unwrap();
        json["labels"] = serde_json::json!(["cat", "dog"]);
        std::fs::write(&sidecar, json.to_string()).unwrap();
        let err = load_checkpoint(&path, &device).unwrap_err().to_string();
        assert!(
            err.contains("model.json") && err.contains("2 labels"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
