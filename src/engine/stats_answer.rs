//! The one-shot stats answer (`GET /containers/{id}/stats?stream=false&one-shot=true`) as a
//! lean wire model: exactly the fields `collect/stats.rs` reads of a Linux (cgroup v1 or v2)
//! or Windows record, and nothing else.
//!
//! - Every field is optional and a null is a missing field. Unknown fields are skipped
//!   unread, so they cost no allocation and cannot sink the record: `precpu_stats`,
//!   `percpu_usage`, `memory_stats.limit`, `num_procs`, `name`, `id`.
//! - `memory_stats.stats`, a map of some thirty counters, becomes [`MemoryStatKeys`]: the
//!   nine keys the converter reads, and whether any of cgroup v1's hierarchical `total_*`
//!   keys was there (read or not), which is how the layout is told. Other keys are skipped
//!   whatever their value; a null value is no value.
//! - `networks`, a map keyed by interface name (Windows: endpoint GUID), becomes the list of
//!   its interfaces' counters: nothing reads the names. A null interface is none.
//! - `read` is only ever compared with Go's zero time, `os_type` is read into [`OsType`]
//!   and a blkio entry's `op` into [`BlkioOp`] (in any case: cgroup v1 writes `Read`, v2
//!   `read`), so no string of the answer is kept.
//!
//! The cgroup stats source (`collect/source/`) builds the same model from cgroupfs.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};

use super::answers::OsType;

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
    #[serde(deserialize_with = "text")]
    pub(crate) os_type: Option<OsType>,
    pub(crate) cpu_stats: Option<CpuStats>,
    pub(crate) memory_stats: Option<MemoryStats>,
    /// One entry per interface; absent for a container without networking.
    #[serde(deserialize_with = "interfaces")]
    pub(crate) networks: Option<Vec<InterfaceStats>>,
    pub(crate) blkio_stats: Option<BlkioStats>,
    pub(crate) pids_stats: Option<PidsStats>,
    /// Windows only.
    pub(crate) storage_stats: Option<StorageStats>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct CpuStats {
    pub(crate) cpu_usage: Option<CpuUsage>,
    pub(crate) throttling_data: Option<Throttling>,
}

/// CPU time: nanoseconds on Linux, 100 ns units on Windows.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct CpuUsage {
    pub(crate) total_usage: Option<u64>,
    pub(crate) usage_in_usermode: Option<u64>,
    pub(crate) usage_in_kernelmode: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct Throttling {
    pub(crate) periods: Option<u64>,
    pub(crate) throttled_periods: Option<u64>,
    pub(crate) throttled_time: Option<u64>,
}

/// Linux: `usage`, `max_usage`, `failcnt`, `stats`; Windows: the `commit*` and
/// `privateworkingset` figures.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct MemoryStats {
    pub(crate) usage: Option<u64>,
    pub(crate) max_usage: Option<u64>,
    pub(crate) failcnt: Option<u64>,
    pub(crate) stats: Option<MemoryStatKeys>,
    pub(crate) commitbytes: Option<u64>,
    pub(crate) commitpeakbytes: Option<u64>,
    pub(crate) privateworkingset: Option<u64>,
}

/// The keys of `memory_stats.stats` the converter reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MemoryStatKeys {
    /// Some key was one of cgroup v1's hierarchical `total_*` ones; cgroup v2 writes none.
    pub(crate) hierarchical: bool,
    pub(crate) total_rss: Option<u64>,
    pub(crate) total_cache: Option<u64>,
    pub(crate) total_swap: Option<u64>,
    pub(crate) total_mapped_file: Option<u64>,
    pub(crate) total_inactive_file: Option<u64>,
    pub(crate) anon: Option<u64>,
    pub(crate) file: Option<u64>,
    pub(crate) file_mapped: Option<u64>,
    pub(crate) inactive_file: Option<u64>,
}

/// Where a key's value goes in [`MemoryStatKeys`].
type StatSlot = fn(&mut MemoryStatKeys) -> &mut Option<u64>;

impl MemoryStatKeys {
    /// Records key `name` with `value`, as the engine's map would hold it.
    pub(crate) fn insert(&mut self, name: &str, value: Option<u64>) {
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

impl<'de> Deserialize<'de> for MemoryStatKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// A key, seen without being kept.
        struct Key(Option<StatSlot>, bool);

        impl<'de> Deserialize<'de> for Key {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer
                    .deserialize_str(ByText::<Key>(PhantomData))
                    .map(|key| key.0)
            }
        }

        impl FromText for Key {
            fn from_text(text: &str) -> Key {
                let (slot, hierarchical) = stat_slot(text);
                Key(slot, hierarchical)
            }
        }

        struct Keys;

        impl<'de> Visitor<'de> for Keys {
            type Value = MemoryStatKeys;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of memory counters")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
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
                Ok(keys)
            }
        }

        deserializer.deserialize_map(Keys)
    }
}

/// One interface's counters.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct InterfaceStats {
    pub(crate) rx_bytes: Option<u64>,
    pub(crate) rx_packets: Option<u64>,
    pub(crate) rx_errors: Option<u64>,
    pub(crate) rx_dropped: Option<u64>,
    pub(crate) tx_bytes: Option<u64>,
    pub(crate) tx_packets: Option<u64>,
    pub(crate) tx_errors: Option<u64>,
    pub(crate) tx_dropped: Option<u64>,
}

