//! Table tests of `decide` on the bare machine: prefetched rows built in
//! memory, no database (TigerBeetle's `state_machine_tests` style). Every
//! operation succeeds once and is refused for every reason it has; every
//! success keeps each balance equal to what its summary totals say; a
//! refusal writes nothing.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeZone, Utc};

use super::decide::{Decided, Decision, Effects, Fill, decide};
use super::state::{
    BalanceState, JobWithContract, LoadedEntry, LoadedLoan, LoadedPayout, Prefetched,
};
use super::{ADMIN, Command, NewLoan, Op, Receipt, RequestId};
use crate::domain::EntryKind;
use crate::domain::Totals;
use crate::domain::{self, LoanPaymentStatus};
use crate::error::{AuthFailure, Error, Resource};
use crate::money::{Currency, Minor, Money};
use crate::store::entities::contract::{self, ContractStatus};
use crate::store::entities::payout::{self, PayoutState};
use crate::store::entities::profile::{self, ProfileType};
use crate::store::entities::{job, ledger_entry, loan, request_record};

const CLIENT: i64 = 1;
const CONTRACTOR: i64 = 2;
/// A client with nothing on its balance.
const POOR_CLIENT: i64 = 3;
/// A contractor whose balance is the largest there can be.
const RICH: i64 = 4;
const UNKNOWN: i64 = 99;

const JOB: i64 = 10;
const PAID_JOB: i64 = 11;
const JOB_OF_ENDED_CONTRACT: i64 = 12;
/// A job of POOR_CLIENT's contract with CONTRACTOR.
const POOR_JOB: i64 = 13;
/// A job paid before the ledger existed (seeded): no payment entry.
const SEEDED_PAID_JOB: i64 = 14;
const JOB_PRICE: i64 = 500;

const DEPOSIT_ENTRY: i64 = 40;
const DEPOSIT_AMOUNT: i64 = 1_000;
const OPENING_ENTRY: i64 = 41;
/// PAID_JOB's payment, of which REFUNDED is already refunded.
const PAYMENT_ENTRY: i64 = 42;
const REFUNDED: i64 = 100;
/// A deposit into POOR_CLIENT whose money is gone.
const SPENT_DEPOSIT_ENTRY: i64 = 43;

const PAYOUT: i64 = 20;
const CANCELLED_PAYOUT: i64 = 21;
const PAYOUT_AMOUNT: i64 = 300;

const LOAN: i64 = 30;
const REPAID_LOAN: i64 = 31;
const ZERO_INSTALLMENT_LOAN: i64 = 32;
const INSTALLMENT: i64 = 1_000;

const CLIENT_BALANCE: i64 = 10_000;
const CONTRACTOR_BALANCE: i64 = 2_000;
const CONTRACTOR_HELD: i64 = PAYOUT_AMOUNT;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap()
}

fn usd(units: i64) -> Money {
    Currency::usd().money(Minor::new(units))
}

fn profile(id: i64, profile_type: ProfileType) -> profile::Model {
    profile::Model {
        id,
        first_name: format!("First{id}"),
        last_name: format!("Last{id}"),
        profession: "Tester".to_owned(),
        profile_type,
        external_id: None,
        created_at: now(),
        updated_at: now(),
    }
}

fn job_of(id: i64, client: i64, status: ContractStatus, paid: bool) -> JobWithContract {
    JobWithContract {
        job: job::Model {
            id,
            description: format!("job {id}"),
            price: JOB_PRICE,
            currency_code: "USD".to_owned(),
            paid,
            payment_time: None,
            contract_id: 100 + id,
            created_at: now(),
            updated_at: now(),
            refunded: if id == PAID_JOB { REFUNDED } else { 0 },
        },
        contract: contract::Model {
            id: 100 + id,
            terms: "terms".to_owned(),
            status,
            client_id: client,
            contractor_id: CONTRACTOR,
            currency_code: "USD".to_owned(),
            created_at: now(),
            updated_at: now(),
        },
        currency: Currency::usd(),
    }
}

fn payout_row(id: i64, state: PayoutState) -> LoadedPayout {
    LoadedPayout {
        model: payout::Model {
            id,
            profile_id: CONTRACTOR,
            currency_code: "USD".to_owned(),
            amount: PAYOUT_AMOUNT,
            state,
            ledger_entry_id: None,
            external_id: None,
            request_id: None,
            created_at: now(),
            updated_at: now(),
        },
        currency: Currency::usd(),
    }
}

fn loan_row(id: i64, installment: i64, term_months: i32, made: i64) -> LoadedLoan {
    LoadedLoan {
        model: loan::Model {
            id,
            borrower_id: CLIENT,
            currency_code: "USD".to_owned(),
            amount: 12_000,
            term_months,
            annual_rate: "0".to_owned(),
            installment,
            total_repayable: installment * i64::from(term_months),
            origination_time: Utc.with_ymd_and_hms(2026, 1, 15, 0, 0, 0).unwrap(),
            request_id: None,
            created_at: now(),
        },
        currency: Currency::usd(),
        months: (1..=made).map(|m| format!("2026-{m:02}")).collect(),
        made,
    }
}

fn entry_row(
    id: i64,
    kind: EntryKind,
    debit: Option<i64>,
    credit: Option<i64>,
    amount: i64,
    reversed: i64,
) -> LoadedEntry {
    LoadedEntry {
        model: ledger_entry::Model {
            id,
            kind: kind.into(),
            debit_profile_id: debit,
            credit_profile_id: credit,
            amount,
            job_id: None,
            debit_balance_after: debit.map(|_| 0),
            credit_balance_after: credit.map(|_| amount),
            request_id: None,
            currency_code: "USD".to_owned(),
            created_at: now(),
            reversal_of: None,
            reversed,
            reason: None,
        },
        currency: Currency::usd(),
    }
}

