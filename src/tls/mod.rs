//! HTTPS: the rustls server configuration the server is bound with, from a
//! certificate pair (`--tls-cert`/`--tls-key`, `pem`) or a self-signed
//! directory (`--tls-self-signed`, `selfsigned`), and the roots a client of
//! this server trusts (`healthcheck`). Always rustls with ring's provider,
//! named explicitly, never aws-lc-rs or OpenSSL.
//!
//! It owns certificates and keys; it never logs or returns the key's
//! content (errors name the file only), and it knows nothing of HTTP: the
//! binding is `startup`'s.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::Config;

mod pem;
mod selfsigned;

/// What the server is bound with under TLS.
pub struct Tls {
    /// ALPN is left empty: actix-web adds `h2` and `http/1.1` itself.
    pub server: rustls::ServerConfig,
    /// One line for the start-up log: generated or reused, and what to trust.
    pub note: String,
}

/// ring's provider, installed as the process default too (reqwest, built
/// without a provider, uses the default one); installing twice is harmless.
pub fn provider() -> Arc<CryptoProvider> {
    let provider = rustls::crypto::ring::default_provider();
    let _ = provider.clone().install_default();
    Arc::new(provider)
}

/// The TLS configuration, or `None` when TLS is off. A self-signed DIR is
/// generated or reused here (files written before this returns).
pub fn load(config: &Config) -> Result<Option<Tls>, String> {
    let (chain, key, note) = match (&config.tls_self_signed, &config.tls_cert, &config.tls_key) {
        (Some(dir), _, _) => {
            let ready = selfsigned::ensure(dir, &config.tls_san)?;
            (ready.chain, ready.key, ready.note)
        }
        (None, Some(cert), Some(key)) => {
            let chain = pem::chain(cert)?;
            let key = pem::key(key)?;
            let note = format!(
                "HTTPS with {}: clients trust its issuer (or the file itself)",
                cert.display()
            );
            (chain, key, note)
        }
        _ => return Ok(None),
    };
    let server =
        server_config(chain, key).map_err(|e| match (&config.tls_cert, &config.tls_key) {
            (Some(cert), Some(key)) => format!(
                "--tls-cert {} and --tls-key {} do not make a pair: {e}",
                cert.display(),
                key.display()
            ),
            _ => e,
        })?;
    Ok(Some(Tls { server, note }))
}

/// A server configuration for one certificate chain and its key; rustls
/// checks that the key is the certificate's.
fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<rustls::ServerConfig, String> {
    rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => {
                "the private key is not the certificate's".to_owned()
            }
            other => format!("the certificate or key is refused: {other}"),
        })
}

/// The roots a client of this server trusts: the self-signed DIR's `ca.pem`,
/// or every certificate of the `--tls-cert` file as given. `None` when TLS
/// is off.
pub fn client_roots(config: &Config) -> Result<Option<rustls::RootCertStore>, String> {
    let file = match (&config.tls_self_signed, &config.tls_cert) {
        (Some(dir), _) => dir.join(selfsigned::CA_FILE),
        (None, Some(cert)) => cert.clone(),
        _ => return Ok(None),
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in pem::chain(&file)? {
        roots
            .add(cert)
            .map_err(|e| format!("{}: not a usable certificate: {e}", file.display()))?;
    }
    Ok(Some(roots))
}
