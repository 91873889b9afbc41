//! Certificates for the TLS tests, made with Debian's `openssl` for each run: CAs, and
//! certificates they sign with the extensions a test needs (SANs, key usages), with EC
//! (P-256) or RSA keys. Files are `<name>.pem` and `<name>-key.pem` in the given directory.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// The kind of key a certificate gets.
#[derive(Debug, Clone, Copy)]
pub enum Key {
    /// ECDSA on P-256: the ECDHE_ECDSA cipher suites.
    Ec,
    /// RSA 2048: the ECDHE_RSA cipher suites.
    Rsa,
}

impl Key {
    fn new_key_args(self) -> &'static [&'static str] {
        match self {
            Key::Ec => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
            Key::Rsa => &["-newkey", "rsa:2048"],
        }
    }
}

/// Runs `openssl args` in `dir`; panics with its stderr when it fails.
pub fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl (Debian's openssl package)");
    assert!(
        output.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A self-signed CA named `name` (its CN too).
pub fn make_ca(dir: &Path, name: &str) {
    let (cert, key, subject) = (
        format!("{name}.pem"),
        format!("{name}-key.pem"),
        format!("/CN={name}"),
    );
    let mut args = vec!["req", "-x509"];
    args.extend_from_slice(Key::Ec.new_key_args());
    args.extend_from_slice(&[
        "-nodes", "-keyout", &key, "-out", &cert, "-days", "2", "-subj", &subject,
    ]);
    openssl(dir, &args);
}

/// A certificate `name` for `subject` (e.g. `/CN=client`), signed by `ca`, with
/// `extensions` in openssl's extension-file syntax.
pub fn make_certificate(dir: &Path, ca: &str, name: &str, subject: &str, extensions: &str) {
    make_certificate_with(dir, ca, name, subject, extensions, Key::Ec);
}

/// [`make_certificate`] with a `key` of the given kind.
pub fn make_certificate_with(
    dir: &Path,
    ca: &str,
    name: &str,
    subject: &str,
    extensions: &str,
    key: Key,
) {
    let (cert, key_file, csr, ext) = (
        format!("{name}.pem"),
        format!("{name}-key.pem"),
        format!("{name}.csr"),
        format!("{name}.ext"),
    );
    std::fs::write(dir.join(&ext), extensions).unwrap();
    let mut args = vec!["req"];
    args.extend_from_slice(key.new_key_args());
    args.extend_from_slice(&[
        "-nodes", "-keyout", &key_file, "-out", &csr, "-subj", subject,
    ]);
    openssl(dir, &args);
    let (ca_cert, ca_key) = (format!("{ca}.pem"), format!("{ca}-key.pem"));
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca_cert,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-out",
            &cert,
            "-days",
            "2",
            "-extfile",
            &ext,
        ],
    );
}