/// A balance whose whole history is its opening (so its totals add up).
fn opened(balance: i64, held: i64) -> BalanceState {
    BalanceState {
        balance: Minor::new(balance),
        held: Minor::new(held),
        totals: Totals {
            opening: balance,
            ..Totals::default()
        },
    }
}

/// The world every case starts from, as `prefetch` would have read it.
fn world() -> Prefetched {
    let mut known = Prefetched::default();
    for (id, kind) in [
        (CLIENT, ProfileType::Client),
        (CONTRACTOR, ProfileType::Contractor),
        (POOR_CLIENT, ProfileType::Client),
        (RICH, ProfileType::Contractor),
    ] {
        known.profiles.insert(id, profile(id, kind));
    }
    for job in [
        job_of(JOB, CLIENT, ContractStatus::InProgress, false),
        job_of(PAID_JOB, CLIENT, ContractStatus::InProgress, true),
        job_of(
            JOB_OF_ENDED_CONTRACT,
            CLIENT,
            ContractStatus::Terminated,
            false,
        ),
        job_of(POOR_JOB, POOR_CLIENT, ContractStatus::InProgress, false),
        job_of(SEEDED_PAID_JOB, CLIENT, ContractStatus::InProgress, true),
    ] {
        known.jobs.insert(job.job.id, job);
    }
    for payout in [
        payout_row(PAYOUT, PayoutState::Requested),
        payout_row(CANCELLED_PAYOUT, PayoutState::Cancelled),
    ] {
        known.payouts.insert(payout.model.id, payout);
    }
    for loan in [
        loan_row(LOAN, INSTALLMENT, 12, 1),
        loan_row(REPAID_LOAN, INSTALLMENT, 2, 2),
        loan_row(ZERO_INSTALLMENT_LOAN, 0, 12, 0),
    ] {
        known.loans.insert(loan.model.id, loan);
    }
    let balance = |id: i64| (id, "USD".to_owned());
    known
        .balances
        .insert(balance(CLIENT), opened(CLIENT_BALANCE, 0));
    known.balances.insert(
        balance(CONTRACTOR),
        opened(CONTRACTOR_BALANCE, CONTRACTOR_HELD),
    );
    known.balances.insert(balance(RICH), opened(i64::MAX, 0));
    for entry in [
        entry_row(
            DEPOSIT_ENTRY,
            EntryKind::Deposit,
            None,
            Some(CLIENT),
            DEPOSIT_AMOUNT,
            0,
        ),
        entry_row(
            OPENING_ENTRY,
            EntryKind::Opening,
            None,
            Some(CLIENT),
            500,
            0,
        ),
        entry_row(
            PAYMENT_ENTRY,
            EntryKind::JobPayment,
            Some(CLIENT),
            Some(CONTRACTOR),
            JOB_PRICE,
            REFUNDED,
        ),
        entry_row(
            SPENT_DEPOSIT_ENTRY,
            EntryKind::Deposit,
            None,
            Some(POOR_CLIENT),
            100,
            0,
        ),
    ] {
        known.entries.insert(entry.model.id, entry);
    }
    known.entries.get_mut(&PAYMENT_ENTRY).unwrap().model.job_id = Some(PAID_JOB);
    known.job_payments.insert(PAID_JOB, PAYMENT_ENTRY);
    // CLIENT's outstanding jobs: JOB (in progress, unpaid) only.
    known
        .outstanding
        .insert(balance(CLIENT), i128::from(JOB_PRICE));
    known
}

fn by(caller: i64, op: Op) -> Command {
    Command {
        caller,
        op,
        request_id: None,
    }
}

fn with_request_id(mut command: Command, id: &str) -> Command {
    command.request_id = RequestId::parse_optional(id).unwrap();
    command
}

const REQUEST: &str = "123e4567-e89b-12d3-a456-426614174000";

fn new_loan(borrower_id: i64, amount: i64) -> NewLoan {
    NewLoan {
        borrower_id,
        amount: usd(amount),
        term_months: 12,
        annual_rate: "0".to_owned(),
        installment: Minor::new(amount / 12),
        total_repayable: Minor::new(amount),
        origination_time: None,
    }
}

fn loan_payment(loan_id: i64, status: LoanPaymentStatus) -> Op {
    Op::RecordLoanPayment {
        loan_id,
        status,
        payment_time: None,
    }
}

fn run(known: Prefetched, commands: &[Command]) -> Decided {
    decide(known, commands, now())
}

/// Whether every changed balance equals what its summary totals say.
fn totals_add_up(effects: &Effects) {
    for (profile_id, code, state) in &effects.balances {
        let t = state.totals;
        let from_totals =
            t.opening + t.deposited + t.earned + t.transferred_in + t.borrowed + t.reversed_in
                - t.withdrawn
                - t.spent
                - t.transferred_out
                - t.paid_out
                - t.repaid
                - t.reversed_out;
        assert_eq!(
            state.balance.get(),
            from_totals,
            "balance ({profile_id}, {code}) against its totals {t:?}"
        );
    }
}

/// Each variant's index; no wildcard, so a new `Op` fails to compile here
/// until the success table has a row for it.
const VARIANTS: usize = 15;
fn variant(op: &Op) -> usize {
    match op {
        Op::PayJob { .. } => 0,
        Op::Deposit { .. } => 1,
        Op::Withdraw { .. } => 2,
        Op::Transfer { .. } => 3,
        Op::RequestPayout { .. } => 4,
        Op::CancelPayout { .. } => 5,
        Op::CompletePayout { .. } => 6,
        Op::CreateLoan(_) => 7,
        Op::RecordLoanPayment { .. } => 8,
        Op::ExternalCredit { .. } => 9,
        Op::ExternalDebit { .. } => 10,
        Op::ExternalPayout { .. } => 11,
        Op::ExternalPaidOut { .. } => 12,
        Op::ReverseEntry { .. } => 13,
        Op::RefundJob { .. } => 14,
    }
}

