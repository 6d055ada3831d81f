//! The scenarios: set-up through the public API, then the measured load.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use prost_types::Timestamp;
use tokio::task::JoinSet;
use tonic::transport::Channel;
use tonic::{Request, Status};
use tonic_types::StatusExt;

use super::{Report, pick};
use jobpay::money::Minor;
use jobpay::proto::pb;
use jobpay::proto::pb::admin_service_client::AdminServiceClient;
use jobpay::proto::pb::balance_service_client::BalanceServiceClient;
use jobpay::proto::pb::contract_service_client::ContractServiceClient;
use jobpay::proto::pb::job_service_client::JobServiceClient;

pub struct Load {
    pub channels: Vec<Channel>,
    pub admin_key: String,
}

fn as_profile<T>(id: i64, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        jobpay::auth::PROFILE_ID_KEY,
        id.to_string().parse().expect("digits are valid metadata"),
    );
    request
}

fn setup_error(step: &str) -> impl Fn(Status) -> String + '_ {
    move |status| {
        format!(
            "set-up failed at {step}: {:?} {}",
            status.code(),
            status.message()
        )
    }
}

fn outcome(result: &Result<(), Status>) -> String {
    match result {
        Ok(()) => "OK".to_owned(),
        Err(status) => match status.get_details_error_info() {
            Some(info) => format!("{:?}/{}", status.code(), info.reason),
            None => format!("{:?}: {}", status.code(), status.message()),
        },
    }
}

/// A client and a contractor under an in-progress contract; the client
/// holds `funds` (deposited against an outstanding job worth 4 x funds
/// that is never paid).
pub(super) struct Party {
    pub(super) client: i64,
    pub(super) contractor: i64,
    contract: i64,
}

impl Load {
    fn channel(&self, i: usize) -> Channel {
        pick(&self.channels, i)
    }

    async fn profile(&self, kind: pb::ProfileType) -> Result<i64, String> {
        let mut request = Request::new(pb::CreateProfileRequest {
            first_name: "Bench".into(),
            last_name: format!("{kind:?}"),
            profession: "Benchmark".into(),
            r#type: kind.into(),
            ..Default::default()
        });
        request.metadata_mut().insert(
            "authorization",
            format!("Bearer {}", self.admin_key)
                .parse()
                .map_err(|_| "the admin key is not valid metadata".to_owned())?,
        );
        Ok(AdminServiceClient::new(self.channel(0))
            .create_profile(request)
            .await
            .map_err(setup_error("CreateProfile (is --admin-key right?)"))?
            .into_inner()
            .id)
    }

    pub(super) async fn party(&self, funds: Minor) -> Result<Party, String> {
        let client = self.profile(pb::ProfileType::Client).await?;
        let contractor = self.profile(pb::ProfileType::Contractor).await?;
        let mut contracts = ContractServiceClient::new(self.channel(client as usize));
        let contract = contracts
            .create_contract(as_profile(
                client,
                pb::CreateContractRequest {
                    contractor_id: contractor,
                    terms: "benchmark".into(),
                    ..Default::default()
                },
            ))
            .await
            .map_err(setup_error("CreateContract"))?
            .into_inner()
            .id;
        contracts
            .start_contract(as_profile(
                contractor,
                pb::StartContractRequest { id: contract },
            ))
            .await
            .map_err(setup_error("StartContract"))?;
        if funds.is_positive() {
            self.job(client, contract, Minor::new(funds.get().saturating_mul(4)))
                .await?;
            BalanceServiceClient::new(self.channel(client as usize))
                .deposit(as_profile(
                    client,
                    pb::DepositRequest {
                        profile_id: client,
                        amount: funds.format(2),
                        request_id: String::new(),
                        ..Default::default()
                    },
                ))
                .await
                .map_err(setup_error("Deposit"))?;
        }
        Ok(Party {
            client,
            contractor,
            contract,
        })
    }

    async fn job(&self, client: i64, contract: i64, price: Minor) -> Result<i64, String> {
        Ok(JobServiceClient::new(self.channel(client as usize))
            .create_job(as_profile(
                client,
                pb::CreateJobRequest {
                    contract_id: contract,
                    description: "benchmark work".into(),
                    price: price.format(2),
                },
            ))
            .await
            .map_err(setup_error("CreateJob"))?
            .into_inner()
            .id)
    }
}

