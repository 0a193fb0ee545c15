//! The `callcoach` binary: the command line, and the desktop app when run without arguments.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
