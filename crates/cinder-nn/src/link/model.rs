//! The link-prediction model: an encoder (a node model, optionally fed by a learnable embedding
//! table, optionally variational) and a decoder scoring node pairs (inner product or an MLP on
//! the Hadamard product).

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::error::{NnError, Result};
use crate::init::{derive_seed, glorot, seeded_linear};
use crate::link::config::{LinkDecoder, LinkEncoder, LinkModelConfig};
use crate::node::gcn::NodeFeatures;
use crate::node::models::{NodeModel, NodePropagation};
use crate::ops::dropout::dropout;

/// Encoder, optional embedding table and decoder of a link-prediction model.
#[derive(Module, Debug)]
pub struct LinkModel {
    /// The node model producing embeddings (`2L` columns, μ then log σ, when variational).
    pub encoder: NodeModel,
    /// The learnable input embeddings (`N × D`), when the model has no node features.
    pub embedding: Option<Param<Tensor<2>>>,
    /// The MLP decoder's layers (`L → H → … → 1`); empty for the inner product.
    pub predictor: Vec<Linear>,
    /// Dropout between the MLP decoder's layers.
    pub decoder_dropout: f32,
    /// Embedding width `L`.
    pub latent: usize,
    /// Whether the encoder is variational (VGAE).
    pub variational: bool,
}

/// Node embeddings of one encoder pass.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// The embeddings the decoder scores (`N × L`): `μ + σ ε` in training, `μ` in evaluation
    /// for a VGAE.
    pub z: Tensor<2>,
    /// The VGAE's KL divergence to the standard normal, averaged over nodes (PyG's `kl_loss`).
    pub kl: Option<Tensor<1>>,
}

impl LinkModelConfig {
    /// Builds the model for `in_features` input features (ignored with an embedding table) on a
    /// graph of `num_nodes` nodes.
    pub fn init(
        &self,
        in_features: usize,
        num_nodes: usize,
        seed: u64,
        device: &Device,
    ) -> Result<LinkModel> {
        if self.embedding.is_some() && self.encoder == LinkEncoder::Sgc {
            return Err(NnError::InvalidOption {
                option: "embedding",
                reason: "SGC caches its propagated input, so it cannot learn an embedding table; use gcn, sage or appnp".into(),
            });
        }
        let input_width = self.embedding.unwrap_or(in_features);
        let variational = self.encoder.is_variational();
        let out = if variational {
            2 * self.latent
        } else {
            self.latent
        };
        let mut encoder = self
            .node_model()
            .init(input_width, out, derive_seed(seed, 1), device)?;
        if let NodeModel::Gcn(gcn) = &mut encoder {
            if !self.encoder_bias {
                gcn.conv1.bias = None;
                gcn.conv2.bias = None;
            }
            if variational {
                // μ and log σ share one `hidden × 2L` layer; scale it to the Glorot range of two
                // `hidden × L` layers (PyG's `conv_mu` and `conv_logstd`).
                let factor = ((self.hidden + 2 * self.latent) as f64
                    / (self.hidden + self.latent) as f64)
                    .sqrt();
                let weight = (gcn.conv2.weight.val() * factor).detach();
                gcn.conv2.weight = Param::from_tensor(weight);
            }
        }
        let embedding = self.embedding.map(|width| {
            Param::from_tensor(glorot(num_nodes, width, derive_seed(seed, 2), device))
        });
        let predictor = match self.decoder {
            LinkDecoder::Dot => Vec::new(),
            LinkDecoder::Mlp => {
                let layers = self.decoder_layers.max(1);
                (0..layers)
                    .map(|layer| {
                        let inputs = if layer == 0 {
                            self.latent
                        } else {
                            self.decoder_hidden
                        };
                        let outputs = if layer + 1 == layers {
                            1
                        } else {
                            self.decoder_hidden
                        };
                        seeded_linear(
                            inputs,
                            outputs,
                            true,
                            derive_seed(seed, 10 + layer as u64),
                            device,
                        )
                    })
                    .collect()
            }
        };
        Ok(LinkModel {
            encoder,
            embedding,
            predictor,
            decoder_dropout: self.decoder_dropout,
            latent: self.latent,
            variational,
        })
    }
}