/// Runs `calls` calls with `concurrency` workers back to back; `call(i)`
/// makes call number i.
async fn closed_loop<F, Fut>(
    concurrency: usize,
    calls: usize,
    call: F,
) -> (Duration, BTreeMap<String, usize>, Vec<Duration>)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Status>> + Send,
{
    let call = Arc::new(call);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (call, next) = (Arc::clone(&call), Arc::clone(&next));
        workers.spawn(async move {
            let mut seen = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= calls {
                    return seen;
                }
                let at = Instant::now();
                let result = call(i).await;
                seen.push((outcome(&result), at.elapsed()));
            }
        });
    }
    let mut outcomes = BTreeMap::new();
    let mut latencies = Vec::with_capacity(calls);
    for (name, latency) in workers.join_all().await.into_iter().flatten() {
        *outcomes.entry(name).or_insert(0) += 1;
        latencies.push(latency);
    }
    let wall = started.elapsed();
    latencies.sort();
    (wall, outcomes, latencies)
}

/// Sets up in parallel: `count` parties of `funds` each.
async fn parties(load: &Arc<Load>, count: usize, funds: Minor) -> Result<Vec<Party>, String> {
    let mut setups = JoinSet::new();
    for _ in 0..count {
        let load = Arc::clone(load);
        setups.spawn(async move { load.party(funds).await });
    }
    setups.join_all().await.into_iter().collect()
}

pub async fn storm(load: &Load, calls: usize, concurrency: usize) -> Result<Report, String> {
    let funds = Minor::new(calls as i64 * 100);
    let client = load.party(funds).await?.client;
    let channels = load.channels.clone();
    let (wall, outcomes, latencies) = closed_loop(concurrency, calls, move |i| {
        let mut balances = BalanceServiceClient::new(pick(&channels, i));
        async move {
            balances
                .withdraw(as_profile(
                    client,
                    pb::WithdrawRequest {
                        amount: "2.00".into(),
                        request_id: String::new(),
                        ..Default::default()
                    },
                ))
                .await
                .map(drop)
        }
    })
    .await;
    let mut report = Report {
        scenario: "storm",
        calls,
        concurrency,
        wall,
        outcomes,
        latencies,
        ..Report::default()
    };
    let balance = BalanceServiceClient::new(load.channel(0))
        .get_balance(as_profile(client, pb::GetBalanceRequest::default()))
        .await
        .map_err(setup_error("GetBalance"))?
        .into_inner()
        .balance;
    let exact = report.outcomes.get("OK") == Some(&(calls / 2)) && balance == "0.00";
    report.notes.push(format!(
        "final balance {balance}; exactly half succeeded: {}",
        if exact { "yes" } else { "NO" }
    ));
    Ok(report)
}

pub async fn pay(load: &Load, calls: usize, concurrency: usize) -> Result<Report, String> {
    let load = Arc::new(Load {
        channels: load.channels.clone(),
        admin_key: load.admin_key.clone(),
    });
    let concurrency = concurrency.max(1);
    let per_worker = calls.div_ceil(concurrency);
    // One client per worker, with enough unpaid jobs of 1.00 and the funds
    // to pay them all.
    let parties = parties(&load, concurrency, Minor::new(per_worker as i64 * 100)).await?;
    let mut job_lists = Vec::new();
    for party in &parties {
        let mut creates = JoinSet::new();
        for _ in 0..per_worker {
            let load = Arc::clone(&load);
            let (client, contract) = (party.client, party.contract);
            creates.spawn(async move { load.job(client, contract, Minor::new(100)).await });
        }
        let jobs: Result<Vec<i64>, String> = creates.join_all().await.into_iter().collect();
        job_lists.push((party.client, jobs?));
    }
    let job_lists = Arc::new(job_lists);
    let channels = load.channels.clone();
    // Call i is worker (i % concurrency)'s job number (i / concurrency):
    // each client pays its own jobs.
    let (wall, outcomes, latencies) = closed_loop(concurrency, calls, move |i| {
        let (client, jobs) = &job_lists[i % concurrency];
        let (client, job) = (*client, jobs[i / concurrency]);
        let mut api = JobServiceClient::new(pick(&channels, i));
        async move {
            api.pay_job(as_profile(
                client,
                pb::PayJobRequest {
                    job_id: job,
                    request_id: String::new(),
                },
            ))
            .await
            .map(drop)
        }
    })
    .await;
    Ok(Report {
        scenario: "pay",
        calls,
        concurrency,
        wall,
        outcomes,
        latencies,
        ..Report::default()
    })
}

