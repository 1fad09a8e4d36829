//! One observer for every long computation: node training (per seed), graph cross-validation
//! (per fold), fine-tuning (per epoch) and embedding (per image). The CLI's progress bars are one
//! [`Observer`]; a library user passes their own, a closure, or [`Silent`].

/// What a unit of work is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// One training run of a repeated node-classification experiment (one seed).
    Seed,
    /// One cross-validation fold.
    Fold,
    /// Fine-tuning a CNN.
    FineTuning,
    /// Embedding images with a CNN.
    Embedding,
}

impl Unit {
    /// The word for it in messages, CSV headers and reports ("run" for a seed's run).
    pub fn name(self) -> &'static str {
        match self {
            Self::Seed => "run",
            Self::Fold => "fold",
            Self::FineTuning => "fine-tuning",
            Self::Embedding => "embedding",
        }
    }
}

/// One epoch's numbers, the same for every kind of training.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochMetrics {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Training loss.
    pub train_loss: f64,
    /// Training accuracy.
    pub train_accuracy: f64,
    /// Validation loss, where there is a validation set.
    pub validation_loss: Option<f64>,
    /// Validation accuracy, where there is a validation set.
    pub validation_accuracy: Option<f64>,
    /// Wall time of the epoch in milliseconds.
    pub ms: f64,
}

/// Something that happened in a long computation.
#[derive(Debug, Clone, PartialEq)]
pub enum Event<'a> {
    /// A unit of work starts: `index` (from 1) of `count`, running up to `steps` epochs (or
    /// `steps` items for [`Unit::Embedding`]). `label` says which (`seed 3`, `fold 2`).
    Started {
        /// What kind of unit.
        unit: Unit,
        /// Which one, from 1.
        index: usize,
        /// How many there are.
        count: usize,
        /// Epochs (or items) it will run at most.
        steps: usize,
        /// A short label (`seed 3`, `fold 2/10`).
        label: &'a str,
    },
    /// An epoch of the current unit ended.
    Epoch {
        /// What kind of unit.
        unit: Unit,
        /// Which one, from 1.
        index: usize,
        /// The epoch's numbers.
        metrics: EpochMetrics,
    },
    /// `done` of `total` items of the current unit are processed (images embedded).
    Items {
        /// Items processed so far.
        done: usize,
        /// Items in all.
        total: usize,
    },
    /// A line worth showing between progress updates (a model-selection candidate's score, the
    /// configuration a fold selected, a resumed unit).
    Note(&'a str),
    /// A unit ended.
    Finished {
        /// What kind of unit.
        unit: Unit,
        /// Which one, from 1.
        index: usize,
        /// How many there are.
        count: usize,
        /// The epoch whose weights were kept, where training selects one.
        best_epoch: Option<usize>,
        /// Validation accuracy of the kept weights.
        validation_accuracy: Option<f64>,
        /// Test accuracy of the kept weights.
        test_accuracy: Option<f64>,
    },
}

/// Receives the [`Event`]s of a computation, in order, on the calling thread.
pub trait Observer {
    /// Called for every event.
    fn observe(&mut self, event: &Event<'_>);
}

impl<F: FnMut(&Event<'_>)> Observer for F {
    fn observe(&mut self, event: &Event<'_>) {
        self(event);
    }
}

/// The observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Observer for Silent {
    fn observe(&mut self, _: &Event<'_>) {}
}

/// An observer that prints one line per finished unit and every note to stderr (what the examples
/// use; the CLI draws progress bars instead).
#[derive(Debug, Clone, Copy, Default)]
pub struct PrintLines;

impl Observer for PrintLines {
    fn observe(&mut self, event: &Event<'_>) {
        match event {
            Event::Note(line) => eprintln!("{line}"),
            Event::Finished {
                unit,
                index,
                count,
                best_epoch,
                test_accuracy,
                ..
            } => {
                let mut line = format!("{} {index}/{count} finished", unit.name());
                if let Some(accuracy) = test_accuracy {
                    line.push_str(&format!(": test accuracy {accuracy:.4}"));
                }
                if let Some(epoch) = best_epoch {
                    line.push_str(&format!(" (kept epoch {epoch})"));
                }
                eprintln!("{line}");
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closures_are_observers() {
        let mut epochs = Vec::new();
        let mut observer = |event: &Event<'_>| {
            if let Event::Epoch { metrics, .. } = event {
                epochs.push(metrics.epoch);
            }
        };
        for epoch in 1..=3 {
            observer.observe(&Event::Epoch {
                unit: Unit::Seed,
                index: 1,
                metrics: EpochMetrics {
                    epoch,
                    train_loss: 1.0,
                    train_accuracy: 0.5,
                    validation_loss: None,
                    validation_accuracy: None,
                    ms: 1.0,
                },
            });
        }
        Silent.observe(&Event::Note("ignored"));
        assert_eq!(epochs, [1, 2, 3]);
    }
}
