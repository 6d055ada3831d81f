//! LoanService: installment loans, behind the admin key.

use rust_decimal::Decimal;
use tonic::{Request, Response, Status};

use super::pagination::PageRequest;
use super::{AppState, call_hold, id_field, move_money};
use crate::conversions::from_wire::{CreateLoanInput, instant_field, loan_payment_status_field};
use crate::domain::LoanTerms;
use crate::error::{Error, Resource};
use crate::ledger::{ADMIN, NewLoan, Op, RequestId};
use crate::loans;
use crate::money::{Currency, Minor, Rounding};
use crate::proto::{pb, pb::loan_service_server::LoanService, timestamp};
use crate::store::lists::Keyset;
use crate::store::{self, lists, queries};

pub struct LoanApi {
    state: AppState,
}

impl LoanApi {
    pub fn new(state: AppState) -> Self {
        LoanApi { state }
    }

    fn authorize<T>(&self, request: &Request<T>) -> Result<(), Error> {
        self.state.admin_key.verify(request.metadata())
    }

    /// What never changes about a loan that exists.
    async fn terms(&self, id: i64) -> Result<LoanTerms, Error> {
        queries::loan_terms(self.state.store.reads(), &self.state.currencies, id)
            .await?
            .ok_or(Error::NotFound(Resource::Loan, id))
    }
}

/// Page tokens of payments hold their payment time as microseconds after
/// 0000-12-31T00:00:00Z, so that every instant a payment may have (from
/// year 1) is a positive key.
const PAYMENT_KEY_OFFSET: i64 = 62_135_683_200_000_000;

/// Minor units beyond an i64 (a sum over many loans) as a decimal string.
fn format_wide(units: i128, currency: &Currency) -> String {
    Decimal::try_from_i128_with_scale(units, u32::from(currency.precision))
        .map(|d| d.to_string())
        .unwrap_or_else(|_| units.to_string())
}

#[tonic::async_trait]
impl LoanService for LoanApi {
    async fn create_loan(
        &self,
        request: Request<pb::CreateLoanRequest>,
    ) -> Result<Response<pb::Loan>, Status> {
        self.authorize(&request)?;
        let input = CreateLoanInput::parse(request.get_ref(), store::now())?;
        let amount = input.amount.resolve(&self.state.currencies).await?;
        let too_large = || {
            Error::invalid(
                "amount",
                "is too large: the installments would exceed the largest representable amount",
            )
        };
        let installment = loans::installment(
            amount.amount(),
            input.term_months as u32,
            &input.annual_rate,
        )
        .ok_or_else(too_large)?;
        let total_repayable = installment
            .get()
            .checked_mul(i64::from(input.term_months))
            .map(Minor::new)
            .ok_or_else(too_large)?;
        let op = Op::CreateLoan(NewLoan {
            borrower_id: input.borrower_id,
            amount,
            term_months: input.term_months,
            annual_rate: input.annual_rate.to_text(),
            installment,
            total_repayable,
            origination_time: input.origination_time,
        });
        move_money(
            &self.state,
            call_hold(&request),
            ADMIN,
            op,
            input.request_id,
        )
        .await
    }

    async fn get_loan(
        &self,
        request: Request<pb::GetLoanRequest>,
    ) -> Result<Response<pb::Loan>, Status> {
        self.authorize(&request)?;
        let id = id_field("id", request.get_ref().id)?;
        let loan = queries::loan(self.state.store.reads(), &self.state.currencies, id)
            .await?
            .ok_or(Error::NotFound(Resource::Loan, id))?;
        Ok(Response::new(loan.into()))
    }

    async fn list_loans(
        &self,
        request: Request<pb::ListLoansRequest>,
    ) -> Result<Response<pb::ListLoansResponse>, Status> {
        self.authorize(&request)?;
        let req = request.get_ref();
        let page = PageRequest::parse("loans", req.page_size, &req.page_token)?;
        let borrower = match req.borrower_id {
            0 => None,
            id => Some(id_field("borrower_id", id)?),
        };
        let mut loans = lists::loans_of(
            self.state.store.reads(),
            &self.state.currencies,
            borrower,
            page.keyset(),
        )
        .await?;
        let next_page_token = page.finish(&mut loans, |l| l.id);
        Ok(Response::new(pb::ListLoansResponse {
            loans: loans.into_iter().map(Into::into).collect(),
            next_page_token,
        }))
    }