/// The read scenarios' set-up: fifty parties, each with five unpaid jobs
/// of 10.00 (like bench/pgbench/setup.sql's readers).
async fn readers(load: &Load) -> Result<Arc<Vec<Party>>, String> {
    let load = Arc::new(Load {
        channels: load.channels.clone(),
        admin_key: load.admin_key.clone(),
    });
    let parties = parties(&load, 50, Minor::ZERO).await?;
    for party in &parties {
        for _ in 0..5 {
            load.job(party.client, party.contract, Minor::new(1_000))
                .await?;
        }
    }
    Ok(Arc::new(parties))
}

/// GetContract of `contract` as `caller`.
async fn get_contract_call(channel: Channel, caller: i64, contract: i64) -> Result<(), Status> {
    ContractServiceClient::new(channel)
        .get_contract(as_profile(caller, pb::GetContractRequest { id: contract }))
        .await
        .map(drop)
}

pub async fn read(load: &Load, calls: usize, concurrency: usize) -> Result<Report, String> {
    let parties = readers(load).await?;
    let channels = load.channels.clone();
    let (wall, outcomes, latencies) = closed_loop(concurrency, calls, move |i| {
        let party = &parties[i % parties.len()];
        let channel = pick(&channels, i);
        let (caller, contract) = if i % 4 < 2 {
            (party.client, party.contract)
        } else {
            (party.contractor, party.contract)
        };
        async move {
            if i % 2 == 0 {
                get_contract_call(channel, caller, contract).await
            } else {
                JobServiceClient::new(channel)
                    .list_unpaid_jobs(as_profile(caller, pb::ListUnpaidJobsRequest::default()))
                    .await
                    .map(drop)
            }
        }
    })
    .await;
    Ok(Report {
        scenario: "read",
        calls,
        concurrency,
        wall,
        outcomes,
        latencies,
        ..Report::default()
    })
}

/// GetContract only, on the read scenario's parties, as their client and
/// their contractor in turn: one point read a call (the caller is
/// authenticated from the known-profiles cache after its first call).
pub async fn get_contract(load: &Load, calls: usize, concurrency: usize) -> Result<Report, String> {
    let parties = readers(load).await?;
    let channels = load.channels.clone();
    let (wall, outcomes, latencies) = closed_loop(concurrency, calls, move |i| {
        let party = &parties[i % parties.len()];
        let caller = if (i / parties.len()) % 2 == 0 {
            party.client
        } else {
            party.contractor
        };
        get_contract_call(pick(&channels, i), caller, party.contract)
    })
    .await;
    Ok(Report {
        scenario: "get-contract",
        calls,
        concurrency,
        wall,
        outcomes,
        latencies,
        ..Report::default()
    })
}

/// `grpc.health.v1.Health/Check` of the whole server: an answer other
/// than SERVING counts as UNAVAILABLE.
pub async fn health(load: &Load, calls: usize, concurrency: usize) -> Result<Report, String> {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
    let channels = load.channels.clone();
    let (wall, outcomes, latencies) = closed_loop(concurrency, calls, move |i| {
        let mut health = HealthClient::new(pick(&channels, i));
        async move {
            let status = health
                .check(HealthCheckRequest::default())
                .await?
                .into_inner()
                .status();
            match status {
                ServingStatus::Serving => Ok(()),
                other => Err(Status::unavailable(other.as_str_name())),
            }
        }
    })
    .await;
    Ok(Report {
        scenario: "health",
        calls,
        concurrency,
        wall,
        outcomes,
        latencies,
        ..Report::default()
    })
}

/// A small deterministic generator (same load for every run).
fn mix(i: usize, salt: u64) -> u64 {
    let mut x = (i as u64)
        .wrapping_add(salt)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 29)
}

