//! The `cargo failtale` binary: everything happens in the library.

fn main() -> std::process::ExitCode {
    cargo_failtale::main_with_args(std::env::args_os().collect())
}
