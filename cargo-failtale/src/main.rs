//! The `cargo failtale` binary: everything happens in the library.

/// mimalloc rather than the system allocator: reading a result file makes a
/// few small allocations per test case, and with glibc's allocator those
/// were about a third of the ingest time (see `junit-ingest/benches/ingest.rs`).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cargo_failtale::main_with_args(std::env::args_os().collect())
}
