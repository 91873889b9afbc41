//! Three small helpers that more than one wing needs. A leaf: it imports nothing of this
//! crate, and holds nothing that knows about Docker, HTTP or metrics.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// `value` trimmed, or `None` when it is missing or blank: an empty setting is unset, as
/// the docker CLI treats it.
pub(crate) fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Lower-case hex, two digits a byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(text, "{b:02x}");
    }
    text
}

/// Locks `mutex`, also after a panic elsewhere poisoned it. Every value kept behind a mutex
/// in this crate is valid between any two statements, so a poisoned one is still usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_values_are_unset() {
        assert_eq!(non_empty(None), None);
        assert_eq!(non_empty(Some(" \t")), None);
        assert_eq!(non_empty(Some(" x ")), Some("x"));
    }

    #[test]
    fn hex_is_two_lower_case_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xab, 0xff]), "000fabff");
        assert_eq!(hex(b""), "");
    }

    #[test]
    fn a_poisoned_mutex_is_still_locked() {
        let mutex = std::sync::Arc::new(Mutex::new(1));
        let poisoner = std::sync::Arc::clone(&mutex);
        let _ = std::thread::spawn(move || {
            let _guard = poisoner.lock().unwrap();
            panic!("poison it");
        })
        .join();
        assert!(mutex.is_poisoned());
        *lock(&mutex) += 1;
        assert_eq!(*lock(&mutex), 2);
    }
}
