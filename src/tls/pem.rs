//! Reading PEM files: a certificate chain, a private key. Errors name the
//! file and what was wrong; never a line of the key (its parser's messages
//! are not repeated, since they may quote the file).

use std::path::Path;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {}", path.display(), e.kind()))
}

/// Every certificate in the file, in order (at least one).
pub fn chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = read(path)?;
    let chain: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|_| format!("{}: not a PEM certificate file", path.display()))?;
    match chain.is_empty() {
        true => Err(format!(
            "{}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        )),
        false => Ok(chain),
    }
}

/// The file's first private key (PKCS#8, PKCS#1 or SEC1).
pub fn key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let bytes = read(path)?;
    PrivateKeyDer::from_pem_slice(&bytes)
        .map_err(|_| format!("{}: holds no readable PEM private key", path.display()))
}