/// One success of every operation: what it answers and what it writes.
type Check = fn(&Receipt, &[Fill], &Effects);

fn successes() -> Vec<(&'static str, Command, Check)> {
    vec![
        (
            "pay a job",
            by(CLIENT, Op::PayJob { job_id: JOB }),
            |receipt, fills, effects| {
                let Receipt::PayJob {
                    job,
                    client_balance,
                } = receipt
                else {
                    panic!("{receipt:?}")
                };
                assert!(job.paid);
                assert_eq!(job.payment_time, Some(now()));
                assert_eq!(*client_balance, usd(CLIENT_BALANCE - JOB_PRICE));
                assert!(fills.is_empty());
                assert_eq!(effects.paid_jobs, vec![JOB]);
                assert_eq!(effects.entries.len(), 1);
                let entry = &effects.entries[0];
                assert_eq!(entry.kind, EntryKind::JobPayment);
                assert_eq!(
                    entry.debit,
                    Some((CLIENT, Minor::new(CLIENT_BALANCE - JOB_PRICE)))
                );
                assert_eq!(
                    entry.credit,
                    Some((CONTRACTOR, Minor::new(CONTRACTOR_BALANCE + JOB_PRICE)))
                );
                assert_eq!(entry.job_id, Some(JOB));
            },
        ),
        (
            "deposit a quarter of the outstanding jobs",
            by(
                CLIENT,
                Op::Deposit {
                    profile_id: CLIENT,
                    amount: usd(JOB_PRICE / 4),
                },
            ),
            |receipt, _, effects| {
                assert_eq!(
                    *receipt,
                    Receipt::Deposit {
                        balance: usd(CLIENT_BALANCE + JOB_PRICE / 4)
                    }
                );
                assert_eq!(effects.entries[0].kind, EntryKind::Deposit);
                assert_eq!(effects.entries[0].debit, None);
                assert_eq!(effects.balances[0].2.totals.deposited, JOB_PRICE / 4);
            },
        ),
        (
            "withdraw all that is available",
            by(
                CONTRACTOR,
                Op::Withdraw {
                    amount: usd(CONTRACTOR_BALANCE - CONTRACTOR_HELD),
                },
            ),
            |receipt, _, effects| {
                assert_eq!(
                    *receipt,
                    Receipt::Withdraw {
                        balance: usd(CONTRACTOR_HELD)
                    }
                );
                assert_eq!(effects.entries[0].kind, EntryKind::Withdrawal);
                assert_eq!(effects.balances[0].2.held, Minor::new(CONTRACTOR_HELD));
            },
        ),
        (
            "transfer to another profile, opening its balance",
            by(
                CLIENT,
                Op::Transfer {
                    to_profile_id: POOR_CLIENT,
                    amount: usd(700),
                },
            ),
            |receipt, _, effects| {
                assert_eq!(
                    *receipt,
                    Receipt::Transfer {
                        balance: usd(CLIENT_BALANCE - 700)
                    }
                );
                assert_eq!(effects.balances.len(), 2);
                let opened = &effects.balances[1];
                assert_eq!((opened.0, opened.2.balance), (POOR_CLIENT, Minor::new(700)));
                assert_eq!(opened.2.totals.transferred_in, 700);
            },
        ),
        (
            "request a payout: held, not moved",
            by(CONTRACTOR, Op::RequestPayout { amount: usd(100) }),
            |receipt, fills, effects| {
                let Receipt::Payout { payout } = receipt else {
                    panic!("{receipt:?}")
                };
                assert_eq!(payout.state, domain::PayoutState::Requested);
                assert_eq!(payout.id, 0, "filled by apply");
                assert_eq!(fills, [Fill::Payout(0)]);
                assert!(effects.entries.is_empty());
                assert_eq!(effects.new_payouts.len(), 1);
                let state = effects.balances[0].2;
                assert_eq!(state.balance, Minor::new(CONTRACTOR_BALANCE));
                assert_eq!(state.held, Minor::new(CONTRACTOR_HELD + 100));
            },
        ),
        (
            "cancel one's own payout",
            by(CONTRACTOR, Op::CancelPayout { payout_id: PAYOUT }),
            |receipt, fills, effects| {
                let Receipt::Payout { payout } = receipt else {
                    panic!("{receipt:?}")
                };
                assert_eq!(
                    (payout.id, payout.state),
                    (PAYOUT, domain::PayoutState::Cancelled)
                );
                assert!(fills.is_empty());
                assert_eq!(effects.changed_payouts.len(), 1);
                assert_eq!(effects.balances[0].2.held, Minor::ZERO);
                assert!(effects.entries.is_empty());
            },
        ),
        (
            "complete a payout (admin)",
            by(ADMIN, Op::CompletePayout { payout_id: PAYOUT }),
            |receipt, fills, effects| {
                let Receipt::Payout { payout } = receipt else {
                    panic!("{receipt:?}")
                };
                assert_eq!(payout.state, domain::PayoutState::PaidOut);
                assert_eq!(fills, [Fill::PayoutEntry(0)]);
                assert_eq!(effects.changed_payouts[0].entry, Some(0));
                assert_eq!(effects.entries[0].kind, EntryKind::Payout);
                let state = effects.balances[0].2;
                assert_eq!(
                    state.balance,
                    Minor::new(CONTRACTOR_BALANCE - PAYOUT_AMOUNT)
                );
                assert_eq!(state.held, Minor::ZERO);
                assert_eq!(state.totals.paid_out, PAYOUT_AMOUNT);
            },
        ),
        (
            "lend",
            by(ADMIN, Op::CreateLoan(new_loan(POOR_CLIENT, 1_200))),
            |receipt, fills, effects| {
                let Receipt::CreateLoan { loan } = receipt else {
                    panic!("{receipt:?}")
                };
                assert_eq!(loan.outstanding, usd(1_200));
                assert_eq!(loan.origination_time, now());
                assert_eq!(fills, [Fill::Loan(0)]);
                assert_eq!(effects.new_loans.len(), 1);
                assert_eq!(effects.entries[0].kind, EntryKind::LoanDisbursement);
                assert_eq!(effects.balances[0].2.totals.borrowed, 1_200);
            },
        ),
        (
            "record a made loan payment",
            by(ADMIN, loan_payment(LOAN, LoanPaymentStatus::Made)),
            |receipt, fills, effects| {
                let Receipt::RecordLoanPayment { payment } = receipt else {
                    panic!("{receipt:?}")
                };
                assert_eq!(payment.amount, usd(INSTALLMENT));
                assert_eq!(fills, [Fill::LoanPayment(0), Fill::LoanPaymentEntry(0)]);
                assert_eq!(effects.new_loan_payments[0].entry, Some(0));
                assert_eq!(effects.new_loan_payments[0].model.payment_month, "2026-12");
                assert_eq!(effects.entries[0].kind, EntryKind::LoanRepayment);
                assert_eq!(effects.balances[0].2.totals.repaid, INSTALLMENT);
            },
        ),
        (
            "credit money earned outside",
            by(
                ADMIN,
                Op::ExternalCredit {
                    profile_id: CONTRACTOR,
                    amount: usd(50),
                },
            ),
            |receipt, _, effects| {
                assert_eq!(
                    *receipt,
                    Receipt::External {
                        balance: usd(CONTRACTOR_BALANCE + 50)
                    }
                );
                assert_eq!(effects.entries[0].kind, EntryKind::ExternalCredit);
            },
        ),
        (
            "debit money spent outside",
            by(
                ADMIN,
                Op::ExternalDebit {
                    profile_id: CLIENT,
                    amount: usd(50),
                },
            ),
            |receipt, _, effects| {
                assert_eq!(
                    *receipt,
                    Receipt::External {
                        balance: usd(CLIENT_BALANCE - 50)
                    }
                );
                assert_eq!(effects.entries[0].kind, EntryKind::ExternalDebit);
            },
        ),
        (
            "hold a payout requested upstream",
            by(
                ADMIN,
                Op::ExternalPayout {
                    profile_id: CLIENT,
                    amount: usd(50),
                    external_id: "up-1".to_owned(),
                },
            ),
            |receipt, fills, effects| {
                let Receipt::Payout { payout } = receipt else {
                    panic!("{receipt:?}")
                };
                assert_eq!(payout.external_id.as_deref(), Some("up-1"));
                assert_eq!(fills, [Fill::Payout(0)]);
                assert_eq!(effects.balances[0].2.held, Minor::new(50));
            },
        ),
        (
            "complete the oldest matching payout, paid upstream",
            by(
                ADMIN,
                Op::ExternalPaidOut {
                    profile_id: CONTRACTOR,
                    amount: usd(PAYOUT_AMOUNT),
                },
            ),
            |receipt, fills, effects| {
                let Receipt::Payout { payout } = receipt else {
                    panic!("{receipt:?}")
                };
                assert_eq!(
                    (payout.id, payout.state),
                    (PAYOUT, domain::PayoutState::PaidOut)
                );
                assert_eq!(fills, [Fill::PayoutEntry(0)]);
                assert_eq!(effects.balances[0].2.held, Minor::ZERO);
            },
        ),
        (
            "reverse part of a deposit",
            by(
                ADMIN,
                Op::ReverseEntry {
                    entry_id: DEPOSIT_ENTRY,
                    amount: Some(usd(300)),
                    reason: Some("charged back".to_owned()),
                },
            ),
            |receipt, fills, effects| {
                let Receipt::Reversal { reversal, original } = receipt else {
                    panic!("{receipt:?}")
                };
                assert_eq!(reversal.kind, EntryKind::Reversal);
                assert_eq!(reversal.reversal_of, Some(DEPOSIT_ENTRY));
                assert_eq!(reversal.reason.as_deref(), Some("charged back"));
                assert_eq!(reversal.debit_profile_id, Some(CLIENT));
                assert_eq!(reversal.credit_profile_id, None);
                assert_eq!(
                    reversal.debit_balance_after,
                    Some(Minor::new(CLIENT_BALANCE - 300))
                );
                assert_eq!(original.reversed, Minor::new(300));
                assert_eq!(fills, [Fill::ReversalEntry(0)]);
                assert_eq!(effects.reversed_entries, vec![(DEPOSIT_ENTRY, 300)]);
                assert!(effects.refunded_jobs.is_empty());
                assert_eq!(effects.balances[0].2.totals.reversed_out, 300);
            },
        ),
        (
            "refund the rest of a job's payment",
            by(
                CONTRACTOR,
                Op::RefundJob {
                    job_id: PAID_JOB,
                    amount: None,
                },
            ),
            |receipt, fills, effects| {
                let Receipt::Refund {
                    job,
                    reversal,
                    contractor_balance,
                } = receipt
                else {
                    panic!("{receipt:?}")
                };
                let rest = JOB_PRICE - REFUNDED;
                assert_eq!(job.refunded, Minor::new(JOB_PRICE));
                assert!(job.paid, "a refunded job stays paid");
                assert_eq!(reversal.amount, Minor::new(rest));
                assert_eq!(reversal.reversal_of, Some(PAYMENT_ENTRY));
                assert_eq!(*contractor_balance, usd(CONTRACTOR_BALANCE - rest));
                assert_eq!(fills, [Fill::ReversalEntry(0)]);
                assert_eq!(effects.reversed_entries, vec![(PAYMENT_ENTRY, JOB_PRICE)]);
                assert_eq!(effects.refunded_jobs, vec![(PAID_JOB, JOB_PRICE)]);
                let client = effects.balances.iter().find(|b| b.0 == CLIENT).unwrap();
                assert_eq!(client.2.totals.reversed_in, rest);
            },
        ),
    ]
}

