//! `net_dev`: see `docker_stats_exporter::fuzzing::net_dev` for the input and what must hold.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| docker_stats_exporter::fuzzing::net_dev(data));
