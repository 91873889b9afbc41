//! The one-shot stats answer (`GET /containers/{id}/stats?stream=false&one-shot=true`) as a
//! lean wire model: exactly the fields `collect/stats.rs` reads of a Linux (cgroup v1 or v2)
//! or Windows record, and nothing else.
//!
//! - Every field is a [`Field`]: absent (or null), read, or there but unreadable. A value
//!   of the wrong shape costs only that field (and what is computed from it), never the
//!   record. Unknown fields are skipped unread, so they cost no allocation and cannot sink
//!   the record: `precpu_stats`, `percpu_usage`, `memory_stats.limit`, `num_procs`,
//!   `name`, `id`.
//! - `memory_stats.stats`, a map of some thirty counters, becomes [`MemoryStatKeys`]: the
//!   nine keys the converter reads, and whether any of cgroup v1's hierarchical `total_*`
//!   keys was there (read or not), which is how the layout is told. Other keys are skipped
//!   whatever their value; a null value is no value.
//! - `networks`, a map keyed by interface name (Windows: endpoint GUID), becomes the list of
//!   its interfaces' counters: nothing reads the names. A null interface is none.
//! - `read` is only ever compared with Go's zero time (anything else, readable or not,
//!   is a running container's record), `os_type` is read into [`OsType`] and a blkio
//!   entry's `op` into [`BlkioOp`] (in any case: cgroup v1 writes `Read`, v2 `read`), so
//!   no string of the answer is kept.
//!
//! The cgroup stats source (`collect/source/`) builds the same model from cgroupfs.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};

use super::answers::OsType;
use super::field::{Field, Lenient, lenient_object};

/// The `read` time of a record the engine zeroed because the container is not running.
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// What the exporter reads of one stats answer.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct StatsAnswer {
    /// `read` is Go's zero time: the engine zeroed the record, the container is not
    /// running.
    #[serde(rename = "read", deserialize_with = "zeroed")]
    pub(crate) zeroed: bool,
    /// The record's own OS (API 1.52 and later).
    pub(crate) os_type: Field<OsType>,
    pub(crate) cpu_stats: Field<CpuStats>,
    pub(crate) memory_stats: Field<MemoryStats>,
    /// One entry per interface; absent for a container without networking.
    pub(crate) networks: Field<Interfaces>,
    pub(crate) blkio_stats: Field<BlkioStats>,
    pub(crate) pids_stats: Field<PidsStats>,
    /// Windows only.
    pub(crate) storage_stats: Field<StorageStats>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct CpuStats {
    pub(crate) cpu_usage: Field<CpuUsage>,
    pub(crate) throttling_data: Field<Throttling>,
}

/// CPU time: nanoseconds on Linux, 100 ns units on Windows.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct CpuUsage {
    pub(crate) total_usage: Field<u64>,
    pub(crate) usage_in_usermode: Field<u64>,
    pub(crate) usage_in_kernelmode: Field<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct Throttling {
    pub(crate) periods: Field<u64>,
    pub(crate) throttled_periods: Field<u64>,
    pub(crate) throttled_time: Field<u64>,
}

/// Linux: `usage`, `max_usage`, `failcnt`, `stats`; Windows: the `commit*` and
/// `privateworkingset` figures.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct MemoryStats {
    pub(crate) usage: Field<u64>,
    pub(crate) max_usage: Field<u64>,
    pub(crate) failcnt: Field<u64>,
    pub(crate) stats: Field<MemoryStatKeys>,
    pub(crate) commitbytes: Field<u64>,
    pub(crate) commitpeakbytes: Field<u64>,
    pub(crate) privateworkingset: Field<u64>,
}

/// The keys of `memory_stats.stats` the converter reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MemoryStatKeys {
    /// Some key was one of cgroup v1's hierarchical `total_*` ones; cgroup v2 writes none.
    pub(crate) hierarchical: bool,
    pub(crate) total_rss: Field<u64>,
    pub(crate) total_cache: Field<u64>,
    pub(crate) total_swap: Field<u64>,
    pub(crate) total_mapped_file: Field<u64>,
    pub(crate) total_inactive_file: Field<u64>,
    pub(crate) anon: Field<u64>,
    pub(crate) file: Field<u64>,
    pub(crate) file_mapped: Field<u64>,
    pub(crate) inactive_file: Field<u64>,
}

/// Where a key's value goes in [`MemoryStatKeys`].
type StatSlot = fn(&mut MemoryStatKeys) -> &mut Field<u64>;

impl MemoryStatKeys {
    /// Records key `name` with `value`, as the engine's map would hold it.
    pub(crate) fn insert(&mut self, name: &str, value: Field<u64>) {
        let (slot, hierarchical) = stat_slot(name);
        self.hierarchical |= hierarchical;
        if let Some(slot) = slot {
            *slot(self) = value;
        }
    }
}

