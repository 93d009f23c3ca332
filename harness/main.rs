//! Thin entry point: parse the command line, run it, map errors to exit codes
//! (0 success, 1 the run failed, 2 bad input).

use std::process::ExitCode;

use clap::Parser;
use mqtt_cipher_bench::cli;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::execute(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(cli::exit_code(&e))
        }
    }
}
