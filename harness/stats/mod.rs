//! Small-sample statistics for `compare`: Student's t distribution ([`t`]), Welch's test
//! with a minimum effect ([`welch`]) and corrections for many tests at once ([`multiple`]).
//!
//! Hand-written (see [`special`] for why): no statistics crate is in the tree, and these few
//! functions are all `compare` needs. Each is tested against closed forms, printed tables or
//! an independent numerical integration.

pub mod multiple;
pub mod special;
pub mod t;
pub mod welch;

pub use multiple::Correction;
pub use welch::{Sample, Welch};
