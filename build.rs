//! Compiles `proto/jobpay/v1/*.proto` into Rust (messages, servers, clients)
//! and a file descriptor set for server reflection.
//!
//! Imports resolve under `proto/`, including the vendored googleapis
//! `google/api/annotations.proto` and `http.proto` (the `google.api.http`
//! routes). prost-build writes a `google.api.rs` for them too, which nothing
//! includes; the descriptor set holds them (protoc `--include_imports`), so
//! the HTTP/JSON server reads each method's route from it at run time.
//!
//! protoc comes from `protoc-bin-vendored` so a fresh machine builds with no
//! setup; a `PROTOC` environment variable, when set, wins.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_root = PathBuf::from("proto");
    let mut protos: Vec<PathBuf> = std::fs::read_dir(proto_root.join("jobpay/v1"))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    protos.retain(|p| p.extension().is_some_and(|ext| ext == "proto"));
    protos.sort();

    println!("cargo:rerun-if-changed=proto");
    println!("cargo:rerun-if-env-changed=PROTOC");
    for proto in &protos {
        println!("cargo:rerun-if-changed={}", proto.display());
    }

    let mut config = prost_build::Config::new();
    let protoc = match std::env::var_os("PROTOC") {
        Some(path) => PathBuf::from(path),
        None => protoc_bin_vendored::protoc_bin_path()?,
    };
    config.protoc_executable(protoc);

    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    tonic_prost_build::configure()
        .file_descriptor_set_path(out_dir.join("jobpay_descriptor.bin"))
        .codec_path("crate::proto::CompactCodec")
        .emit_rerun_if_changed(false)
        .compile_with_config(config, &protos, &[proto_root])?;
    Ok(())
}
