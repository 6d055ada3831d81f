//! `Accept: text/csv` on a REST route that answers a `jobpay.v1.Statement`
//! (the GetStatement routes): the whole statement as CSV, streamed.
//!
//! The statement is read as the JSON call would read it, through the same
//! method and envelope, one page of 1000 entries at a time: the first page
//! before answering (so that a refusal is still a status with its JSON
//! error), the rest by a task that writes each page into a channel of one
//! chunk while the client reads. The task waits while the client is slow
//! and ends when it is gone, so a statement of any length costs one page
//! of memory. The columns are documented on `Statement` in
//! resources.proto.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat};
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use hyper::body::Frame;
use prost::Message;
use prost_reflect::{DynamicMessage, MethodDescriptor, Value};
use tokio::sync::mpsc;
use tonic::body::Body;
use tower::Service;

use super::{JsonCallError, unary};
use crate::proto::pb;

/// The response message served as CSV.
pub(super) const STATEMENT: &str = "jobpay.v1.Statement";

/// Entries read per page: the most a page holds.
const PAGE_SIZE: i32 = 1000;

/// The header row: see `Statement` in resources.proto.
const HEADER: &str = "row,entry_id,time,kind,counterparty_id,credit,debit,balance,currency_code,job_id,reversal_of,reason\r\n";

/// Whether this call answers CSV: its method answers a statement and the
/// client accepts `text/csv`.
pub(super) fn answers(method: &MethodDescriptor, headers: &HeaderMap) -> bool {
    method.output().full_name() == STATEMENT
        && headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|range| range.split(';').next())
            .any(|media| media.trim().eq_ignore_ascii_case("text/csv"))
}

/// The whole statement asked for by `request` (its page_size and
/// page_token are ignored) as a streamed CSV body.
pub(super) async fn statement<S>(
    mut inner: S,
    method: MethodDescriptor,
    mut request: DynamicMessage,
    parts: http::request::Parts,
) -> Result<Response<Body>, JsonCallError<S::Error>>
where
    S: Service<http::Request<Body>, Response = Response<Body>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    request.set_field_by_name("page_size", Value::I32(PAGE_SIZE));
    request.set_field_by_name("page_token", Value::String(String::new()));
    let extensions = parts.extensions.clone();
    let first = unary(
        &mut inner,
        &method,
        &request,
        &parts.headers,
        parts.extensions,
    )
    .await?;
    let first = decode(first).map_err(JsonCallError::Refused)?;
    let mut chunk = String::from(HEADER);
    opening_row(&mut chunk, &first);
    entry_rows(&mut chunk, &first);
    // The closing row's figures are the first page's (later pages carry
    // entries only).
    let mut closing = String::new();
    closing_row(&mut closing, &first);
    let filename = format!(
        "attachment; filename=\"statement-{}-{}.csv\"",
        first.profile_id, first.currency_code
    );

    let (sender, receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    let mut token = first.next_page_token;
    tokio::spawn(async move {
        if sender.send(Ok(Bytes::from(chunk))).await.is_err() {
            return;
        }
        while !token.is_empty() {
            request.set_field_by_name("page_token", Value::String(token));
            let page = unary(
                &mut inner,
                &method,
                &request,
                &parts.headers,
                extensions.clone(),
            )
            .await;
            let page = match page {
                Ok(bytes) => decode(bytes).map_err(|e| e.message),
                Err(JsonCallError::Refused(error)) => Err(error.message),
                Err(JsonCallError::Inner(_)) => Err("the service failed".to_owned()),
            };
            let page = match page {
                Ok(page) => page,
                Err(message) => {
                    // The status line is sent: the body ends in an error,
                    // without its closing row.
                    tracing::warn!(%message, "CSV statement cut short");
                    let _ = sender.send(Err(std::io::Error::other(message))).await;
                    return;
                }
            };
            let mut chunk = String::new();
            entry_rows(&mut chunk, &page);
            if sender.send(Ok(Bytes::from(chunk))).await.is_err() {
                return;
            }
            token = page.next_page_token;
        }
        let _ = sender.send(Ok(Bytes::from(closing))).await;
    });

    let mut response = Response::new(Body::new(ChunkBody { receiver }));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8; header=present"),
    );
    if let Ok(value) = HeaderValue::from_str(&filename) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

