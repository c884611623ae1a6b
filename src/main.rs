//! Glue: parse the command line, then serve or run a subcommand. Start-up
//! errors are one line on stderr and exit code 2. It holds no logic of its
//! own: the options are `config`'s, the subcommands `cli`'s, the server
//! `startup`'s.

use std::process::ExitCode;

use clap::Parser;
use crm_connector_mock::{Application, Cli, Command, Config, Signals, cli, logsink};

fn main() -> ExitCode {
    let Cli { command, config } = Cli::parse();
    logsink::init();
    let config = match config.checked() {
        Ok(config) => config,
        Err(message) => return fail(&message),
    };
    let outcome = match command {
        None | Some(Command::Serve) => serve(config),
        Some(Command::Openapi) => cli::openapi(&config),
        Some(Command::Scenarios) => cli::scenarios(&config),
        Some(Command::Validate { dir }) => cli::validate(&config, &dir),
        Some(Command::Healthcheck) => Ok(cli::healthcheck(&config)),
        Some(Command::Verify(options)) => Ok(cli::verify(&options)),
    };
    let code = outcome.unwrap_or_else(|message| fail(&message));
    logsink::flush();
    code
}

fn serve(config: Config) -> Result<ExitCode, String> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(config)?;
        // Before the start-up line, so a signal sent once it is read is ours.
        let mut signals =
            Signals::listen().map_err(|e| format!("cannot listen for SIGTERM/SIGINT: {e}"))?;
        log::info!("listening on {}", app.base_url());
        logsink::flush();
        let handle = app.handle();
        actix_web::rt::spawn(async move {
            let (signal, _) = signals.next().await;
            log::info!(
                "{signal}: finishing in-flight requests, then stopping (again to exit at once)"
            );
            actix_web::rt::spawn(handle.stop(true));
            let (signal, code) = signals.next().await;
            log::warn!("second {signal}: exiting now, in-flight requests are cut off");
            logsink::flush();
            std::process::exit(i32::from(code));
        });
        app.run_until_stopped()
            .await
            .map_err(|e| format!("server error: {e}"))?;
        log::info!("stopped");
        logsink::flush();
        Ok(ExitCode::SUCCESS)
    })
}

fn fail(message: &str) -> ExitCode {
    eprintln!("crm-connector-mock: {message}");
    ExitCode::from(2)
}
