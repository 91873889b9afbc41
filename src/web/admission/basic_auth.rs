//! `basic_auth_users`: `Authorization: Basic` checked against bcrypt hashes the way the
//! exporter-toolkit checks it.
//!
//! - An unknown user is compared against a fixed hash of "fakepassword" (cost 10), so the
//!   answer takes as long as for a known user and does not tell which users exist.
//! - One bcrypt comparison runs at a time (on the blocking pool): a flood of guesses costs
//!   one core at most, never the scrapes' runtime.
//! - Outcomes are remembered, keyed by hex(user):hex(hash):hex(password). The separators
//!   keep two different pairs from sharing a key (CVE-2022-46146), and a remembered success
//!   also requires the user to exist. A changed hash is a new key, so nothing stale is
//!   trusted after the file changes.
//! - bcrypt compares only a password's first 72 bytes; a longer password is refused, so
//!   that no guess is admitted for sharing a long password's first 72 bytes.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use base64::Engine as _;

use crate::common::{hex, lock};

/// bcrypt("fakepassword", cost 10): the toolkit's stand-in for unknown users.
pub(super) const FAKE_HASH: &str = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";
/// The longest password bcrypt compares whole.
const BCRYPT_MAX_PASSWORD: usize = 72;
/// Outcomes remembered; when full, a tenth (and one) are forgotten, as the toolkit does.
pub(super) const CACHE_SIZE: usize = 100;

/// The remembered outcomes and the one-at-a-time bcrypt turn.
#[derive(Default)]
pub(crate) struct BasicAuth {
    outcomes: Mutex<HashMap<String, bool>>,
    bcrypt_turn: tokio::sync::Mutex<()>,
}

impl BasicAuth {
    /// True when `authorization` (the header's value) names a user of `users` with the
    /// right password.
    pub(crate) async fn admits(
        &self,
        users: &BTreeMap<String, String>,
        authorization: Option<&str>,
    ) -> bool {
        let Some((user, password)) = authorization.and_then(credentials) else {
            return false;
        };
        let (hash, known) = match users.get(&user) {
            Some(hash) => (hash.clone(), true),
            None => (FAKE_HASH.to_string(), false),
        };
        let key = cache_key(&user, &hash, &password);
        if let Some(&outcome) = self.lock().get(&key) {
            return outcome;
        }
        let _turn = self.bcrypt_turn.lock().await;
        let matches = tokio::task::spawn_blocking(move || {
            // bcrypt reads only a password's first 72 bytes; a longer one cannot be told
            // from its prefix, so it is refused rather than compared truncated.
            password.len() <= BCRYPT_MAX_PASSWORD
                && bcrypt::verify(password.as_bytes(), &hash).unwrap_or(false)
        })
        .await
        .unwrap_or(false);
        let outcome = known && matches;
        self.remember(key, outcome);
        outcome
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, bool>> {
        // The map is valid after any panic elsewhere; keep using it.
        lock(&self.outcomes)
    }

    fn remember(&self, key: String, outcome: bool) {
        let mut outcomes = self.lock();
        if outcomes.len() >= CACHE_SIZE {
            let forget: Vec<String> = outcomes
                .keys()
                .take(outcomes.len() / 10 + 1)
                .cloned()
                .collect();
            for key in forget {
                outcomes.remove(&key);
            }
        }
        outcomes.insert(key, outcome);
    }

    /// How many outcomes are remembered (for tests).
    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.lock().len()
    }
}

/// The cache key: each part hex-encoded, so `:` cannot occur inside one.
pub(super) fn cache_key(user: &str, hash: &str, password: &str) -> String {
    format!(
        "{}:{}:{}",
        hex(user.as_bytes()),
        hex(hash.as_bytes()),
        hex(password.as_bytes())
    )
}

/// The user and password of an `Authorization: Basic …` value, as Go's
/// `Request.BasicAuth` reads it (scheme case-insensitive, split at the first colon).
pub(crate) fn credentials(authorization: &str) -> Option<(String, String)> {
    let (scheme, encoded) = authorization.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user_password: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user_password)
        )
    }

    #[test]
    fn credentials_as_go_reads_them() {
        assert_eq!(
            credentials(&basic("alice:a:b")),
            Some(("alice".into(), "a:b".into()))
        );
        assert_eq!(
            credentials(&basic("alice:")),
            Some(("alice".into(), String::new()))
        );
        assert_eq!(credentials(&basic("alice")), None);
        assert_eq!(
            credentials("bAsIc YWxpY2U6eA=="),
            Some(("alice".into(), "x".into()))
        );
        assert_eq!(credentials("Bearer YWxpY2U6eA=="), None);
        assert_eq!(credentials("Basic !!!"), None);
    }

    #[test]
    fn separators_keep_keys_apart() {
        // CVE-2022-46146: without separators these two pairs shared one key.
        let first = cache_key("alice$2y$10$x", "$2y$10$fake", "fakepassword");
        let second = cache_key("alice", "$2y$10$x$2y$10$fake", "fakepassword");
        assert_ne!(first, second);
    }

    #[tokio::test]
    async fn the_fake_hash_never_admits_and_the_cache_stays_bounded() {
        let auth = BasicAuth::default();
        let users = BTreeMap::from([("alice".to_string(), bcrypt::hash("alice123", 4).unwrap())]);
        assert!(auth.admits(&users, Some(&basic("alice:alice123"))).await);
        assert!(!auth.admits(&users, Some(&basic("alice:wrong"))).await);
        // The fake hash's own password must not let an unknown user in.
        assert!(
            !auth
                .admits(&users, Some(&basic("mallory:fakepassword")))
                .await
        );
        assert!(!auth.admits(&users, None).await);
        assert_eq!(auth.remembered(), 3);
        assert!(auth.admits(&users, Some(&basic("alice:alice123"))).await);
    }

    #[tokio::test]
    async fn a_password_longer_than_bcrypt_reads_is_refused() {
        let auth = BasicAuth::default();
        let long = "p".repeat(72);
        let users = BTreeMap::from([("alice".to_string(), bcrypt::hash(&long, 4).unwrap())]);
        assert!(
            auth.admits(&users, Some(&basic(&format!("alice:{long}"))))
                .await
        );
        // Truncated, this guess would compare equal (fuzz/regressions/authorization/).
        let guess = format!("alice:{long}anything");
        assert!(!auth.admits(&users, Some(&basic(&guess))).await);
    }

    #[test]
    fn a_full_cache_forgets_a_tenth_and_one() {
        let auth = BasicAuth::default();
        for i in 0..=CACHE_SIZE {
            auth.remember(format!("k{i}"), false);
        }
        assert_eq!(auth.remembered(), 90);
    }
}