/// The slot of key `name`, if it is read, and whether it is a hierarchical (`total_*`) key.
fn stat_slot(name: &str) -> (Option<StatSlot>, bool) {
    let slot: Option<StatSlot> = match name {
        "total_rss" => Some(|k| &mut k.total_rss),
        "total_cache" => Some(|k| &mut k.total_cache),
        "total_swap" => Some(|k| &mut k.total_swap),
        "total_mapped_file" => Some(|k| &mut k.total_mapped_file),
        "total_inactive_file" => Some(|k| &mut k.total_inactive_file),
        "anon" => Some(|k| &mut k.anon),
        "file" => Some(|k| &mut k.file),
        "file_mapped" => Some(|k| &mut k.file_mapped),
        "inactive_file" => Some(|k| &mut k.inactive_file),
        _ => None,
    };
    (slot, name.starts_with("total_"))
}

/// `memory_stats.stats`: the keys read into their slots, the others skipped whatever
/// their value.
impl<'de> Lenient<'de> for MemoryStatKeys {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        let mut keys = MemoryStatKeys::default();
        while let Some(Key(slot, hierarchical)) = map.next_key()? {
            keys.hierarchical |= hierarchical;
            match slot {
                Some(slot) => *slot(&mut keys) = map.next_value()?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Some(keys))
    }
}

/// A key of `memory_stats.stats`, seen as its slot without being kept.
struct Key(Option<StatSlot>, bool);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl Visitor<'_> for KeyVisitor {
            type Value = Key;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a counter's name")
            }

            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Key, E> {
                let (slot, hierarchical) = stat_slot(name);
                Ok(Key(slot, hierarchical))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

/// One interface's counters.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct InterfaceStats {
    pub(crate) rx_bytes: Field<u64>,
    pub(crate) rx_packets: Field<u64>,
    pub(crate) rx_errors: Field<u64>,
    pub(crate) rx_dropped: Field<u64>,
    pub(crate) tx_bytes: Field<u64>,
    pub(crate) tx_packets: Field<u64>,
    pub(crate) tx_errors: Field<u64>,
    pub(crate) tx_dropped: Field<u64>,
}

/// Linux block I/O; Windows answers every list null.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct BlkioStats {
    pub(crate) io_service_bytes_recursive: Field<Vec<Field<BlkioEntry>>>,
    pub(crate) io_serviced_recursive: Field<Vec<Field<BlkioEntry>>>,
}

/// One entry of a blkio list (its device is not read).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct BlkioEntry {
    pub(crate) op: Field<BlkioOp>,
    pub(crate) value: Field<u64>,
}

/// A blkio entry's operation, as far as it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlkioOp {
    Read,
    Write,
    /// `Sync`, `Async`, `Discard`, `Total`, …
    Other,
}

impl BlkioOp {
    /// `Read` or `read` is a read, and likewise writes; anything else is another op.
    pub(crate) fn from_name(name: &str) -> BlkioOp {
        if name.eq_ignore_ascii_case("read") {
            BlkioOp::Read
        } else if name.eq_ignore_ascii_case("write") {
            BlkioOp::Write
        } else {
            BlkioOp::Other
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct PidsStats {
    pub(crate) current: Field<u64>,
    pub(crate) limit: Field<u64>,
}

/// Windows only.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct StorageStats {
    pub(crate) read_count_normalized: Field<u64>,
    pub(crate) read_size_bytes: Field<u64>,
    pub(crate) write_count_normalized: Field<u64>,
    pub(crate) write_size_bytes: Field<u64>,
}

impl Lenient<'_> for OsType {
    fn from_str(text: &str) -> Option<OsType> {
        Some(OsType::from_engine_name(text))
    }
}

impl Lenient<'_> for BlkioOp {
    fn from_str(text: &str) -> Option<BlkioOp> {
        Some(BlkioOp::from_name(text))
    }
}

/// `read`: whether it is Go's zero time.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ZeroTime(bool);

impl Lenient<'_> for ZeroTime {
    fn from_str(text: &str) -> Option<ZeroTime> {
        Some(ZeroTime(text == ZERO_TIME))
    }
}

/// `read`: true only for Go's zero time.
fn zeroed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(Field::<ZeroTime>::deserialize(deserializer)?
        .value()
        .is_some_and(|time| time.0))
}

/// `networks`: its interfaces' counters in a list, null interfaces left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Interfaces(pub(crate) Vec<Field<InterfaceStats>>);

impl<'de> Lenient<'de> for Interfaces {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        let mut list = Vec::with_capacity(map.size_hint().unwrap_or(1).min(16));
        while map.next_key::<IgnoredAny>()?.is_some() {
            match map.next_value::<Field<InterfaceStats>>()? {
                Field::Absent => {}
                interface => list.push(interface),
            }
        }
        Ok(Some(Interfaces(list)))
    }
}

