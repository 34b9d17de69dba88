//! Integration tests of the collect stage (one binary, as the workspace does).

mod common;
mod injection;
mod runs;
mod sshd;
