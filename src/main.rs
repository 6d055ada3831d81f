fn main() -> std::process::ExitCode {
    jobpay::cli::main()
}
