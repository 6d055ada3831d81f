//! Idempotency records' stored responses: from the protobuf bytes of the
//! first release (v0) to the versioned JSON domain encoding (v1) that the
//! server reads since the currencies migration.
//!
//! The v0 wire shapes are frozen here, so this migration keeps working
//! whatever later happens to the API's messages. Every v0 amount was USD
//! with two decimals.

use prost::Message;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use serde_json::{Value as Json, json};

#[derive(Clone, PartialEq, Message)]
struct JobV0 {
    #[prost(int64, tag = "1")]
    id: i64,
    #[prost(string, tag = "2")]
    description: String,
    #[prost(string, tag = "3")]
    price: String,
    #[prost(bool, tag = "4")]
    paid: bool,
    #[prost(message, optional, tag = "5")]
    payment_time: Option<prost_types::Timestamp>,
    #[prost(int64, tag = "6")]
    contract_id: i64,
    #[prost(message, optional, tag = "7")]
    create_time: Option<prost_types::Timestamp>,
    #[prost(message, optional, tag = "8")]
    update_time: Option<prost_types::Timestamp>,
}

#[derive(Clone, PartialEq, Message)]
struct PayJobResponseV0 {
    #[prost(message, optional, tag = "1")]
    job: Option<JobV0>,
    #[prost(string, tag = "2")]
    client_balance: String,
}

/// Deposit, Withdraw and Transfer responses had the same shape.
#[derive(Clone, PartialEq, Message)]
struct BalanceResponseV0 {
    #[prost(string, tag = "1")]
    balance: String,
}

/// The version a v1 record starts with.
pub const VERSION: u64 = 1;

fn bad(method: &str, why: impl std::fmt::Display) -> DbErr {
    DbErr::Migration(format!(
        "stored {method} response cannot be converted: {why}"
    ))
}

/// "201.00" (USD, two decimals) as v1 money.
fn usd(method: &str, text: &str) -> Result<Json, DbErr> {
    let (units, cents) = text.split_once('.').unwrap_or((text, "00"));
    let digits = format!("{units}{cents:0<2}");
    if cents.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(method, format!("amount {text:?}")));
    }
    let minor: i64 = digits
        .parse()
        .map_err(|_| bad(method, format!("amount {text:?}")))?;
    Ok(json!({"currency_code": "USD", "precision": 2, "minor_units": minor}))
}

fn instant(method: &str, at: Option<prost_types::Timestamp>) -> Result<Json, DbErr> {
    let Some(at) = at else {
        return Ok(Json::Null);
    };
    let when = chrono::DateTime::from_timestamp(
        at.seconds,
        <u32 as TryFrom<i32>>::try_from(at.nanos).unwrap_or(0),
    )
    .ok_or_else(|| bad(method, "timestamp out of range"))?;
    Ok(Json::String(
        when.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    ))
}

/// The v1 JSON of a v0 response of `method`.
pub fn v0_to_v1(method: &str, bytes: &[u8]) -> Result<String, DbErr> {
    let receipt = match method {
        "PayJob" => {
            let r = PayJobResponseV0::decode(bytes).map_err(|e| bad(method, e))?;
            let job = r.job.ok_or_else(|| bad(method, "no job"))?;
            json!({"PayJob": {
                "job": {
                    "id": job.id,
                    "description": job.description,
                    "price": usd(method, &job.price)?,
                    "paid": job.paid,
                    "payment_time": instant(method, job.payment_time)?,
                    "contract_id": job.contract_id,
                    "create_time": instant(method, job.create_time)?,
                    "update_time": instant(method, job.update_time)?,
                },
                "client_balance": usd(method, &r.client_balance)?,
            }})
        }
        "Deposit" | "Withdraw" | "Transfer" => {
            let r = BalanceResponseV0::decode(bytes).map_err(|e| bad(method, e))?;
            json!({ method: {"balance": usd(method, &r.balance)?} })
        }
        other => return Err(bad(other, "unknown method")),
    };
    Ok(json!({"version": VERSION, "receipt": receipt}).to_string())
}

/// Rewrites every stored response in place.
pub async fn reencode_v0_as_v1<C: ConnectionTrait>(
    db: &C,
    backend: DbBackend,
) -> Result<(), DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT caller_id, request_id, method, response FROM request_records",
        ))
        .await?;
    for row in rows {
        let caller_id: i64 = row.try_get_by_index(0)?;
        let request_id: String = row.try_get_by_index(1)?;
        let method: String = row.try_get_by_index(2)?;
        let bytes: Vec<u8> = row.try_get_by_index(3)?;
        let v1 = v0_to_v1(&method, &bytes)?;
        let update = Query::update()
            .table(Alias::new("request_records"))
            .value(Alias::new("response"), Value::Bytes(Some(v1.into_bytes())))
            .and_where(Expr::col(Alias::new("caller_id")).eq(caller_id))
            .and_where(Expr::col(Alias::new("request_id")).eq(request_id))
            .to_owned();
        db.execute(&update).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_each_v0_shape() {
        let deposit = BalanceResponseV0 {
            balance: "201.5".to_owned(),
        }
        .encode_to_vec();
        assert_eq!(
            v0_to_v1("Deposit", &deposit).unwrap(),
            r#"{"receipt":{"Deposit":{"balance":{"currency_code":"USD","minor_units":20150,"precision":2}}},"version":1}"#
        );
        let pay = PayJobResponseV0 {
            job: Some(JobV0 {
                id: 7,
                description: "work".to_owned(),
                price: "10.00".to_owned(),
                paid: true,
                payment_time: Some(prost_types::Timestamp {
                    seconds: 1_600_000_000,
                    nanos: 5_000,
                }),
                contract_id: 3,
                create_time: Some(prost_types::Timestamp {
                    seconds: 1_500_000_000,
                    nanos: 0,
                }),
                update_time: None,
            }),
            client_balance: "0.00".to_owned(),
        }
        .encode_to_vec();
        let v1: Json = serde_json::from_str(&v0_to_v1("PayJob", &pay).unwrap()).unwrap();
        assert_eq!(v1["receipt"]["PayJob"]["job"]["price"]["minor_units"], 1000);
        assert_eq!(
            v1["receipt"]["PayJob"]["job"]["payment_time"],
            "2020-09-13T12:26:40.000005Z"
        );
        assert!(v0_to_v1("Withdraw", b"\xff\xff").is_err());
    }
}
