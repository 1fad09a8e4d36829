//! Where data comes from: registered names, `CINDER_DATA` locations, checksummed downloads,
//! and opening any path by its detected format.

pub(crate) mod download;
pub(crate) mod location;
pub(crate) mod open;
pub(crate) mod registry;