pub async fn bank(load: &Load, calls: usize, concurrency: usize) -> Result<Report, String> {
    let load = Arc::new(Load {
        channels: load.channels.clone(),
        admin_key: load.admin_key.clone(),
    });
    let initial = Minor::new(100_000); // 1000.00
    let parties = parties(&load, 10, initial).await?;
    let clients: Vec<i64> = parties.iter().map(|p| p.client).collect();
    let mut accounts = clients.clone();
    accounts.extend(parties.iter().map(|p| p.contractor));
    let start_total = initial.get() * clients.len() as i64;

    let net_change = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let accounts = Arc::new(accounts);
    let channels = load.channels.clone();
    let change = Arc::clone(&net_change);
    let (wall, outcomes, latencies) = closed_loop(concurrency, calls, move |i| {
        let pick_account = |salt| accounts[(mix(i, salt) % accounts.len() as u64) as usize];
        let from = pick_account(1);
        let mut to = pick_account(2);
        if to == from {
            to = accounts
                [(accounts.iter().position(|a| *a == from).unwrap_or(0) + 1) % accounts.len()];
        }
        let client = clients[(mix(i, 3) % clients.len() as u64) as usize];
        let amount = Minor::new(1 + (mix(i, 4) % 1_000) as i64);
        let kind = mix(i, 5) % 10;
        let mut balances = BalanceServiceClient::new(pick(&channels, i));
        let change = Arc::clone(&change);
        async move {
            let (result, delta) = match kind {
                0 => (
                    balances
                        .deposit(as_profile(
                            client,
                            pb::DepositRequest {
                                profile_id: client,
                                amount: amount.format(2),
                                request_id: String::new(),
                                ..Default::default()
                            },
                        ))
                        .await
                        .map(drop),
                    amount.get(),
                ),
                1 => (
                    balances
                        .withdraw(as_profile(
                            from,
                            pb::WithdrawRequest {
                                amount: amount.format(2),
                                request_id: String::new(),
                                ..Default::default()
                            },
                        ))
                        .await
                        .map(drop),
                    -amount.get(),
                ),
                _ => (
                    balances
                        .transfer(as_profile(
                            from,
                            pb::TransferRequest {
                                to_profile_id: to,
                                amount: amount.format(2),
                                request_id: String::new(),
                                ..Default::default()
                            },
                        ))
                        .await
                        .map(drop),
                    0,
                ),
            };
            if result.is_ok() {
                change.fetch_add(delta, Ordering::Relaxed);
            }
            result
        }
    })
    .await;

    let mut total = 0i64;
    let mut negative = false;
    for account in parties.iter().flat_map(|p| [p.client, p.contractor]) {
        let balance = BalanceServiceClient::new(load.channel(0))
            .get_balance(as_profile(account, pb::GetBalanceRequest::default()))
            .await
            .map_err(setup_error("GetBalance"))?
            .into_inner()
            .balance;
        let cents = jobpay::money::Currency::usd()
            .parse_amount(&balance, jobpay::money::Rounding::Exact)
            .map_err(|e| format!("balance {balance}: {e}"))?;
        negative |= cents < Minor::ZERO;
        total += cents.get();
    }
    let expected = start_total + net_change.load(Ordering::Relaxed);
    Ok(Report {
        scenario: "bank",
        calls,
        concurrency,
        wall,
        outcomes,
        latencies,
        notes: vec![format!(
            "money conserved: {} (total {} = start {} + deposits - withdrawals); negative balance: {}",
            if total == expected { "yes" } else { "NO" },
            Minor::new(total).format(2),
            Minor::new(start_total).format(2),
            if negative { "YES" } else { "none" }
        )],
        ..Report::default()
    })
}

/// Gives `profile` a history of `entries` ledger entries: transfers of
/// 0.01 to `to`, all in flight at once (the ledger batches them).
async fn make_history(load: &Load, from: i64, to: i64, entries: usize) -> Result<(), String> {
    let mut tasks = JoinSet::new();
    for i in 0..entries {
        let mut balances = BalanceServiceClient::new(load.channel(i));
        tasks.spawn(async move {
            balances
                .transfer(as_profile(
                    from,
                    pb::TransferRequest {
                        to_profile_id: to,
                        amount: "0.01".into(),
                        ..Default::default()
                    },
                ))
                .await
                .map(drop)
        });
        // Keep at most a few thousand calls in flight.
        if tasks.len() >= 4_096
            && let Some(result) = tasks.join_next().await
        {
            result
                .map_err(|e| e.to_string())?
                .map_err(setup_error("history transfer"))?;
        }
    }
    for result in tasks.join_all().await {
        result.map_err(setup_error("history transfer"))?;
    }
    Ok(())
}