#[test]
fn every_operation_succeeds_and_its_balances_add_up_to_their_totals() {
    let mut covered = BTreeSet::new();
    for (name, command, check) in successes() {
        covered.insert(variant(&command.op));
        let decided = run(world(), std::slice::from_ref(&command));
        let Ok(Decision::Done { receipt, fills }) = &decided.outcomes[0] else {
            panic!("{name}: {:?}", decided.outcomes[0]);
        };
        check(receipt, fills, &decided.effects);
        assert!(
            !decided.effects.balances.is_empty(),
            "{name} moves no balance"
        );
        totals_add_up(&decided.effects);
        assert!(decided.effects.records.is_empty(), "{name}: no request id");
    }
    assert_eq!(
        covered,
        (0..VARIANTS).collect(),
        "an operation has no success row"
    );
}

fn insufficient(balance: i64, available: i64, required: i64) -> Error {
    Error::InsufficientFunds {
        balance: usd(balance),
        available: usd(available),
        required: usd(required),
    }
}

/// Every refusal reason of every operation, each against a fresh world.
fn refusals() -> Vec<(&'static str, Command, Error)> {
    let poor_has_nothing = |required| insufficient(0, 0, required);
    vec![
        (
            "an unknown caller",
            by(UNKNOWN, Op::Withdraw { amount: usd(1) }),
            Error::Unauthenticated(AuthFailure::UnknownProfile),
        ),
        (
            "pay a job that does not exist",
            by(CLIENT, Op::PayJob { job_id: 404 }),
            Error::NotFound(Resource::Job, 404),
        ),
        (
            "pay a job of someone else's contract",
            by(CLIENT, Op::PayJob { job_id: POOR_JOB }),
            Error::NotFound(Resource::Job, POOR_JOB),
        ),
        (
            "the contractor pays its own job",
            by(CONTRACTOR, Op::PayJob { job_id: JOB }),
            Error::WrongParty("only the contract's client may pay its jobs"),
        ),
        (
            "pay a paid job",
            by(CLIENT, Op::PayJob { job_id: PAID_JOB }),
            Error::JobAlreadyPaid,
        ),
        (
            "pay a job of a terminated contract",
            by(
                CLIENT,
                Op::PayJob {
                    job_id: JOB_OF_ENDED_CONTRACT,
                },
            ),
            Error::ContractNotActive,
        ),
        (
            "pay a job without the money",
            by(POOR_CLIENT, Op::PayJob { job_id: POOR_JOB }),
            poor_has_nothing(JOB_PRICE),
        ),
        (
            "deposit into another profile",
            by(
                CLIENT,
                Op::Deposit {
                    profile_id: POOR_CLIENT,
                    amount: usd(1),
                },
            ),
            Error::DepositNotAllowed("a deposit can only be made into the caller's own balance"),
        ),
        (
            "a contractor deposits",
            by(
                CONTRACTOR,
                Op::Deposit {
                    profile_id: CONTRACTOR,
                    amount: usd(1),
                },
            ),
            Error::DepositNotAllowed("only clients can deposit"),
        ),
        (
            "deposit over a quarter of the outstanding jobs",
            by(
                CLIENT,
                Op::Deposit {
                    profile_id: CLIENT,
                    amount: usd(JOB_PRICE / 4 + 1),
                },
            ),
            Error::DepositLimitExceeded {
                limit: usd(JOB_PRICE / 4),
            },
        ),
        (
            "withdraw what is held",
            by(
                CONTRACTOR,
                Op::Withdraw {
                    amount: usd(CONTRACTOR_BALANCE - CONTRACTOR_HELD + 1),
                },
            ),
            insufficient(
                CONTRACTOR_BALANCE,
                CONTRACTOR_BALANCE - CONTRACTOR_HELD,
                CONTRACTOR_BALANCE - CONTRACTOR_HELD + 1,
            ),
        ),
        (
            "transfer to oneself",
            by(
                CLIENT,
                Op::Transfer {
                    to_profile_id: CLIENT,
                    amount: usd(1),
                },
            ),
            Error::invalid("to_profile_id", "must be another profile than the caller"),
        ),
        (
            "transfer to nobody",
            by(
                CLIENT,
                Op::Transfer {
                    to_profile_id: UNKNOWN,
                    amount: usd(1),
                },
            ),
            Error::invalid(
                "to_profile_id",
                format!("must be the id of a profile: no profile has id {UNKNOWN}"),
            ),
        ),
        (
            "transfer without the money",
            by(
                POOR_CLIENT,
                Op::Transfer {
                    to_profile_id: CLIENT,
                    amount: usd(1),
                },
            ),
            poor_has_nothing(1),
        ),
        (
            "transfer past the largest balance",
            by(
                CLIENT,
                Op::Transfer {
                    to_profile_id: RICH,
                    amount: usd(1),
                },
            ),
            Error::BalanceLimitExceeded,
        ),
        (
            "request a payout of what is held",
            by(
                CONTRACTOR,
                Op::RequestPayout {
                    amount: usd(CONTRACTOR_BALANCE),
                },
            ),
            insufficient(
                CONTRACTOR_BALANCE,
                CONTRACTOR_BALANCE - CONTRACTOR_HELD,
                CONTRACTOR_BALANCE,
            ),
        ),
        (
            "cancel someone else's payout",
            by(CLIENT, Op::CancelPayout { payout_id: PAYOUT }),
            Error::NotFound(Resource::Payout, PAYOUT),
        ),
        (
            "cancel a cancelled payout",
            by(
                CONTRACTOR,
                Op::CancelPayout {
                    payout_id: CANCELLED_PAYOUT,
                },
            ),
            Error::PayoutNotRequested {
                state: "PAYOUT_STATE_CANCELLED",
            },
        ),
        (
            "complete a payout that does not exist",
            by(ADMIN, Op::CompletePayout { payout_id: 404 }),
            Error::NotFound(Resource::Payout, 404),
        ),
        (
            "complete a cancelled payout",
            by(
                ADMIN,
                Op::CompletePayout {
                    payout_id: CANCELLED_PAYOUT,
                },
            ),
            Error::PayoutNotRequested {
                state: "PAYOUT_STATE_CANCELLED",
            },
        ),
        (
            "lend to nobody",
            by(ADMIN, Op::CreateLoan(new_loan(UNKNOWN, 1_200))),
            Error::invalid(
                "borrower_id",
                format!("must be the id of a profile: no profile has id {UNKNOWN}"),
            ),
        ),
        (
            "lend past the largest balance",
            by(ADMIN, Op::CreateLoan(new_loan(RICH, 12))),
            Error::BalanceLimitExceeded,
        ),
        (
            "record a payment of a loan that does not exist",
            by(ADMIN, loan_payment(404, LoanPaymentStatus::Made)),
            Error::NotFound(Resource::Loan, 404),
        ),
        (
            "record a payment before the loan began",
            by(
                ADMIN,
                Op::RecordLoanPayment {
                    loan_id: LOAN,
                    status: LoanPaymentStatus::Made,
                    payment_time: Some(Utc.with_ymd_and_hms(2026, 1, 14, 23, 0, 0).unwrap()),
                },
            ),
            Error::invalid(
                "payment_time",
                "must not be before the loan's origination day",
            ),
        ),
        (
            "record a month twice",
            by(
                ADMIN,
                Op::RecordLoanPayment {
                    loan_id: LOAN,
                    status: LoanPaymentStatus::Missed,
                    payment_time: Some(Utc.with_ymd_and_hms(2026, 1, 20, 0, 0, 0).unwrap()),
                },
            ),
            Error::LoanPaymentAlreadyRecorded {
                month: "2026-01".to_owned(),
            },
        ),
        (
            "record a payment of a repaid loan",
            by(ADMIN, loan_payment(REPAID_LOAN, LoanPaymentStatus::Made)),
            Error::LoanRepaid,
        ),
        (
            "credit past the largest balance",
            by(
                ADMIN,
                Op::ExternalCredit {
                    profile_id: RICH,
                    amount: usd(1),
                },
            ),
            Error::BalanceLimitExceeded,
        ),
        (
            "debit what is not there",
            by(
                ADMIN,
                Op::ExternalDebit {
                    profile_id: POOR_CLIENT,
                    amount: usd(1),
                },
            ),
            poor_has_nothing(1),
        ),
        (
            "hold an upstream payout without the money",
            by(
                ADMIN,
                Op::ExternalPayout {
                    profile_id: POOR_CLIENT,
                    amount: usd(1),
                    external_id: "up-2".to_owned(),
                },
            ),
            poor_has_nothing(1),
        ),
        (
            "complete an upstream payout no request matches",
            by(
                ADMIN,
                Op::ExternalPaidOut {
                    profile_id: CONTRACTOR,
                    amount: usd(PAYOUT_AMOUNT + 1),
                },
            ),
            Error::NoMatchingPayout,
        ),
        (
            "reverse an entry that does not exist",
            by(
                ADMIN,
                Op::ReverseEntry {
                    entry_id: 404,
                    amount: None,
                    reason: None,
                },
            ),
            Error::NotFound(Resource::LedgerEntry, 404),
        ),
        (
            "reverse an opening",
            by(
                ADMIN,
                Op::ReverseEntry {
                    entry_id: OPENING_ENTRY,
                    amount: None,
                    reason: None,
                },
            ),
            Error::EntryNotReversible {
                kind: "LEDGER_ENTRY_KIND_OPENING",
            },
        ),
        (
            "reverse more than is left",
            by(
                ADMIN,
                Op::ReverseEntry {
                    entry_id: PAYMENT_ENTRY,
                    amount: Some(usd(JOB_PRICE - REFUNDED + 1)),
                    reason: None,
                },
            ),
            Error::ReversalExceedsEntry {
                reversible: usd(JOB_PRICE - REFUNDED),
            },
        ),
        (
            "reverse a deposit whose money is spent",
            by(
                ADMIN,
                Op::ReverseEntry {
                    entry_id: SPENT_DEPOSIT_ENTRY,
                    amount: None,
                    reason: None,
                },
            ),
            insufficient(0, 0, 100),
        ),
        (
            "reverse in another currency",
            by(
                ADMIN,
                Op::ReverseEntry {
                    entry_id: DEPOSIT_ENTRY,
                    amount: Some(Currency::new("EUR", 2).money(Minor::new(1))),
                    reason: None,
                },
            ),
            Error::invalid("amount", "must be in the entry's currency, USD"),
        ),
        (
            "refund a job that does not exist",
            by(
                CONTRACTOR,
                Op::RefundJob {
                    job_id: 404,
                    amount: None,
                },
            ),
            Error::NotFound(Resource::Job, 404),
        ),
        (
            "the client refunds",
            by(
                CLIENT,
                Op::RefundJob {
                    job_id: PAID_JOB,
                    amount: None,
                },
            ),
            Error::WrongParty("only the job's contractor may refund its payment"),
        ),
        (
            "refund a job of someone else's contract",
            by(
                RICH,
                Op::RefundJob {
                    job_id: PAID_JOB,
                    amount: None,
                },
            ),
            Error::NotFound(Resource::Job, PAID_JOB),
        ),
        (
            "refund an unpaid job",
            by(
                CONTRACTOR,
                Op::RefundJob {
                    job_id: JOB,
                    amount: None,
                },
            ),
            Error::JobNotPaid,
        ),
        (
            "refund a job paid before the ledger",
            by(
                CONTRACTOR,
                Op::RefundJob {
                    job_id: SEEDED_PAID_JOB,
                    amount: None,
                },
            ),
            Error::PaymentNotInLedger,
        ),
        (
            "refund more than was paid",
            by(
                CONTRACTOR,
                Op::RefundJob {
                    job_id: PAID_JOB,
                    amount: Some(usd(JOB_PRICE)),
                },
            ),
            Error::ReversalExceedsEntry {
                reversible: usd(JOB_PRICE - REFUNDED),
            },
        ),
    ]
}

