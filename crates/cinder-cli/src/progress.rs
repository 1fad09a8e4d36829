//! The terminal's progress: an indicatif bar per unit of work (seed run, fold, fine-tuning,
//! embedding), one implementation of cinder-experiment's [`Observer`].

use cinder_experiment::{Event, Observer, Unit};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Progress bars on stderr; `quiet` (under `--json`) hides the bar and the notes.
pub struct ProgressBars {
    bar: ProgressBar,
    quiet: bool,
    notes: bool,
}

impl ProgressBars {
    /// A hidden bar when `quiet`, else one drawn on stderr.
    pub fn new(quiet: bool) -> Self {
        let bar = if quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        };
        Self {
            bar,
            quiet,
            notes: true,
        }
    }

    /// Shows the computation's notes ([`Event::Note`]) on stdout or not (they are shown unless
    /// quiet).
    pub fn with_notes(mut self, notes: bool) -> Self {
        self.notes = notes;
        self
    }

    /// Prints `line` on stdout above the bar (unless quiet).
    pub fn say(&self, line: &str) {
        if !self.quiet {
            self.bar.suspend(|| println!("{line}"));
        }
    }

    fn style(&self, unit: Unit) {
        let template = match unit {
            Unit::Embedding => "{prefix} [{bar:30}] {pos}/{len} images ({per_sec}, eta {eta})",
            _ => "{prefix} [{bar:30}] epoch {pos}/{len} {msg}",
        };
        self.bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
    }
}

impl Observer for ProgressBars {
    fn observe(&mut self, event: &Event<'_>) {
        match event {
            Event::Started {
                unit,
                index,
                count,
                steps,
                label,
            } => {
                self.style(*unit);
                self.bar.reset();
                self.bar.set_length(*steps as u64);
                self.bar
                    .set_prefix(if *count > 1 && !label.starts_with(unit.name()) {
                        format!("{} {index}/{count} ({label})", unit.name())
                    } else {
                        (*label).to_string()
                    });
            }
            Event::Epoch { metrics, .. } => {
                self.bar.set_position(metrics.epoch as u64);
                let mut message = format!("loss {:.3}", metrics.train_loss);
                if let Some(accuracy) = metrics.validation_accuracy {
                    message.push_str(&format!(" val acc {accuracy:.3}"));
                }
                self.bar.set_message(message);
            }
            Event::Items { done, total } => {
                self.bar.set_length(*total as u64);
                self.bar.set_position(*done as u64);
            }
            Event::Note(line) if self.notes => self.say(line),
            Event::Note(_) => {}
            Event::Finished { .. } => {}
        }
    }
}

impl Drop for ProgressBars {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