/// A profile with `entries` ledger entries (a funding deposit, then
/// transfers out of 0.01) and the instant midway through making them.
async fn profile_with_history(load: &Load, entries: usize) -> Result<(i64, Timestamp), String> {
    let party = load.party(Minor::new(entries.max(100) as i64)).await?;
    let started = SystemTime::now();
    make_history(
        load,
        party.client,
        party.contractor,
        entries.saturating_sub(1),
    )
    .await?;
    let ended = SystemTime::now();
    let mid = started + ended.duration_since(started).unwrap_or_default() / 2;
    let since = mid.duration_since(UNIX_EPOCH).unwrap_or_default();
    let midway = Timestamp {
        seconds: since.as_secs() as i64,
        nanos: since.subsec_nanos() as i32,
    };
    Ok((party.client, midway))
}

/// `call` (on a channel, for a profile and the instant midway through its
/// history) measured on a profile with `history` entries and on one with
/// 10, alternated so that neither has the warmer cache or the quieter
/// machine (short, long, short, long; the second pair counts). The report
/// is the long one's, with both rates and their ratio (about 1 when the
/// call does not grow with the history).
async fn long_against_short_history<F, Fut>(
    load: &Load,
    scenario: &'static str,
    calls: usize,
    concurrency: usize,
    history: usize,
    call: F,
) -> Result<Report, String>
where
    F: Fn(Channel, i64, Timestamp) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Status>> + Send,
{
    let (long, long_midway) = profile_with_history(load, history).await?;
    let (short, short_midway) = profile_with_history(load, 10).await?;
    let measure = |profile: i64, midway: Timestamp| {
        let (channels, call) = (load.channels.clone(), call.clone());
        closed_loop(concurrency, calls, move |i| {
            call(pick(&channels, i), profile, midway)
        })
    };
    measure(short, short_midway).await;
    measure(long, long_midway).await;
    let (short_wall, _, short_latencies) = measure(short, short_midway).await;
    let (wall, outcomes, latencies) = measure(long, long_midway).await;
    let p50 = |l: &[Duration]| l.get(l.len() / 2).copied().unwrap_or_default();
    let short_rate = calls as f64 / short_wall.as_secs_f64().max(f64::EPSILON);
    let long_rate = calls as f64 / wall.as_secs_f64().max(f64::EPSILON);
    let mut report = Report {
        scenario,
        calls,
        concurrency,
        wall,
        outcomes,
        latencies,
        ..Report::default()
    };
    report.notes.push(format!(
        "{history} entries: {long_rate:.0} calls/s, p50 {:.2} ms (the figures above)",
        p50(&report.latencies).as_secs_f64() * 1e3
    ));
    report.notes.push(format!(
        "10 entries: {short_rate:.0} calls/s, p50 {:.2} ms",
        p50(&short_latencies).as_secs_f64() * 1e3
    ));
    report.notes.push(format!(
        "ratio long/short history throughput: {:.2}",
        long_rate / short_rate.max(f64::EPSILON)
    ));
    Ok(report)
}

/// GetBalanceSummary on a long history and on a short one: a summary is
/// one row read, so both answer in the same time.
pub async fn summary(
    load: &Load,
    calls: usize,
    concurrency: usize,
    history: usize,
) -> Result<Report, String> {
    long_against_short_history(
        load,
        "summary",
        calls,
        concurrency,
        history,
        |channel, profile, _| async move {
            BalanceServiceClient::new(channel)
                .get_balance_summary(as_profile(profile, pb::GetBalanceSummaryRequest::default()))
                .await
                .map(drop)
        },
    )
    .await
}

