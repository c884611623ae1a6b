//! The subcommands other than serving: `openapi`, `scenarios`, `validate`,
//! `healthcheck`, `verify` (whose probes live in `verify`).
//! Each prints to stdout and returns the exit code. `scenarios` and
//! `validate` read the files through the same `state::load` that serving
//! uses, so they never disagree with the server; none of them starts it.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use time::OffsetDateTime;

use crate::config::Config;

/// Prints the OpenAPI document.
pub fn openapi(config: &Config) -> Result<ExitCode, String> {
    let doc = crate::openapi::document(config);
    println!(
        "{}",
        serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints the loaded catalogue and the defined records.
pub fn scenarios(config: &Config) -> Result<ExitCode, String> {
    let reference = config.clock.unwrap_or_else(OffsetDateTime::now_utc);
    let crate::connector::state::Definitions {
        catalogue, dataset, ..
    } = crate::connector::state::load(config, reference).map_err(|problems| {
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    println!("scenarios:");
    for s in catalogue.scenarios() {
        let status = if s.answers_status {
            format!("{} (also by number)", s.status.0)
        } else {
            s.status.0.to_string()
        };
        println!("  {:<28} {status:<20} {}", s.code(), s.description);
    }
    println!("records:");
    for (record_type, record_id, state) in dataset.defined_keys() {
        println!("  {record_type:<14} {record_id:<40} {state:?}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks a directory on top of the embedded files with the very checks
/// start-up and `/__admin/reload` run (`state::load`); problems exit 1.
pub fn validate(config: &Config, dir: &Path) -> Result<ExitCode, String> {
    let config = Config {
        scenarios: Some(dir.to_owned()),
        ..config.clone()
    };
    let reference = config.clock.unwrap_or_else(OffsetDateTime::now_utc);
    match crate::connector::state::load(&config, reference) {
        Ok(defs) => {
            let user = defs.user;
            println!(
                "{}: {} file(s), {} scenario(s), {} record(s): OK",
                dir.display(),
                user.files,
                user.scenarios,
                user.records
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            for problem in &problems {
                println!("{problem}");
            }
            println!("{} problem(s) in {}", problems.len(), dir.display());
            Ok(ExitCode::from(1))
        }
    }
}

/// GETs `/health` on the configured host and port with a plain HTTP/1.1
/// request (a `FROM scratch` image has no curl), over TLS when TLS is on,
/// trusting the self-signed DIR's `ca.pem` or the `--tls-cert` file's
/// certificates and checking the name probed. A wildcard listen address is
/// probed on loopback.
pub fn healthcheck(config: &Config) -> ExitCode {
    let host = match config.host.as_str() {
        "0.0.0.0" => "127.0.0.1",
        "::" | "[::]" => "::1",
        other => other,
    };
    let timeout = Duration::from_secs(2);
    let probe = || -> Result<bool, String> {
        let address = (host, config.port)
            .to_socket_addrs()
            .map_err(|e| e.to_string())?
            .next()
            .ok_or_else(|| "no address".to_owned())?;
        let stream = TcpStream::connect_timeout(&address, timeout).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(timeout))
            .and_then(|()| stream.set_write_timeout(Some(timeout)))
            .map_err(|e| e.to_string())?;
        match crate::tls::client_roots(config)? {
            None => health_over(stream, host),
            Some(roots) => {
                let client = rustls::ClientConfig::builder_with_provider(crate::tls::provider())
                    .with_safe_default_protocol_versions()
                    .map_err(|e| e.to_string())?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                let name = rustls::pki_types::ServerName::try_from(host.to_owned())
                    .map_err(|e| format!("{host} is not a name TLS can check: {e}"))?;
                let connection = rustls::ClientConnection::new(client.into(), name)
                    .map_err(|e| e.to_string())?;
                health_over(rustls::StreamOwned::new(connection, stream), host)
            }
        }
    };
    match probe() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!(
                "crm-connector-mock: {host}:{} answered /health with a non-200 status",
                config.port
            );
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!(
                "crm-connector-mock: {host}:{} is not healthy: {e}",
                config.port
            );
            ExitCode::from(1)
        }
    }
}

/// One `GET /health` on an open stream: whether the status is 200.
fn health_over(mut stream: impl Read + Write, host: &str) -> Result<bool, String> {
    write!(
        stream,
        "GET {} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n",
        crate::contract::HEALTH_PATH
    )
    .and_then(|()| stream.flush())
    .map_err(|e| e.to_string())?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).map_err(|e| e.to_string())?;
    Ok(head.starts_with(b"HTTP/1.1 200") || head.starts_with(b"HTTP/1.0 200"))
}

/// Probes a connector and judges it (`verify`).
pub fn verify(options: &crate::verify::Options) -> ExitCode {
    crate::verify::run(options)
}