#[test]
fn every_refusal_is_its_own_error_and_writes_nothing() {
    let mut covered = BTreeSet::new();
    for (name, command, expected) in refusals() {
        covered.insert(variant(&command.op));
        let decided = run(world(), std::slice::from_ref(&command));
        assert_eq!(decided.outcomes, vec![Err(expected)], "{name}");
        assert_eq!(
            decided.effects,
            Effects::default(),
            "{name} wrote something"
        );
    }
    assert_eq!(
        covered,
        (0..VARIANTS).collect(),
        "an operation has no refusal row"
    );
}

#[test]
fn a_made_payment_of_a_zero_installment_moves_no_money() {
    let decided = run(
        world(),
        &[by(
            ADMIN,
            loan_payment(ZERO_INSTALLMENT_LOAN, LoanPaymentStatus::Made),
        )],
    );
    let Ok(Decision::Done { fills, .. }) = &decided.outcomes[0] else {
        panic!("{:?}", decided.outcomes);
    };
    assert_eq!(fills, &[Fill::LoanPayment(0)]);
    assert!(decided.effects.entries.is_empty());
    assert_eq!(decided.effects.new_loan_payments[0].entry, None);
}

#[test]
fn a_missed_payment_moves_no_money_but_counts_its_month() {
    let missed = by(ADMIN, loan_payment(LOAN, LoanPaymentStatus::Missed));
    let decided = run(world(), &[missed.clone(), missed]);
    assert!(decided.outcomes[0].is_ok());
    assert_eq!(
        decided.outcomes[1],
        Err(Error::LoanPaymentAlreadyRecorded {
            month: "2026-12".to_owned()
        })
    );
    assert!(decided.effects.entries.is_empty());
    assert!(decided.effects.balances.is_empty());
}

