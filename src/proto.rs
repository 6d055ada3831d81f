//! The generated `jobpay.v1` API and its descriptor set (for reflection).
//! Conversions to and from domain values live in `crate::conversions`.

#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod jobpay {
    pub mod v1 {
        tonic::include_proto!("jobpay.v1");
    }
}

pub use jobpay::v1 as pb;

use chrono::{DateTime, Utc};

/// prost encoding with small starting buffers (1 KiB instead of tonic's
/// 8 KiB per call and direction): jobpay's messages are small, and a storm
/// holds thousands of calls in flight at once. Buffers still grow as needed.
/// The generated servers and clients use it (see build.rs).
pub struct CompactCodec<T, U>(std::marker::PhantomData<(T, U)>);

fn compact_buffers() -> tonic::codec::BufferSettings {
    tonic::codec::BufferSettings::new(1024, 32 * 1024)
}

impl<T, U> Default for CompactCodec<T, U> {
    fn default() -> Self {
        CompactCodec(std::marker::PhantomData)
    }
}

impl<T, U> tonic::codec::Codec for CompactCodec<T, U>
where
    T: prost::Message + Send + 'static,
    U: prost::Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = tonic_prost::ProstEncoder<T>;
    type Decoder = tonic_prost::ProstDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        tonic_prost::ProstEncoder::new(compact_buffers())
    }

    fn decoder(&mut self) -> Self::Decoder {
        tonic_prost::ProstDecoder::new(compact_buffers())
    }
}

/// Encoded `FileDescriptorSet` of every `jobpay.v1` file and its imports,
/// with comments, served by reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/jobpay_descriptor.bin"));

/// Fully qualified service names, as health checks and reflection know them.
pub const SERVICE_NAMES: [&str; 6] = [
    "jobpay.v1.ContractService",
    "jobpay.v1.JobService",
    "jobpay.v1.BalanceService",
    "jobpay.v1.PayoutService",
    "jobpay.v1.LoanService",
    "jobpay.v1.AdminService",
];

pub fn timestamp(instant: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: instant.timestamp(),
        nanos: instant.timestamp_subsec_nanos() as i32,
    }
}
