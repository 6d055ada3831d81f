//! The generated `jobpay.v1` API, its descriptor set (for reflection), and
//! the conversions from stored models to API messages.

#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod jobpay {
    pub mod v1 {
        tonic::include_proto!("jobpay.v1");
    }
}

pub use jobpay::v1 as pb;

use chrono::{DateTime, Utc};

use crate::money::Cents;
use crate::store::entities::{contract, job, ledger_entry, profile};

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
pub const SERVICE_NAMES: [&str; 4] = [
    "jobpay.v1.ContractService",
    "jobpay.v1.JobService",
    "jobpay.v1.BalanceService",
    "jobpay.v1.AdminService",
];

pub fn timestamp(instant: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: instant.timestamp(),
        nanos: instant.timestamp_subsec_nanos() as i32,
    }
}

impl From<profile::ProfileType> for pb::ProfileType {
    fn from(value: profile::ProfileType) -> Self {
        match value {
            profile::ProfileType::Client => pb::ProfileType::Client,
            profile::ProfileType::Contractor => pb::ProfileType::Contractor,
        }
    }
}

impl From<contract::ContractStatus> for pb::ContractStatus {
    fn from(value: contract::ContractStatus) -> Self {
        match value {
            contract::ContractStatus::New => pb::ContractStatus::New,
            contract::ContractStatus::InProgress => pb::ContractStatus::InProgress,
            contract::ContractStatus::Terminated => pb::ContractStatus::Terminated,
        }
    }
}

impl From<ledger_entry::EntryKind> for pb::LedgerEntryKind {
    fn from(value: ledger_entry::EntryKind) -> Self {
        match value {
            ledger_entry::EntryKind::Opening => pb::LedgerEntryKind::Opening,
            ledger_entry::EntryKind::Deposit => pb::LedgerEntryKind::Deposit,
            ledger_entry::EntryKind::JobPayment => pb::LedgerEntryKind::JobPayment,
            ledger_entry::EntryKind::Withdrawal => pb::LedgerEntryKind::Withdrawal,
            ledger_entry::EntryKind::Transfer => pb::LedgerEntryKind::Transfer,
        }
    }
}

impl From<profile::Model> for pb::Profile {
    fn from(model: profile::Model) -> Self {
        pb::Profile {
            id: model.id,
            first_name: model.first_name,
            last_name: model.last_name,
            profession: model.profession,
            r#type: pb::ProfileType::from(model.profile_type).into(),
            balance: Cents::new(model.balance).to_string(),
            create_time: Some(timestamp(model.created_at)),
        }
    }
}

impl From<contract::Model> for pb::Contract {
    fn from(model: contract::Model) -> Self {
        pb::Contract {
            id: model.id,
            terms: model.terms,
            status: pb::ContractStatus::from(model.status).into(),
            client_id: model.client_id,
            contractor_id: model.contractor_id,
            create_time: Some(timestamp(model.created_at)),
            update_time: Some(timestamp(model.updated_at)),
        }
    }
}

impl From<job::Model> for pb::Job {
    fn from(model: job::Model) -> Self {
        pb::Job {
            id: model.id,
            description: model.description,
            price: Cents::new(model.price).to_string(),
            paid: model.paid,
            payment_time: model.payment_time.map(timestamp),
            contract_id: model.contract_id,
            create_time: Some(timestamp(model.created_at)),
            update_time: Some(timestamp(model.updated_at)),
        }
    }
}

impl From<ledger_entry::Model> for pb::LedgerEntry {
    fn from(model: ledger_entry::Model) -> Self {
        let money = |cents: Option<i64>| cents.map(|c| Cents::new(c).to_string());
        pb::LedgerEntry {
            id: model.id,
            kind: pb::LedgerEntryKind::from(model.kind).into(),
            debit_profile_id: model.debit_profile_id.unwrap_or(0),
            credit_profile_id: model.credit_profile_id.unwrap_or(0),
            amount: Cents::new(model.amount).to_string(),
            job_id: model.job_id.unwrap_or(0),
            debit_balance_after: money(model.debit_balance_after).unwrap_or_default(),
            credit_balance_after: money(model.credit_balance_after).unwrap_or_default(),
            request_id: model.request_id.unwrap_or_default(),
            create_time: Some(timestamp(model.created_at)),
        }
    }
}
