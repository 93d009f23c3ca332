//! The `keygen` and `center` commands.
