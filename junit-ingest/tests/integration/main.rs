//! Integration tests of junit-ingest (one binary; each module is one area).

mod corpus;
mod never_panics;
mod roundtrip;
