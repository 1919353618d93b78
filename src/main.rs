//! The `chronicle` command. Everything it does lives in the library; see `chronicle --help`.

fn main() -> std::process::ExitCode {
    chronicle::cli::main()
}
