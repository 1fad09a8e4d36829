//! Feature-map taps: named intermediate stages captured during a forward pass.

use std::collections::BTreeSet;

use burn::tensor::Tensor;

/// Which stages a forward pass records, and what it recorded.
#[derive(Debug, Default)]
pub struct Taps {
    all: bool,
    wanted: BTreeSet<String>,
    /// Recorded stages in forward order: name and `[batch, channels, height, width]` output.
    pub maps: Vec<(String, Tensor<4>)>,
}

impl Taps {
    /// Records nothing.
    pub fn none() -> Self {
        Self::default()
    }

    /// Records every stage.
    pub fn all() -> Self {
        Self {
            all: true,
            ..Self::default()
        }
    }

    /// Records the named stages.
    pub fn only<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Self {
        Self {
            wanted: names.into_iter().map(|s| s.as_ref().to_string()).collect(),
            ..Self::default()
        }
    }

    /// Whether `name` is wanted.
    pub fn wants(&self, name: &str) -> bool {
        self.all || self.wanted.contains(name)
    }

    /// Records `x` as stage `name` when wanted.
    pub fn record(&mut self, name: &str, x: &Tensor<4>) {
        if self.wants(name) {
            self.maps.push((name.to_string(), x.clone()));
        }
    }

    /// The recorded stage `name`.
    pub fn get(&self, name: &str) -> Option<&Tensor<4>> {
        self.maps.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }
}
