//! Security properties measured rather than assumed: the tamper matrix (what each protection
//! does with damaged and forged messages), ECB leakage (repeated ciphertext blocks on the
//! wire) and replay classification (QoS duplicates vs re-published messages).

pub mod blocks;
pub mod command;
pub mod replay;
pub mod section;
pub mod tamper;
