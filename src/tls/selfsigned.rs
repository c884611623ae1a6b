//! `--tls-self-signed DIR`: a CA and a server certificate it signed, for
//! localhost, 127.0.0.1, ::1 and every `--tls-san`, kept in DIR as
//! `ca.pem`, `cert.pem` and `key.pem` (the key mode 0600, each file written
//! to a temporary name and renamed, so a reader never sees half a file).
//! They are reused while they verify as a client would check them: the
//! certificate chains to `ca.pem`, covers every name asked for and is valid
//! a day from now; otherwise all three are made anew.
//!
//! Rationale: the CA's key is not kept (nothing can mint more certificates
//! that clients trusting `ca.pem` accept); the price is a new `ca.pem`
//! whenever the names change, which the start-up log says.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use time::OffsetDateTime;

pub const CA_FILE: &str = "ca.pem";
const CERT_FILE: &str = "cert.pem";
const KEY_FILE: &str = "key.pem";
/// The names every generated certificate covers.
const ALWAYS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// How long a generated certificate is valid (825 days: the most Apple's
/// clients accept for a server certificate).
const VALID_DAYS: i64 = 825;
/// A certificate that expires sooner than this is made anew.
const MARGIN: Duration = Duration::from_secs(24 * 3600);

/// The certificate and key to serve, and what the log says about them.
pub struct Ready {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    pub note: String,
}

/// Whether DIR's files can be served as they are.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Reuse,
    /// Why not (for the log).
    Regenerate(String),
}

/// The names asked for: the three loopback names, then each `--tls-san`
/// (lowercase, once each).
pub fn wanted_names(sans: &[String]) -> Vec<String> {
    let mut names: Vec<String> = ALWAYS.iter().map(|n| (*n).to_owned()).collect();
    for san in sans {
        let san = san.trim().trim_start_matches('[').trim_end_matches(']');
        let san = san.to_ascii_lowercase();
        if !san.is_empty() && !names.contains(&san) {
            names.push(san);
        }
    }
    names
}

/// Reuse when `cert` chains to `ca`, covers every name in `names` and is
/// still valid at `now` plus a day; else why not.
pub fn decide(
    ca: &CertificateDer<'_>,
    cert: &CertificateDer<'_>,
    names: &[String],
    now: UnixTime,
) -> Decision {
    let mut roots = rustls::RootCertStore::empty();
    if roots.add(ca.clone().into_owned()).is_err() {
        return Decision::Regenerate(format!("{CA_FILE} is not a usable CA certificate"));
    }
    let verifier = match rustls::client::WebPkiServerVerifier::builder_with_provider(
        roots.into(),
        super::provider(),
    )
    .build()
    {
        Ok(v) => v,
        Err(e) => return Decision::Regenerate(format!("{CA_FILE} cannot verify: {e}")),
    };
    let later = UnixTime::since_unix_epoch(Duration::from_secs(now.as_secs()) + MARGIN);
    for name in names {
        let Ok(server_name) = ServerName::try_from(name.as_str()) else {
            return Decision::Regenerate(format!("'{name}' is not a DNS name or IP address"));
        };
        if let Err(e) = verifier.verify_server_cert(cert, &[], &server_name, &[], later) {
            return Decision::Regenerate(format!("{CERT_FILE} does not serve {name}: {e}"));
        }
    }
    Decision::Reuse
}

/// DIR's files, reused or made anew (see the module's note).
pub fn ensure(dir: &Path, sans: &[String]) -> Result<Ready, String> {
    let names = wanted_names(sans);
    let ca_file = dir.join(CA_FILE);
    let reason = match existing(dir) {
        Ok((ca, chain, key)) => match decide(&ca, &chain[0], &names, UnixTime::now()) {
            Decision::Reuse => {
                return Ok(Ready {
                    chain,
                    key,
                    note: format!(
                        "HTTPS with the certificate in {} (reused; covers {}): clients trust {}",
                        dir.display(),
                        names.join(", "),
                        ca_file.display()
                    ),
                });
            }
            Decision::Regenerate(reason) => reason,
        },
        Err(reason) => reason,
    };
    let generated = generate(&names)?;
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("--tls-self-signed: cannot create {}: {e}", dir.display()))?;
    write_atomically(&dir.join(KEY_FILE), generated.key_pem.as_bytes(), 0o600)?;
    write_atomically(&dir.join(CERT_FILE), generated.cert_pem.as_bytes(), 0o644)?;
    write_atomically(&ca_file, generated.ca_pem.as_bytes(), 0o644)?;
    let key = PrivateKeyDer::try_from(generated.key_der)
        .map_err(|_| "a generated key could not be read back".to_owned())?;
    Ok(Ready {
        chain: vec![generated.cert_der],
        key,
        note: format!(
            "HTTPS with a new CA and certificate in {} ({reason}; covers {}): clients trust {}",
            dir.display(),
            names.join(", "),
            ca_file.display()
        ),
    })
}

type Existing = (
    CertificateDer<'static>,
    Vec<CertificateDer<'static>>,
    PrivateKeyDer<'static>,
);

/// DIR's three files as certificates and a key, or why they cannot be used.
fn existing(dir: &Path) -> Result<Existing, String> {
    if !dir.join(CERT_FILE).exists() {
        return Err("first start".to_owned());
    }
    let ca = super::pem::chain(&dir.join(CA_FILE))?.remove(0);
    let chain = super::pem::chain(&dir.join(CERT_FILE))?;
    let key = super::pem::key(&dir.join(KEY_FILE))?;
    // A key from another pair: rustls would refuse it later.
    super::server_config(chain.clone(), key.clone_key()).map_err(|e| format!("{KEY_FILE}: {e}"))?;
    Ok((ca, chain, key))
}

struct Generated {
    ca_pem: String,
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    key_pem: String,
    key_der: Vec<u8>,
}

/// A new CA (its key dropped) and a server certificate for `names`.
fn generate(names: &[String]) -> Result<Generated, String> {
    let fail = |e: rcgen::Error| format!("cannot generate a certificate: {e}");
    let now = OffsetDateTime::now_utc();
    let not_before = now - time::Duration::days(1);
    let not_after = now + time::Duration::days(VALID_DAYS);

    let ca_key = KeyPair::generate().map_err(fail)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    ca.distinguished_name
        .push(DnType::CommonName, "crm-connector-mock local CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = not_before;
    ca.not_after = not_after + time::Duration::days(1);
    let ca_cert = ca.self_signed(&ca_key).map_err(fail)?;
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate().map_err(fail)?;
    let mut leaf = CertificateParams::new(names.to_vec()).map_err(fail)?;
    leaf.distinguished_name
        .push(DnType::CommonName, "crm-connector-mock");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.not_before = not_before;
    leaf.not_after = not_after;
    let cert = leaf.signed_by(&key, &issuer).map_err(fail)?;
    Ok(Generated {
        ca_pem: ca_cert.pem(),
        cert_pem: cert.pem(),
        cert_der: cert.der().clone(),
        key_pem: key.serialize_pem(),
        key_der: key.serialize_der(),
    })
}

/// Writes `path` through a temporary file in the same directory, created
/// with `mode`, then renamed over it.
fn write_atomically(path: &Path, bytes: &[u8], mode: u32) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let fail =
        |e: std::io::Error| format!("--tls-self-signed: cannot write {}: {e}", path.display());
    let _ = std::fs::remove_file(&temporary);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&temporary)
        .map_err(fail)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(fail)?;
    std::fs::rename(&temporary, path).map_err(fail)
}

#[cfg(test)]
mod tests;
