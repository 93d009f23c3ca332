//! Security properties measured rather than assumed: the tamper matrix (what each protection
//! does with damaged and forged messages), ECB leakage (repeated ciphertext blocks on the
//! wire) and replay classification (QoS duplicates vs re-published messages).

//!
//! The `security` section a run writes is run/security.rs, the `tamper` command cli/tamper.rs:
//! both start from a scenario or flags, which sit above this module.

pub mod blocks;
pub mod replay;
pub mod tamper;
