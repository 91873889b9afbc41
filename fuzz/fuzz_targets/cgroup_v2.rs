//! `cgroup_v2`: see `docker_stats_exporter::fuzzing::cgroup_v2` for the input and what must hold.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| docker_stats_exporter::fuzzing::cgroup_v2(data));