#[test]
fn a_refused_command_leaves_the_others_of_its_batch_as_if_alone() {
    let pay = by(CLIENT, Op::PayJob { job_id: JOB });
    let refused = by(POOR_CLIENT, Op::Withdraw { amount: usd(1) });
    let alone = run(world(), std::slice::from_ref(&pay));
    let mixed = run(world(), &[refused, pay]);
    assert_eq!(mixed.outcomes[0], Err(insufficient(0, 0, 1)));
    assert_eq!(mixed.outcomes[1], alone.outcomes[0]);
    assert_eq!(mixed.effects, alone.effects);
}

#[test]
fn later_commands_of_a_batch_see_the_earlier_ones() {
    let withdraw = |units| by(CLIENT, Op::Withdraw { amount: usd(units) });
    let decided = run(
        world(),
        &[
            by(CLIENT, Op::PayJob { job_id: JOB }),
            // The job is paid: nothing outstanding, no deposit allowed.
            by(
                CLIENT,
                Op::Deposit {
                    profile_id: CLIENT,
                    amount: usd(1),
                },
            ),
            withdraw(CLIENT_BALANCE - JOB_PRICE),
            withdraw(1),
            by(CLIENT, Op::PayJob { job_id: JOB }),
        ],
    );
    assert!(decided.outcomes[0].is_ok());
    assert_eq!(
        decided.outcomes[1],
        Err(Error::DepositLimitExceeded { limit: usd(0) })
    );
    assert!(decided.outcomes[2].is_ok());
    assert_eq!(decided.outcomes[3], Err(insufficient(0, 0, 1)));
    assert_eq!(decided.outcomes[4], Err(Error::JobAlreadyPaid));
    // Entries in decision order, each with the balance after it.
    let afters: Vec<_> = decided.effects.entries.iter().map(|e| e.debit).collect();
    assert_eq!(
        afters,
        vec![
            Some((CLIENT, Minor::new(CLIENT_BALANCE - JOB_PRICE))),
            Some((CLIENT, Minor::ZERO)),
        ]
    );
    totals_add_up(&decided.effects);
}

