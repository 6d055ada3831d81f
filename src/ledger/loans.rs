//! Loans: an admin lends (the disbursement credits the borrower) and
//! records each month's payment (a made one collects the installment).

use chrono::{DateTime, Utc};

use super::decide::{Batch, Decision, Fill, LoanPaymentWrite};
use super::{NewLoan, Receipt};
use crate::domain::EntryKind;
use crate::domain::LoanPaymentStatus;
use crate::domain::{Loan, LoanPayment};
use crate::error::{Error, Resource};
use crate::loans::month_key;
use crate::money::{Currency, Minor};
use crate::store::entities::loan;
use crate::store::entities::loan_payment;

impl Batch {
    /// Lends `new.amount` to an existing borrower.
    pub(super) fn create_loan(
        &mut self,
        new: &NewLoan,
        request_id: Option<String>,
    ) -> Result<Decision, Error> {
        if !self.profiles.contains_key(&new.borrower_id) {
            return Err(Error::invalid(
                "borrower_id",
                format!(
                    "must be the id of a profile: no profile has id {}",
                    new.borrower_id
                ),
            ));
        }
        let after = self.after_credit(new.borrower_id, &new.amount)?;
        let model = loan::Model {
            id: 0,
            borrower_id: new.borrower_id,
            currency_code: new.amount.currency_code.clone(),
            amount: new.amount.amount().get(),
            term_months: new.term_months,
            annual_rate: new.annual_rate.clone(),
            installment: new.installment.get(),
            total_repayable: new.total_repayable.get(),
            origination_time: new.origination_time.unwrap_or(self.now),
            request_id: request_id.clone(),
            created_at: self.now,
        };
        self.set_balance(new.borrower_id, &new.amount.currency_code, after);
        self.append_entry(
            EntryKind::LoanDisbursement,
            None,
            Some((new.borrower_id, after)),
            &new.amount,
            None,
            request_id,
        );
        let currency = Currency::new(new.amount.currency_code.clone(), new.amount.precision);
        let receipt = Receipt::CreateLoan {
            loan: Loan::new(model.clone(), &currency, 0, 0),
        };
        self.effects.new_loans.push(model);
        Ok(Decision::Done {
            receipt,
            fills: vec![Fill::Loan(self.effects.new_loans.len() - 1)],
        })
    }

    /// Records a loan's payment of one month: a made one collects the
    /// installment from the borrower's available balance.
    pub(super) fn record_loan_payment(
        &mut self,
        loan_id: i64,
        status: LoanPaymentStatus,
        payment_time: Option<DateTime<Utc>>,
        request_id: Option<String>,
    ) -> Result<Decision, Error> {
        let payment_time = payment_time.unwrap_or(self.now);
        let month = month_key(payment_time);
        let loaded = self
            .loans
            .get(&loan_id)
            .ok_or(Error::NotFound(Resource::Loan, loan_id))?;
        if payment_time.date_naive() < loaded.model.origination_time.date_naive() {
            return Err(Error::invalid(
                "payment_time",
                "must not be before the loan's origination day",
            ));
        }
        if loaded.months.contains(&month) {
            return Err(Error::LoanPaymentAlreadyRecorded { month });
        }
        if loaded.made >= i64::from(loaded.model.term_months) {
            return Err(Error::LoanRepaid);
        }
        let borrower = loaded.model.borrower_id;
        let installment = loaded.currency.money(Minor::new(loaded.model.installment));
        let currency = loaded.currency.clone();
        let entry = match status {
            LoanPaymentStatus::Missed => None,
            // An installment rounded down to zero is made without moving
            // money (a ledger entry cannot be of zero).
            LoanPaymentStatus::Made if !installment.amount().is_positive() => None,
            LoanPaymentStatus::Made => {
                let after = self.after_debit(borrower, &installment)?;
                self.set_balance(borrower, &currency.code, after);
                Some(self.append_entry(
                    EntryKind::LoanRepayment,
                    Some((borrower, after)),
                    None,
                    &installment,
                    None,
                    request_id.clone(),
                ))
            }
        };
        let model = loan_payment::Model {
            id: 0,
            loan_id,
            status: status.into(),
            amount: installment.amount().get(),
            payment_time,
            payment_month: month.clone(),
            ledger_entry_id: None,
            request_id,
            created_at: self.now,
        };
        let loaded = self.loans.get_mut(&loan_id).expect("looked up above");
        loaded.months.insert(month);
        if status == LoanPaymentStatus::Made {
            loaded.made += 1;
        }
        let receipt = Receipt::RecordLoanPayment {
            payment: LoanPayment::new(model.clone(), &currency),
        };
        self.effects
            .new_loan_payments
            .push(LoanPaymentWrite { model, entry });
        let mut fills = vec![Fill::LoanPayment(self.effects.new_loan_payments.len() - 1)];
        if let Some(entry) = entry {
            fills.push(Fill::LoanPaymentEntry(entry));
        }
        Ok(Decision::Done { receipt, fills })
    }
}