    async fn record_loan_payment(
        &self,
        request: Request<pb::RecordLoanPaymentRequest>,
    ) -> Result<Response<pb::LoanPayment>, Status> {
        self.authorize(&request)?;
        let req = request.get_ref();
        let loan_id = id_field("loan_id", req.loan_id)?;
        let status = loan_payment_status_field(req.status)?;
        let payment_time = instant_field("payment_time", req.payment_time.as_ref(), store::now())?;
        let request_id = RequestId::parse_optional(&req.request_id)?;
        // The installment and the origination never change: checked here
        // against the stored loan; the rest in the ledger's transaction.
        let terms = self.terms(loan_id).await?;
        if !req.amount.is_empty() {
            let amount = terms
                .currency
                .parse_amount(&req.amount, Rounding::Exact)
                .map_err(|e| Error::invalid("amount", e.to_string()))?;
            if amount != terms.installment {
                return Err(Error::NotTheInstallment {
                    installment: terms.currency.money(terms.installment),
                }
                .into());
            }
        }
        let op = Op::RecordLoanPayment {
            loan_id,
            status,
            payment_time,
        };
        move_money(&self.state, call_hold(&request), ADMIN, op, request_id).await
    }

    async fn list_loan_payments(
        &self,
        request: Request<pb::ListLoanPaymentsRequest>,
    ) -> Result<Response<pb::ListLoanPaymentsResponse>, Status> {
        self.authorize(&request)?;
        let req = request.get_ref();
        let loan_id = id_field("loan_id", req.loan_id)?;
        let page = PageRequest::parse("loan_payments", req.page_size, &req.page_token)?;
        let terms = self.terms(loan_id).await?;
        let mut payments = queries::loan_payments_of(
            self.state.store.reads(),
            loan_id,
            &terms.currency,
            Keyset {
                after: page.after.map(|key| key - PAYMENT_KEY_OFFSET),
                ..page.keyset()
            },
        )
        .await?;
        let next_page_token = page.finish(&mut payments, |p| {
            p.payment_time.timestamp_micros() + PAYMENT_KEY_OFFSET
        });
        Ok(Response::new(pb::ListLoanPaymentsResponse {
            payments: payments.into_iter().map(Into::into).collect(),
            next_page_token,
        }))
    }

    async fn get_loan_balance(
        &self,
        request: Request<pb::GetLoanBalanceRequest>,
    ) -> Result<Response<pb::GetLoanBalanceResponse>, Status> {
        self.authorize(&request)?;
        let req = request.get_ref();
        let loan_id = id_field("loan_id", req.loan_id)?;
        let now = store::now();
        let as_of = instant_field("as_of", req.as_of.as_ref(), now)?.unwrap_or(now);
        let terms = self.terms(loan_id).await?;
        if as_of < terms.origination_time {
            return Err(
                Error::invalid("as_of", "must not be before the loan's origination").into(),
            );
        }
        let made = queries::made_payments_as_of(self.state.store.reads(), loan_id, as_of).await?;
        let owed = loans::owed(terms.total_repayable.get(), terms.installment.get(), made);
        Ok(Response::new(pb::GetLoanBalanceResponse {
            loan_id,
            outstanding: terms.currency.money(Minor::new(owed)).to_string(),
            currency_code: terms.currency.code,
            as_of: Some(timestamp(as_of)),
        }))
    }

    async fn get_outstanding_debt(
        &self,
        request: Request<pb::GetOutstandingDebtRequest>,
    ) -> Result<Response<pb::GetOutstandingDebtResponse>, Status> {
        self.authorize(&request)?;
        let req = request.get_ref();
        let now = store::now();
        let as_of = instant_field("as_of", req.as_of.as_ref(), now)?.unwrap_or(now);
        let currency = self
            .state
            .currencies
            .resolve("currency_code", &req.currency_code)
            .await?;
        let (value, volume) =
            queries::outstanding_debt(self.state.store.reads(), &currency.code, as_of).await?;
        Ok(Response::new(pb::GetOutstandingDebtResponse {
            value: format_wide(value, &currency),
            volume,
            currency_code: currency.code,
            as_of: Some(timestamp(as_of)),
        }))
    }
}