/// GetBalance as of an instant in the middle of a long history and of a
/// short one: the balance after the newest entry at or before the instant
/// is one index seek per side, so both answer alike.
pub async fn as_of(
    load: &Load,
    calls: usize,
    concurrency: usize,
    history: usize,
) -> Result<Report, String> {
    long_against_short_history(
        load,
        "as-of",
        calls,
        concurrency,
        history,
        |channel, profile, midway| async move {
            let request = pb::GetBalanceRequest {
                as_of: Some(midway),
                ..Default::default()
            };
            BalanceServiceClient::new(channel)
                .get_balance(as_profile(profile, request))
                .await
                .map(drop)
        },
    )
    .await
}

/// A CSV statement of a profile with `history` ledger entries, streamed
/// once over HTTP (`GET /v1/statement`, `Accept: text/csv`): its time, its
/// size, and the server's resident memory before and while it streams
/// (bounded: the server holds one page at a time).
pub async fn statement_csv(
    load: &Load,
    target: &str,
    server_pid: Option<u32>,
    history: usize,
) -> Result<Report, String> {
    let (client, _) = profile_with_history(load, history).await?;
    let rss_before = server_pid.and_then(|pid| super::report::status_kib(pid, "VmRSS:"));
    let sampler = server_pid.map(super::report::MemorySampler::start);
    let url = format!(
        "{}/v1/statement?start=2000-01-01&end=2999-12-31",
        target.trim_end_matches('/')
    );
    let started = Instant::now();
    let mut response = reqwest::Client::new()
        .get(&url)
        .header("profile_id", client.to_string())
        .header("accept", "text/csv")
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("GET {url}: {}", response.status()));
    }
    let (mut bytes, mut rows) = (0usize, 0usize);
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("reading the CSV: {e}"))?
    {
        bytes += chunk.len();
        rows += chunk.iter().filter(|b| **b == b'\n').count();
    }
    let wall = started.elapsed();
    let mut report = Report {
        scenario: "statement-csv",
        calls: 1,
        concurrency: 1,
        wall,
        ..Report::default()
    };
    report.notes.push(format!(
        "{rows} CSV rows ({history} entries + header, opening and closing), {:.1} MiB in {:.2} s ({:.0} rows/s)",
        bytes as f64 / (1024.0 * 1024.0),
        wall.as_secs_f64(),
        rows as f64 / wall.as_secs_f64().max(f64::EPSILON)
    ));
    if let (Some(before), Some(sampler)) = (rss_before, sampler) {
        let (peak, _) = sampler.stop().await;
        report.notes.push(format!(
            "server RSS {:.1} MiB before the statement, peak {:.1} MiB while it streamed",
            before as f64 / 1024.0,
            peak as f64 / 1024.0
        ));
    }
    Ok(report)
}

fn as_admin<T>(admin_key: &str, message: T) -> Result<Request<T>, String> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {admin_key}")
            .parse()
            .map_err(|_| "the admin key is not valid metadata".to_owned())?,
    );
    Ok(request)
}

/// GetOutstandingDebt over `loans` loans of one borrower, each with its
/// first installment made: one aggregate query per call.
pub async fn debt(
    load: &Load,
    calls: usize,
    concurrency: usize,
    loans: usize,
) -> Result<Report, String> {
    use jobpay::proto::pb::loan_service_client::LoanServiceClient;
    let borrower = load.profile(pb::ProfileType::Client).await?;
    let admin_key = load.admin_key.clone();
    let origination = prost_types::Timestamp {
        seconds: 1_735_689_600, // 2025-01-01T00:00:00Z
        nanos: 0,
    };
    let mut tasks = JoinSet::new();
    for i in 0..loans {
        let mut client = LoanServiceClient::new(load.channel(i));
        let request = as_admin(
            &admin_key,
            pb::CreateLoanRequest {
                borrower_id: borrower,
                amount: "100.00".into(),
                term_months: 12,
                annual_rate: "0.05".into(),
                origination_time: Some(origination),
                ..Default::default()
            },
        )?;
        let key = admin_key.clone();
        tasks.spawn(async move {
            let loan = client.create_loan(request).await?.into_inner();
            let payment = pb::RecordLoanPaymentRequest {
                loan_id: loan.id,
                status: pb::LoanPaymentStatus::Made.into(),
                payment_time: Some(prost_types::Timestamp {
                    seconds: 1_736_294_400, // 2025-01-08
                    nanos: 0,
                }),
                ..Default::default()
            };
            let request = as_admin(&key, payment).map_err(Status::internal)?;
            client.record_loan_payment(request).await.map(drop)
        });
        if tasks.len() >= 2_048
            && let Some(result) = tasks.join_next().await
        {
            result
                .map_err(|e| e.to_string())?
                .map_err(setup_error("loan"))?;
        }
    }
    for result in tasks.join_all().await {
        result.map_err(setup_error("loan"))?;
    }
    let channels = load.channels.clone();
    let (wall, outcomes, latencies) = closed_loop(concurrency, calls, move |i| {
        let mut client = LoanServiceClient::new(pick(&channels, i));
        let request = as_admin(&admin_key, pb::GetOutstandingDebtRequest::default());
        async move {
            client
                .get_outstanding_debt(request.map_err(Status::internal)?)
                .await
                .map(drop)
        }
    })
    .await;
    let mut report = Report {
        scenario: "debt",
        calls,
        concurrency,
        wall,
        outcomes,
        latencies,
        ..Report::default()
    };
    report.notes.push(format!(
        "{loans} loans of one borrower, each with one payment made"
    ));
    Ok(report)
}