#[test]
fn a_payout_requested_and_paid_upstream_in_one_batch_is_paid_once() {
    let requested = by(
        ADMIN,
        Op::ExternalPayout {
            profile_id: CLIENT,
            amount: usd(70),
            external_id: "up-3".to_owned(),
        },
    );
    let paid = by(
        ADMIN,
        Op::ExternalPaidOut {
            profile_id: CLIENT,
            amount: usd(70),
        },
    );
    let decided = run(world(), &[requested, paid.clone(), paid]);
    let Ok(Decision::Done { receipt, fills }) = &decided.outcomes[1] else {
        panic!("{:?}", decided.outcomes);
    };
    let Receipt::Payout { payout } = receipt else {
        panic!("{receipt:?}")
    };
    assert_eq!(payout.state, domain::PayoutState::PaidOut);
    assert_eq!(fills, &[Fill::Payout(0), Fill::PayoutEntry(0)]);
    // The first answer is the payout as it was requested.
    let Ok(Decision::Done {
        receipt: Receipt::Payout { payout: first },
        ..
    }) = &decided.outcomes[0]
    else {
        panic!("{:?}", decided.outcomes);
    };
    assert_eq!(first.state, domain::PayoutState::Requested);
    assert_eq!(decided.outcomes[2], Err(Error::NoMatchingPayout));
    assert_eq!(decided.effects.new_payouts.len(), 1);
    assert_eq!(decided.effects.new_payouts[0].entry, Some(0));
    let state = decided.effects.balances[0].2;
    assert_eq!(state.balance, Minor::new(CLIENT_BALANCE - 70));
    assert_eq!(state.held, Minor::ZERO);
    totals_add_up(&decided.effects);
}

