//! The HTTP routes of the emulator, one module per API. The public APIs pass the
//! [gate](crate::gate) and act on the [world](crate::world) through the rules modules; the
//! control API under `/_emulator/` drives the world directly.

mod body;
pub(crate) mod cdp;
pub(crate) mod control;
pub(crate) mod providers;
pub(crate) mod webhooks;