/// Transfers of 0.01 from `from[i % from.len()]` to `to(i)`, `calls` in
/// all, `concurrency` in flight.
async fn transfers(
    load: &Load,
    calls: usize,
    concurrency: usize,
    senders: Arc<Vec<i64>>,
    receiver: impl Fn(usize) -> i64 + Send + Sync + 'static,
) -> (Duration, BTreeMap<String, usize>, Vec<Duration>) {
    let channels = load.channels.clone();
    closed_loop(concurrency, calls, move |i| {
        let mut balances = BalanceServiceClient::new(pick(&channels, i));
        let (from, to) = (senders[i % senders.len()], receiver(i));
        async move {
            balances
                .transfer(as_profile(
                    from,
                    pb::TransferRequest {
                        to_profile_id: to,
                        amount: "0.01".into(),
                        ..Default::default()
                    },
                ))
                .await
                .map(drop)
        }
    })
    .await
}

/// Hot credit: 1,000 funded callers all paying one payee at once.
pub async fn hot_credit(load: &Load, calls: usize, concurrency: usize) -> Result<Report, String> {
    let load = Arc::new(Load {
        channels: load.channels.clone(),
        admin_key: load.admin_key.clone(),
    });
    let callers = 1_000.min(calls.max(1));
    let per_caller = calls.div_ceil(callers) as i64;
    let senders: Vec<i64> = parties(&load, callers, Minor::new(per_caller))
        .await?
        .into_iter()
        .map(|p| p.client)
        .collect();
    let payee = load.profile(pb::ProfileType::Contractor).await?;
    let (wall, outcomes, latencies) =
        transfers(&load, calls, concurrency, Arc::new(senders), move |_| payee).await;
    let mut report = Report {
        scenario: "hot-credit",
        calls,
        concurrency,
        wall,
        outcomes,
        latencies,
        ..Report::default()
    };
    report
        .notes
        .push(format!("{callers} callers, one payee (profile {payee})"));
    Ok(report)
}

/// 32 independent pairs: sender k always pays receiver k.
pub async fn pairs(load: &Load, calls: usize, concurrency: usize) -> Result<Report, String> {
    let load = Arc::new(Load {
        channels: load.channels.clone(),
        admin_key: load.admin_key.clone(),
    });
    const PAIRS: usize = 32;
    let per_pair = calls.div_ceil(PAIRS) as i64;
    let parties = parties(&load, PAIRS, Minor::new(per_pair)).await?;
    let senders: Vec<i64> = parties.iter().map(|p| p.client).collect();
    let receivers: Vec<i64> = parties.iter().map(|p| p.contractor).collect();
    let (wall, outcomes, latencies) =
        transfers(&load, calls, concurrency, Arc::new(senders), move |i| {
            receivers[i % PAIRS]
        })
        .await;
    Ok(Report {
        scenario: "pairs",
        calls,
        concurrency,
        wall,
        outcomes,
        latencies,
        ..Report::default()
    })
}