#[test]
fn a_payout_cancelled_cannot_be_completed_in_the_same_batch() {
    let decided = run(
        world(),
        &[
            by(CONTRACTOR, Op::CancelPayout { payout_id: PAYOUT }),
            by(ADMIN, Op::CompletePayout { payout_id: PAYOUT }),
        ],
    );
    assert!(decided.outcomes[0].is_ok());
    assert_eq!(
        decided.outcomes[1],
        Err(Error::PayoutNotRequested {
            state: "PAYOUT_STATE_CANCELLED"
        })
    );
    assert_eq!(decided.effects.changed_payouts.len(), 1);
    assert!(decided.effects.entries.is_empty());
}

#[test]
fn a_request_id_answers_its_first_outcome_again() {
    let withdraw =
        |units| with_request_id(by(CLIENT, Op::Withdraw { amount: usd(units) }), REQUEST);
    let decided = run(world(), &[withdraw(5), withdraw(5), withdraw(6)]);
    assert!(matches!(decided.outcomes[0], Ok(Decision::Done { .. })));
    assert_eq!(decided.outcomes[1], Ok(Decision::Repeat(0)));
    assert_eq!(decided.outcomes[2], Err(Error::RequestIdReused));
    assert_eq!(decided.effects.entries.len(), 1, "applied once");
    assert_eq!(decided.effects.records.len(), 1);
    assert_eq!(decided.effects.records[0].outcome, 0);
}

#[test]
fn a_stored_request_answers_its_stored_receipt_and_moves_nothing() {
    let command = with_request_id(by(CLIENT, Op::Withdraw { amount: usd(5) }), REQUEST);
    let stored = Receipt::Withdraw {
        balance: usd(1_234),
    };
    let mut known = world();
    known.records.insert(
        (CLIENT, REQUEST.to_owned()),
        request_record::Model {
            caller_id: CLIENT,
            request_id: REQUEST.to_owned(),
            method: "Withdraw".to_owned(),
            request_hash: super::idempotency::request_hash(&command.op),
            response: stored.encode(),
            created_at: now(),
        },
    );
    let other = with_request_id(by(CLIENT, Op::Withdraw { amount: usd(6) }), REQUEST);
    let decided = run(known, &[command, other]);
    assert_eq!(
        decided.outcomes,
        vec![
            Ok(Decision::Done {
                receipt: stored,
                fills: vec![]
            }),
            Err(Error::RequestIdReused)
        ]
    );
    assert_eq!(decided.effects, Effects::default());
}

#[test]
fn a_refused_command_with_a_request_id_is_not_remembered() {
    let command = with_request_id(by(POOR_CLIENT, Op::Withdraw { amount: usd(1) }), REQUEST);
    let decided = run(world(), &[command.clone(), command]);
    assert_eq!(
        decided.outcomes,
        vec![Err(insufficient(0, 0, 1)), Err(insufficient(0, 0, 1))]
    );
    assert!(decided.effects.records.is_empty());
}

#[test]
fn reversals_of_one_entry_in_one_batch_see_each_other() {
    let refund = |units| {
        by(
            CONTRACTOR,
            Op::RefundJob {
                job_id: PAID_JOB,
                amount: Some(usd(units)),
            },
        )
    };
    let rest = JOB_PRICE - REFUNDED;
    let decided = run(
        world(),
        &[
            refund(rest - 100),
            refund(101),
            by(
                ADMIN,
                Op::ReverseEntry {
                    entry_id: PAYMENT_ENTRY,
                    amount: None,
                    reason: None,
                },
            ),
            refund(1),
        ],
    );
    assert!(decided.outcomes[0].is_ok());
    assert_eq!(
        decided.outcomes[1],
        Err(Error::ReversalExceedsEntry {
            reversible: usd(100)
        })
    );
    // The admin reverses the last 100; nothing is left to refund.
    assert!(decided.outcomes[2].is_ok());
    assert_eq!(
        decided.outcomes[3],
        Err(Error::ReversalExceedsEntry { reversible: usd(0) })
    );
    assert_eq!(
        decided.effects.reversed_entries,
        vec![(PAYMENT_ENTRY, JOB_PRICE)]
    );
    assert_eq!(decided.effects.refunded_jobs, vec![(PAID_JOB, JOB_PRICE)]);
    assert_eq!(decided.effects.entries.len(), 2);
    totals_add_up(&decided.effects);
}

#[test]
fn a_reversal_cannot_be_reversed() {
    let mut known = world();
    let mut reversal = entry_row(50, EntryKind::Reversal, Some(CLIENT), None, 10, 0);
    reversal.model.reversal_of = Some(DEPOSIT_ENTRY);
    known.entries.insert(50, reversal);
    let decided = run(
        known,
        &[by(
            ADMIN,
            Op::ReverseEntry {
                entry_id: 50,
                amount: None,
                reason: None,
            },
        )],
    );
    assert_eq!(
        decided.outcomes,
        vec![Err(Error::EntryNotReversible {
            kind: "LEDGER_ENTRY_KIND_REVERSAL"
        })]
    );
}