/// Linux block I/O; Windows answers every list null.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct BlkioStats {
    pub(crate) io_service_bytes_recursive: Option<Vec<BlkioEntry>>,
    pub(crate) io_serviced_recursive: Option<Vec<BlkioEntry>>,
}

/// One entry of a blkio list (its device is not read).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct BlkioEntry {
    #[serde(deserialize_with = "text")]
    pub(crate) op: Option<BlkioOp>,
    pub(crate) value: Option<u64>,
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
    pub(crate) current: Option<u64>,
    pub(crate) limit: Option<u64>,
}

/// Windows only.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct StorageStats {
    pub(crate) read_count_normalized: Option<u64>,
    pub(crate) read_size_bytes: Option<u64>,
    pub(crate) write_count_normalized: Option<u64>,
    pub(crate) write_size_bytes: Option<u64>,
}

/// A value read from a JSON string without keeping the string.
trait FromText: Sized {
    fn from_text(text: &str) -> Self;
}

impl FromText for OsType {
    fn from_text(text: &str) -> OsType {
        OsType::from_engine_name(text)
    }
}

impl FromText for BlkioOp {
    fn from_text(text: &str) -> BlkioOp {
        BlkioOp::from_name(text)
    }
}

/// Go's zero time, or another.
struct ZeroTime(bool);

impl FromText for ZeroTime {
    fn from_text(text: &str) -> ZeroTime {
        ZeroTime(text == ZERO_TIME)
    }
}

/// Visits a string, borrowed or not, into `T`.
struct ByText<T>(PhantomData<T>);

impl<T: FromText> Visitor<'_> for ByText<T> {
    type Value = ByTextValue<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(ByTextValue(T::from_text(text)))
    }
}

/// What [`ByText`] read.
struct ByTextValue<T>(T);

impl<'de, T: FromText> Deserialize<'de> for ByTextValue<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(ByText(PhantomData))
    }
}

/// An optional string field read through [`FromText`].
fn text<'de, D: Deserializer<'de>, T: FromText>(deserializer: D) -> Result<Option<T>, D::Error> {
    Ok(Option::<ByTextValue<T>>::deserialize(deserializer)?.map(|value| value.0))
}

/// `read`: true only for Go's zero time.
fn zeroed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(text::<D, ZeroTime>(deserializer)?.is_some_and(|time| time.0))
}

/// `networks`: the map's values in a list, null interfaces left out.
fn interfaces<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<InterfaceStats>>, D::Error> {
    struct Interfaces(Vec<InterfaceStats>);

    impl<'de> Deserialize<'de> for Interfaces {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_map(Values)
        }
    }

    struct Values;

    impl<'de> Visitor<'de> for Values {
        type Value = Interfaces;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map of interfaces")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut list = Vec::with_capacity(map.size_hint().unwrap_or(1).min(16));
            while map.next_key::<IgnoredAny>()?.is_some() {
                if let Some(interface) = map.next_value::<Option<InterfaceStats>>()? {
                    list.push(interface);
                }
            }
            Ok(Interfaces(list))
        }
    }

    Ok(Option::<Interfaces>::deserialize(deserializer)?.map(|interfaces| interfaces.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_keys_the_converter_reads_and_the_layout_from_any_total_key() {
        let stats: MemoryStatKeys = serde_json::from_str(
            r#"{"total_pgfault": 9, "rss": 1, "anon": 2, "file": null, "inactive_file": 4, "x": "y"}"#,
        )
        .unwrap();
        assert_eq!(
            stats,
            MemoryStatKeys {
                hierarchical: true,
                anon: Some(2),
                inactive_file: Some(4),
                ..MemoryStatKeys::default()
            }
        );
        let mut built = MemoryStatKeys::default();
        built.insert("inactive_file", Some(4));
        built.insert("anon", Some(2));
        built.insert("total_pgfault", Some(9));
        assert_eq!(built, stats);
    }

    #[test]
    fn escaped_keys_and_text_are_read_as_the_text_they_stand_for() {
        let stats: MemoryStatKeys = serde_json::from_str(r#"{"tot\u0061l_rss": 7}"#).unwrap();
        assert_eq!(stats.total_rss, Some(7));
        assert!(stats.hierarchical);
        let answer: StatsAnswer =
            serde_json::from_str(r#"{"read": "0001-01-01T00:00:00\u005a", "os_type": "Windows"}"#)
                .unwrap();
        assert!(answer.zeroed);
        assert_eq!(answer.os_type, Some(OsType::Windows));
    }

    #[test]
    fn a_read_field_of_the_wrong_type_is_an_unreadable_answer() {
        for json in [
            r#"{"read": 1}"#,
            r#"{"memory_stats": {"stats": {"total_rss": "1"}}}"#,
            r#"{"networks": {"eth0": {"rx_bytes": -1}}}"#,
            r#"{"networks": []}"#,
        ] {
            assert!(serde_json::from_str::<StatsAnswer>(json).is_err(), "{json}");
        }
    }
}
