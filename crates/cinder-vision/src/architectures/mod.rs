//! The CNN architectures, one per file (module names follow the checkpoints' key names), their
//! shared backbone enum and classifier heads.

pub mod architecture;
pub mod backbone;
pub mod head;
pub mod inception;
pub mod mobilenet;
pub mod resnet;
pub mod small;
pub mod vgg;
pub mod xception;
