//! A network namespace's interface counters from `/proc/<pid>/net/dev`, as the engine's
//! `networks` map: one entry per interface but the loopback, which the engine does not
//! report. A namespace with no other interface (`--network none`) gives no map, so no
//! network series, as the API.
//!
//! The columns are the kernel's (`dev_seq_printf_stats`): receive bytes, packets, errs,
//! drop, fifo, frame, compressed, multicast; transmit bytes, packets, errs, drop, fifo,
//! colls, carrier, compressed. The receive `drop` column adds `rx_missed_errors` to
//! `rx_dropped`, which the engine's netlink read keeps apart; veth devices never count
//! missed errors, so the two agree for containers.

use crate::engine::{Field, InterfaceStats, Interfaces};

/// The interfaces of `text` (the file's content) but `lo`, in the file's order; absent
/// when there are none.
pub(super) fn parse(text: &str) -> Field<Interfaces> {
    let mut interfaces = Vec::new();
    for line in text.lines().skip(2) {
        let Some((name, counters)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        let counters: Vec<u64> = counters
            .split_whitespace()
            .filter_map(|c| c.parse().ok())
            .collect();
        if name == "lo" || counters.len() < 16 {
            continue;
        }
        interfaces.push(Field::Read(InterfaceStats {
            rx_bytes: Field::Read(counters[0]),
            rx_packets: Field::Read(counters[1]),
            rx_errors: Field::Read(counters[2]),
            rx_dropped: Field::Read(counters[3]),
            tx_bytes: Field::Read(counters[8]),
            tx_packets: Field::Read(counters[9]),
            tx_errors: Field::Read(counters[10]),
            tx_dropped: Field::Read(counters[11]),
        }));
    }
    if interfaces.is_empty() {
        Field::Absent
    } else {
        Field::Read(Interfaces(interfaces))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from a test container on two networks (Debian 12's kernel).
    const NET_DEV: &str = "Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:       7       1    0    0    0     0          0         0        7       1    0    0    0     0       0          0
  eth0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
  eth1:    1859      24    1    2    0     0          0         0    40525      14    3    4    0     0       0          0
";

    #[test]
    fn every_interface_but_the_loopback() {
        let interfaces = parse(NET_DEV).value().unwrap().0;
        assert_eq!(interfaces.len(), 2);
        // eth0, then eth1.
        let eth1 = interfaces[1].get().unwrap();
        assert_eq!(
            (
                eth1.rx_bytes,
                eth1.rx_packets,
                eth1.rx_errors,
                eth1.rx_dropped
            ),
            (
                Field::Read(1859),
                Field::Read(24),
                Field::Read(1),
                Field::Read(2)
            )
        );
        assert_eq!(
            (
                eth1.tx_bytes,
                eth1.tx_packets,
                eth1.tx_errors,
                eth1.tx_dropped
            ),
            (
                Field::Read(40525),
                Field::Read(14),
                Field::Read(3),
                Field::Read(4)
            )
        );
    }

    #[test]
    fn only_a_loopback_is_no_network() {
        let none: String = NET_DEV.lines().take(3).map(|l| format!("{l}\n")).collect();
        assert_eq!(parse(&none), Field::Absent);
        assert_eq!(parse(""), Field::Absent);
    }
}