fn decode(bytes: Bytes) -> Result<pb::Statement, super::ConnectError> {
    pb::Statement::decode(bytes)
        .map_err(|e| super::ConnectError::internal(format!("cannot decode the statement: {e}")))
}

/// The chunks a statement's task writes, as a response body.
struct ChunkBody {
    receiver: mpsc::Receiver<Result<Bytes, std::io::Error>>,
}

impl hyper::body::Body for ChunkBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.receiver
            .poll_recv(cx)
            .map(|chunk| chunk.map(|chunk| chunk.map(Frame::data)))
    }
}

fn opening_row(out: &mut String, statement: &pb::Statement) {
    row(
        out,
        [
            "opening_balance",
            "",
            &time(statement.start_time.as_ref()),
            "",
            "",
            "",
            "",
            &statement.opening_balance,
            &statement.currency_code,
            "",
            "",
            "",
        ],
    );
}

fn closing_row(out: &mut String, statement: &pb::Statement) {
    row(
        out,
        [
            "closing_balance",
            "",
            &time(statement.end_time.as_ref()),
            "",
            "",
            &statement.credits,
            &statement.debits,
            &statement.closing_balance,
            &statement.currency_code,
            "",
            "",
            "",
        ],
    );
}

/// One row per entry, from the statement profile's side of it.
fn entry_rows(out: &mut String, statement: &pb::Statement) {
    let id = |id: i64| match id {
        0 => String::new(),
        id => id.to_string(),
    };
    for entry in &statement.entries {
        let credited = entry.credit_profile_id == statement.profile_id;
        let (counterparty, credit, debit, balance) = if credited {
            (
                entry.debit_profile_id,
                entry.amount.as_str(),
                "",
                entry.credit_balance_after.as_str(),
            )
        } else {
            (
                entry.credit_profile_id,
                "",
                entry.amount.as_str(),
                entry.debit_balance_after.as_str(),
            )
        };
        let kind = pb::LedgerEntryKind::try_from(entry.kind)
            .map(|kind| kind.as_str_name())
            .unwrap_or_default();
        row(
            out,
            [
                "entry",
                &entry.id.to_string(),
                &time(entry.create_time.as_ref()),
                kind,
                &id(counterparty),
                credit,
                debit,
                balance,
                &entry.currency_code,
                &id(entry.job_id),
                &id(entry.reversal_of),
                &defused(&entry.reason),
            ],
        );
    }
}

/// An instant as RFC 3339 in UTC with microseconds (what is stored).
fn time(at: Option<&prost_types::Timestamp>) -> String {
    at.and_then(|at| DateTime::from_timestamp(at.seconds, u32::try_from(at.nanos).ok()?))
        .map(|at| at.to_rfc3339_opts(SecondsFormat::Micros, true))
        .unwrap_or_default()
}

/// Free text that a spreadsheet would run as a formula (starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) gets a leading `'` (OWASP's
/// advice on CSV injection); the other columns are numbers, names and times.
fn defused(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// Appends one RFC 4180 row: a field with a comma, quote or line break is
/// quoted, its quotes doubled.
fn row<const N: usize>(out: &mut String, fields: [&str; N]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_as_rfc_4180_says() {
        let mut out = String::new();
        row(&mut out, ["a", "b,c", "say \"hi\"", "two\nlines", ""]);
        assert_eq!(out, "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(defused("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(defused("@cmd"), "'@cmd");
        assert_eq!(defused("refund"), "refund");
        assert_eq!(defused(""), "");
    }

    #[test]
    fn only_text_csv_asks_for_csv() {
        let statement = crate::server::json::POOL
            .get_service_by_name("jobpay.v1.BalanceService")
            .and_then(|s| s.methods().find(|m| m.name() == "GetStatement"))
            .expect("GetStatement");
        let balance = crate::server::json::POOL
            .get_service_by_name("jobpay.v1.BalanceService")
            .and_then(|s| s.methods().find(|m| m.name() == "GetBalance"))
            .expect("GetBalance");
        let accept = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, HeaderValue::from_static(value));
            headers
        };
        assert!(answers(&statement, &accept("text/csv")));
        assert!(answers(
            &statement,
            &accept("application/json, Text/CSV;q=0.9")
        ));
        assert!(!answers(&statement, &accept("application/json")));
        assert!(!answers(&statement, &HeaderMap::new()));
        assert!(!answers(&balance, &accept("text/csv")));
    }
}
