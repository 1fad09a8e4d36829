//! The channels-last inference engine: feature maps as `[b·h·w, c]` rows, and the plan that runs a
//! folded ResNet or MobileNet on them.

pub mod channels_last;
pub mod channels_last_plan;