lenient_object!(
    CpuStats,
    CpuUsage,
    Throttling,
    MemoryStats,
    InterfaceStats,
    BlkioStats,
    BlkioEntry,
    PidsStats,
    StorageStats,
);

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(json: &str) -> MemoryStatKeys {
        serde_json::from_str::<Field<MemoryStatKeys>>(json)
            .unwrap()
            .value()
            .unwrap()
    }

    #[test]
    fn memory_keys_the_converter_reads_and_the_layout_from_any_total_key() {
        let stats = keys(
            r#"{"total_pgfault": 9, "rss": 1, "anon": 2, "file": null, "inactive_file": 4, "x": "y"}"#,
        );
        assert_eq!(
            stats,
            MemoryStatKeys {
                hierarchical: true,
                anon: Field::Read(2),
                inactive_file: Field::Read(4),
                ..MemoryStatKeys::default()
            }
        );
        let mut built = MemoryStatKeys::default();
        built.insert("inactive_file", Field::Read(4));
        built.insert("anon", Field::Read(2));
        built.insert("total_pgfault", Field::Read(9));
        assert_eq!(built, stats);
    }

    #[test]
    fn escaped_keys_and_text_are_read_as_the_text_they_stand_for() {
        let stats = keys(r#"{"tot\u0061l_rss": 7}"#);
        assert_eq!(stats.total_rss, Field::Read(7));
        assert!(stats.hierarchical);
        let answer: StatsAnswer =
            serde_json::from_str(r#"{"read": "0001-01-01T00:00:00\u005a", "os_type": "Windows"}"#)
                .unwrap();
        assert!(answer.zeroed);
        assert_eq!(answer.os_type, Field::Read(OsType::Windows));
    }

    #[test]
    fn a_field_of_the_wrong_shape_is_unreadable_and_its_neighbours_are_read() {
        let answer: StatsAnswer = serde_json::from_str(
            r#"{"read": 1, "os_type": 7,
                "cpu_stats": {"cpu_usage": {"total_usage": -1, "usage_in_usermode": 5}},
                "memory_stats": {"usage": "1", "stats": {"total_rss": 1.5, "total_cache": 3}},
                "networks": {"eth0": {"rx_bytes": 18446744073709551616, "tx_bytes": 2}, "eth1": []},
                "blkio_stats": {"io_service_bytes_recursive": [{"op": 1, "value": 2}, "x"],
                                "io_serviced_recursive": {}},
                "pids_stats": {"current": true, "limit": 9}}"#,
        )
        .unwrap();
        assert!(!answer.zeroed, "an unreadable time is not Go's zero time");
        assert_eq!(answer.os_type, Field::Unreadable);
        let usage = answer.cpu_stats.get().unwrap().cpu_usage.get().unwrap();
        assert_eq!(usage.total_usage, Field::Unreadable);
        assert_eq!(usage.usage_in_usermode, Field::Read(5));
        let memory = answer.memory_stats.get().unwrap();
        assert_eq!(memory.usage, Field::Unreadable);
        let stats = memory.stats.get().unwrap();
        assert_eq!(
            (stats.total_rss, stats.total_cache),
            (Field::Unreadable, Field::Read(3))
        );
        let interfaces = &answer.networks.get().unwrap().0;
        let eth0 = interfaces[0].get().unwrap();
        assert_eq!(
            (eth0.rx_bytes, eth0.tx_bytes),
            (Field::Unreadable, Field::Read(2))
        );
        assert_eq!(interfaces[1], Field::Unreadable);
        let blkio = answer.blkio_stats.get().unwrap();
        let entries = blkio.io_service_bytes_recursive.get().unwrap();
        assert_eq!(entries[0].get().unwrap().op, Field::Unreadable);
        assert_eq!(entries[0].get().unwrap().value, Field::Read(2));
        assert_eq!(entries[1], Field::Unreadable);
        assert_eq!(blkio.io_serviced_recursive, Field::Unreadable);
        let pids = answer.pids_stats.get().unwrap();
        assert_eq!(
            (pids.current, pids.limit),
            (Field::Unreadable, Field::Read(9))
        );
    }

    #[test]
    fn only_malformed_json_loses_the_answer() {
        for json in [
            r#"{"read": "#,
            r#"{"networks": {"eth0": {"rx_bytes": 1,}}}"#,
        ] {
            assert!(serde_json::from_str::<StatsAnswer>(json).is_err(), "{json}");
        }
        for json in [r#"{"networks": []}"#, r#"{"cpu_stats": "busy"}"#, "{}"] {
            assert!(serde_json::from_str::<StatsAnswer>(json).is_ok(), "{json}");
        }
    }
}