impl LinkModel {
    /// Embeds every node. `seed = Some(..)` trains (dropout, the VGAE's noise), `None` evaluates.
    pub fn encode(
        &self,
        propagation: &NodePropagation,
        features: &NodeFeatures,
        seed: Option<u64>,
    ) -> Result<Encoded> {
        let table;
        let input = match &self.embedding {
            Some(embedding) => {
                table = NodeFeatures::Dense(Box::new(embedding.val()));
                &table
            }
            None => features,
        };
        let out = self
            .encoder
            .forward(propagation, input, seed.map(|s| derive_seed(s, 1)))?;
        if !self.variational {
            return Ok(Encoded { z: out, kl: None });
        }
        let [nodes, _] = out.dims();
        let mu = out.clone().narrow(1, 0, self.latent);
        let log_std = out.narrow(1, self.latent, self.latent).clamp_max(10.0);
        let std = log_std.clone().exp();
        // KL(N(μ, σ²) ‖ N(0, 1)) per node, averaged: −½ mean Σ (1 + 2 log σ − μ² − σ²).
        let kl = (log_std * 2.0 + 1.0 - mu.clone().powi_scalar(2) - std.clone().powi_scalar(2))
            .sum_dim(1)
            .mean()
            * -0.5;
        let z = match seed {
            Some(seed) => {
                let noise = standard_normal(nodes * self.latent, derive_seed(seed, 2));
                let noise = Tensor::<2>::from_data(
                    TensorData::new(noise, [nodes, self.latent]),
                    &mu.device(),
                );
                mu + std * noise
            }
            None => mu,
        };
        Ok(Encoded { z, kl: Some(kl) })
    }

    /// Scores (logits) of the pairs `(sources[i], targets[i])` on the embeddings `z`.
    /// `seed = Some(..)` applies the MLP decoder's dropout.
    pub fn decode(
        &self,
        z: &Tensor<2>,
        sources: Tensor<1, Int>,
        targets: Tensor<1, Int>,
        seed: Option<u64>,
    ) -> Result<Tensor<1>> {
        let [pairs] = sources.dims();
        let mut h = z.clone().select(0, sources) * z.clone().select(0, targets);
        let Some((last, hidden)) = self.predictor.split_last() else {
            return Ok(h.sum_dim(1).reshape([pairs]));
        };
        for (layer, linear) in hidden.iter().enumerate() {
            h = relu(linear.forward(h));
            if let Some(seed) = seed {
                h = dropout(h, self.decoder_dropout, derive_seed(seed, 3 + layer as u64))?;
            }
        }
        Ok(last.forward(h).reshape([pairs]))
    }

    /// Whether the model learns an embedding table.
    pub fn has_embedding(&self) -> bool {
        self.embedding.is_some()
    }
}

/// `count` standard normal numbers (Box–Muller on SplitMix64), from `seed`.
fn standard_normal(count: usize, seed: u64) -> Vec<f32> {
    let unit = |i: u64| {
        ((crate::init::mix(seed.wrapping_add(i)) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    (0..count as u64)
        .map(|i| {
            let (a, b) = (unit(2 * i), unit(2 * i + 1));
            ((-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()) as f32
        })
        .collect()
}

/// The index tensor of one end of `pairs`.
pub(crate) fn endpoint_index(pairs: &[(u32, u32)], first: bool, device: &Device) -> Tensor<1, Int> {
    let index: Vec<i64> = pairs
        .iter()
        .map(|&(u, v)| i64::from(if first { u } else { v }))
        .collect();
    Tensor::from_data(TensorData::new(index, [pairs.len()]), device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_normal_has_unit_moments() {
        let values = standard_normal(100_000, 3);
        let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / 1e5;
        let variance = values
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / 1e5;
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((variance - 1.0).abs() < 0.02, "{variance}");
    }
}
