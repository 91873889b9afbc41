//! `promtool check metrics` (Debian's prometheus package) as the judge of every
//! exposition the tests produce.

use std::io::Write;
use std::process::{Command, Stdio};

/// Panics unless promtool accepts `exposition` without a single complaint.
pub fn check_metrics(exposition: &str) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run promtool ({e}): install Debian's prometheus package (tests/run.sh does)"
            )
        });
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(exposition.as_bytes())
        .expect("write to promtool");
    let output = child.wait_with_output().expect("promtool finishes");
    let complaints = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && complaints.trim().is_empty(),
        "promtool check metrics: {:?}\n{complaints}\n--- exposition ---\n{exposition}",
        output.status
    );
}
