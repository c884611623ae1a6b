//! The TLS options checked across fields (`Config::validate_tls`): which
//! combinations are allowed, and that every `--tls-san` is a name a
//! certificate can hold. It reads no file: a missing or broken certificate
//! is found when the server loads it (`tls`), which names the file.

use rustls::pki_types::ServerName;

use super::Config;

impl Config {
    /// Whether the server speaks HTTPS (a certificate pair or a self-signed DIR).
    pub fn tls_enabled(&self) -> bool {
        self.tls_cert.is_some() || self.tls_key.is_some() || self.tls_self_signed.is_some()
    }

    /// `--tls-cert` and `--tls-key` go together; `--tls-self-signed`
    /// excludes them; `--tls-san` needs `--tls-self-signed` and each name
    /// is a DNS name or an IP address; `--http-port` needs TLS and differs
    /// from `--port`.
    pub(super) fn validate_tls(&self) -> Result<(), String> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) => return Err("--tls-cert needs --tls-key".to_owned()),
            (None, Some(_)) => return Err("--tls-key needs --tls-cert".to_owned()),
            _ => {}
        }
        if self.tls_self_signed.is_some() && self.tls_cert.is_some() {
            return Err(
                "--tls-self-signed and --tls-cert/--tls-key exclude each other: pick one"
                    .to_owned(),
            );
        }
        if !self.tls_san.is_empty() && self.tls_self_signed.is_none() {
            return Err("--tls-san needs --tls-self-signed DIR".to_owned());
        }
        for name in &self.tls_san {
            san(name)?;
        }
        match self.http_port {
            Some(_) if !self.tls_enabled() => Err(
                "--http-port needs TLS (--tls-self-signed, or --tls-cert with --tls-key): without it --port already serves plain HTTP"
                    .to_owned(),
            ),
            Some(port) if port != 0 && port == self.port => {
                Err(format!("--http-port {port} must differ from --port"))
            }
            _ => Ok(()),
        }
    }
}

/// A `--tls-san` value, trimmed: a DNS name or an IP address.
pub fn san(name: &str) -> Result<String, String> {
    let name = name.trim().trim_start_matches('[').trim_end_matches(']');
    match ServerName::try_from(name) {
        Ok(_) if !name.is_empty() && !name.contains('*') => Ok(name.to_ascii_lowercase()),
        _ => Err(format!(
            "--tls-san '{name}' must be a DNS name or an IP address"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_options_combine_only_as_documented() {
        let dir = Some(std::path::PathBuf::from("certs"));
        let file = Some(std::path::PathBuf::from("f.pem"));
        let base = Config::default();
        let cases: [(&str, Config, bool); 9] = [
            ("none", base.clone(), true),
            (
                "a self-signed DIR",
                Config {
                    tls_self_signed: dir.clone(),
                    ..base.clone()
                },
                true,
            ),
            (
                "a pair",
                Config {
                    tls_cert: file.clone(),
                    tls_key: file.clone(),
                    ..base.clone()
                },
                true,
            ),
            (
                "a cert alone",
                Config {
                    tls_cert: file.clone(),
                    ..base.clone()
                },
                false,
            ),
            (
                "a key alone",
                Config {
                    tls_key: file.clone(),
                    ..base.clone()
                },
                false,
            ),
            (
                "both ways",
                Config {
                    tls_self_signed: dir.clone(),
                    tls_cert: file.clone(),
                    tls_key: file.clone(),
                    ..base.clone()
                },
                false,
            ),
            (
                "a SAN without a DIR",
                Config {
                    tls_san: vec!["mock".into()],
                    ..base.clone()
                },
                false,
            ),
            (
                "a SAN that is no name",
                Config {
                    tls_self_signed: dir.clone(),
                    tls_san: vec!["*.mock".into()],
                    ..base.clone()
                },
                false,
            ),
            (
                "--http-port without TLS",
                Config {
                    http_port: Some(0),
                    ..base.clone()
                },
                false,
            ),
        ];
        for (what, config, ok) in cases {
            assert_eq!(
                config.validate_tls().is_ok(),
                ok,
                "{what}: {:?}",
                config.validate_tls()
            );
        }
        assert_eq!(san(" [FD00::1] "), Ok("fd00::1".to_owned()));
    }
}
