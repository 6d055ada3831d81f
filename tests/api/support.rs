//! Test harness: a real jobpay server on 127.0.0.1:0 over a fresh database
//! (PostgreSQL or SQLite), and tonic clients generated from the same protos.

use std::sync::atomic::{AtomicU64, Ordering};

use jobpay::api::AppState;
use jobpay::auth::{AdminKey, CallerAuth};
use jobpay::currencies::Currencies;
use jobpay::ledger::Ledger;
use jobpay::proto::pb;
use jobpay::proto::pb::admin_service_client::AdminServiceClient;
use jobpay::proto::pb::balance_service_client::BalanceServiceClient;
use jobpay::proto::pb::contract_service_client::ContractServiceClient;
use jobpay::proto::pb::job_service_client::JobServiceClient;
use jobpay::proto::pb::loan_service_client::LoanServiceClient;
use jobpay::proto::pb::payout_service_client::PayoutServiceClient;
use jobpay::seed;
use jobpay::server::metrics::Metrics;
use jobpay::server::{self, Runtime, ServeOptions};
use jobpay::store::{Store, StoreOptions};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use tokio::net::TcpListener;
use tokio::sync::{OnceCell, oneshot};
use tonic::transport::Channel;
use tonic::{Code, Request, Status};
use tonic_types::StatusExt;

/// The admin key every test server accepts.
pub const ADMIN_KEY: &str = "test-admin-key";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// Generates one `#[tokio::test]` per backend for each listed
/// `async fn name(backend: Backend)` of the calling module.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Postgres).await
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Sqlite).await
                }
            )*
        }
    };
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("JOBPAY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn postgres_url(database: &str) -> String {
    let admin = postgres_admin_url();
    let base = admin
        .rsplit_once('/')
        .map(|(base, _)| base)
        .unwrap_or(&admin);
    format!("{base}/{database}")
}

static NEXT_DATABASE: AtomicU64 = AtomicU64::new(0);
static POSTGRES_TEMPLATE: OnceCell<String> = OnceCell::const_new();

async fn admin_exec(sql: &str) {
    let db = Database::connect(postgres_admin_url())
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL must answer at {} for the tests: {e}",
                postgres_admin_url()
            )
        });
    db.execute_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    db.close().await.ok();
}

/// A migrated template database for this test process; each test copies it.
/// Databases left behind by test processes that died are dropped first.
async fn postgres_template() -> &'static str {
    POSTGRES_TEMPLATE
        .get_or_init(|| async {
            drop_stale_databases().await;
            let name = format!("jobpay_tpl_{}", std::process::id());
            admin_exec(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            admin_exec(&format!("CREATE DATABASE {name}")).await;
            let store = Store::connect(&StoreOptions::new(postgres_url(&name)))
                .await
                .expect("connect to the template database");
            store
                .migrate()
                .await
                .expect("migrate the template database");
            store.close().await.ok();
            name
        })
        .await
}

async fn drop_stale_databases() {
    let db = Database::connect(postgres_admin_url())
        .await
        .expect("PostgreSQL must answer for the tests");
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT datname FROM pg_database WHERE datname LIKE 'jobpay\\_t%'".to_owned(),
        ))
        .await
        .expect("list databases");
    for row in rows {
        let name: String = row.try_get_by_index(0).expect("datname");
        let pid = name
            .split('_')
            .nth(2)
            .and_then(|pid| pid.parse::<u32>().ok());
        let alive = pid.is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = db
                .execute_raw(Statement::from_string(
                    DbBackend::Postgres,
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ))
                .await;
        }
    }
    db.close().await.ok();
}

/// A database that exists for one test and is dropped after it.
pub struct TestDatabase {
    pub backend: Backend,
    pub url: String,
    name: String,
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> TestDatabase {
        let n = NEXT_DATABASE.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        match backend {
            Backend::Postgres => {
                let template = postgres_template().await;
                let name = format!("jobpay_t_{pid}_{n}");
                admin_exec(&format!("CREATE DATABASE {name} TEMPLATE {template}")).await;
                TestDatabase {
                    backend,
                    url: postgres_url(&name),
                    name,
                }
            }
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("jobpay_t_{pid}_{n}.db"));
                let name = path.to_string_lossy().into_owned();
                TestDatabase {
                    backend,
                    url: format!("sqlite://{name}?mode=rwc"),
                    name,
                }
            }
        }
    }

    /// A new connection pool on this database, migrated.
    pub async fn store(&self) -> Store {
        let store = Store::connect(&StoreOptions::new(self.url.clone()))
            .await
            .expect("connect to the test database");
        store.migrate().await.expect("migrate the test database");
        store
    }

    /// Like [`TestDatabase::create`], but with no migration applied (on
    /// PostgreSQL, `create` copies a migrated template).
    pub async fn create_unmigrated(backend: Backend) -> TestDatabase {
        if backend == Backend::Sqlite {
            return TestDatabase::create(backend).await;
        }
        let n = NEXT_DATABASE.fetch_add(1, Ordering::Relaxed);
        let name = format!("jobpay_t_{}_{n}", std::process::id());
        admin_exec(&format!("CREATE DATABASE {name}")).await;
        TestDatabase {
            backend,
            url: postgres_url(&name),
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self.backend {
            Backend::Postgres => {
                let name = self.name.clone();
                // Drop may run inside the test's runtime: use a thread with
                // its own.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    runtime.block_on(admin_exec(&format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )));
                })
                .join();
            }
            Backend::Sqlite => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", self.name));
                }
            }
        }
    }
}

/// One running jobpay server (a "replica") with its own pool and ledger.
pub struct Replica {
    pub store: Store,
    /// Where it listens (gRPC, gRPC-Web and HTTP/JSON).
    pub address: std::net::SocketAddr,
    channel: Channel,
    _shutdown: oneshot::Sender<()>,
}

impl Replica {
    pub async fn start(database: &TestDatabase, admin_key: AdminKey) -> Replica {
        Replica::start_with(database, admin_key, CallerAuth::Header).await
    }

    /// A server identifying callers with `caller_auth` (the admin key is
    /// then read where that mode expects it).
    pub async fn start_with(
        database: &TestDatabase,
        admin_key: AdminKey,
        caller_auth: CallerAuth,
    ) -> Replica {
        Replica::start_full(database, admin_key, caller_auth, 10_000).await
    }

    /// A server whose ledger lets a caller have at most `queue_bound`
    /// movements waiting.
    pub async fn start_full(
        database: &TestDatabase,
        admin_key: AdminKey,
        caller_auth: CallerAuth,
        queue_bound: usize,
    ) -> Replica {
        let admin_key = admin_key.read_from(caller_auth.admin_key_header());
        let _ = tracing_subscriber::fmt()
            .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "error".to_owned()))
            .with_test_writer()
            .try_init();
        let store = database.store().await;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let state = AppState {
            store: store.clone(),
            ledger: Ledger::new(store.for_ledger_writer(), 256, queue_bound),
            admin_key,
            currencies: std::sync::Arc::new(Currencies::new(store.clone(), "USD")),
            caller_auth: std::sync::Arc::new(caller_auth),
            known_profiles: Default::default(),
            feed_enabled: false,
        };
        let (shutdown, stop) = oneshot::channel::<()>();
        let runtime = Runtime::ready(Metrics::new(store.clone())).await;
        tokio::spawn(async move {
            server::run(listener, state, ServeOptions::default(), &runtime, async {
                let _ = stop.await;
            })
            .await
            .expect("server runs");
        });
        let channel = Channel::from_shared(format!("http://{address}"))
            .expect("uri")
            .initial_connection_window_size(server::CONNECTION_WINDOW)
            .connect()
            .await
            .expect("connect to the test server");
        Replica {
            store,
            address,
            channel,
            _shutdown: shutdown,
        }
    }

    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }

    pub fn contracts(&self) -> ContractServiceClient<Channel> {
        ContractServiceClient::new(self.channel())
    }

    pub fn jobs(&self) -> JobServiceClient<Channel> {
        JobServiceClient::new(self.channel())
    }

    pub fn balances(&self) -> BalanceServiceClient<Channel> {
        BalanceServiceClient::new(self.channel())
    }

    pub fn admin(&self) -> AdminServiceClient<Channel> {
        AdminServiceClient::new(self.channel())
    }

    pub fn payouts(&self) -> PayoutServiceClient<Channel> {
        PayoutServiceClient::new(self.channel())
    }

    pub fn loans(&self) -> LoanServiceClient<Channel> {
        LoanServiceClient::new(self.channel())
    }
}

/// A server over a fresh database.
pub struct TestApp {
    pub replica: Replica,
    pub database: TestDatabase,
}

impl std::ops::Deref for TestApp {
    type Target = Replica;
    fn deref(&self) -> &Replica {
        &self.replica
    }
}

impl TestApp {
    /// With the demo data loaded.
    pub async fn with_demo_data(backend: Backend) -> TestApp {
        let app = TestApp::empty(backend).await;
        let outcome = seed::seed(&app.store, seed::DEMO_DATA, false)
            .await
            .expect("seed");
        assert!(matches!(outcome, seed::SeedOutcome::Loaded { .. }));
        app
    }

    pub async fn empty(backend: Backend) -> TestApp {
        TestApp::with_admin_key(backend, AdminKey::from_key(ADMIN_KEY)).await
    }

    /// Callers identified by `caller_auth` (JWT mode), with demo data.
    pub async fn with_caller_auth(backend: Backend, caller_auth: CallerAuth) -> TestApp {
        let database = TestDatabase::create(backend).await;
        let replica =
            Replica::start_with(&database, AdminKey::from_key(ADMIN_KEY), caller_auth).await;
        let app = TestApp { replica, database };
        seed::seed(&app.store, seed::DEMO_DATA, false)
            .await
            .expect("seed");
        app
    }

    pub async fn with_admin_key(backend: Backend, admin_key: AdminKey) -> TestApp {
        let database = TestDatabase::create(backend).await;
        let replica = Replica::start(&database, admin_key).await;
        TestApp { replica, database }
    }

    /// Another server on the same database.
    pub async fn second_replica(&self) -> Replica {
        Replica::start(&self.database, AdminKey::from_key(ADMIN_KEY)).await
    }

    pub async fn balance(&self, profile_id: i64) -> String {
        self.balance_in(profile_id, "").await
    }

    /// The balance in a currency (empty: the platform currency).
    pub async fn balance_in(&self, profile_id: i64, currency_code: &str) -> String {
        self.balances()
            .get_balance(as_profile(
                profile_id,
                pb::GetBalanceRequest {
                    currency_code: currency_code.into(),
                    ..Default::default()
                },
            ))
            .await
            .expect("GetBalance")
            .into_inner()
            .balance
    }

    pub async fn audit(&self) -> jobpay::audit::AuditReport {
        jobpay::audit::audit(&self.store).await.expect("audit runs")
    }

    /// A new client holding `amount`, funded the way a real client is: a
    /// contract with a new contractor, an outstanding job worth four times
    /// the amount, and a deposit. Returns (client id, contractor id, job id).
    pub async fn funded_client(&self, amount: &str) -> (i64, i64, i64) {
        self.funded_client_in("", amount).await
    }

    /// [`TestApp::funded_client`] in a currency with two decimals (empty:
    /// the platform currency).
    pub async fn funded_client_in(&self, currency_code: &str, amount: &str) -> (i64, i64, i64) {
        fund_client(self.channel(), currency_code.to_owned(), amount.to_owned()).await
    }

    /// [`TestApp::funded_client`] as a `'static` future (for spawning):
    /// the client's id.
    pub fn funded_client_task(
        &self,
        amount: String,
    ) -> impl std::future::Future<Output = i64> + Send + 'static {
        let channel = self.channel();
        async move { fund_client(channel, String::new(), amount).await.0 }
    }

    /// A new client under an in-progress contract with `contractor`, with
    /// an outstanding job of `price` and exactly `price` on its balance
    /// (deposited against a second, never paid job of 4 x price): (client,
    /// job to pay). A `'static` future, for spawning.
    pub fn client_with_job_of(
        &self,
        contractor: i64,
        price: &str,
    ) -> impl std::future::Future<Output = (i64, i64)> + Send + 'static {
        let (channel, price) = (self.channel(), price.to_owned());
        async move {
            let mut admin = AdminServiceClient::new(channel.clone());
            let client = admin
                .create_profile(as_admin(pb::CreateProfileRequest {
                    first_name: "Hot".into(),
                    last_name: "Payer".into(),
                    profession: "Tester".into(),
                    r#type: pb::ProfileType::Client.into(),
                    ..Default::default()
                }))
                .await
                .expect("CreateProfile")
                .into_inner()
                .id;
            let mut contracts = ContractServiceClient::new(channel.clone());
            let contract = contracts
                .create_contract(as_profile(
                    client,
                    pb::CreateContractRequest {
                        contractor_id: contractor,
                        terms: "hot".into(),
                        ..Default::default()
                    },
                ))
                .await
                .expect("CreateContract")
                .into_inner();
            contracts
                .start_contract(as_profile(
                    contractor,
                    pb::StartContractRequest { id: contract.id },
                ))
                .await
                .expect("StartContract");
            let cents = Cents::parse(&price).expect("price");
            let jobs = JobServiceClient::new(channel.clone());
            let job = |price: String| {
                let mut jobs = jobs.clone();
                async move {
                    jobs.create_job(as_profile(
                        client,
                        pb::CreateJobRequest {
                            contract_id: contract.id,
                            description: "work".into(),
                            price,
                        },
                    ))
                    .await
                    .expect("CreateJob")
                    .into_inner()
                    .id
                }
            };
            let to_pay = job(price.clone()).await;
            job(Cents::new(cents.get() * 4).to_string()).await;
            BalanceServiceClient::new(channel)
                .deposit(as_profile(
                    client,
                    pb::DepositRequest {
                        profile_id: client,
                        amount: price,
                        ..Default::default()
                    },
                ))
                .await
                .expect("Deposit");
            (client, to_pay)
        }
    }

    pub async fn create_profile(&self, profile_type: pb::ProfileType) -> i64 {
        self.admin()
            .create_profile(as_admin(pb::CreateProfileRequest {
                first_name: "Test".into(),
                last_name: "Person".into(),
                profession: "Tester".into(),
                r#type: profile_type.into(),
                ..Default::default()
            }))
            .await
            .expect("CreateProfile")
            .into_inner()
            .id
    }
}

/// A new client holding `amount` in `currency_code` (two decimals; empty:
/// the platform currency), funded the way a real client is: a contract with
/// a new contractor, an outstanding job worth four times the amount, and a
/// deposit. Returns (client id, contractor id, job id).
async fn fund_client(channel: Channel, currency_code: String, amount: String) -> (i64, i64, i64) {
    let mut admin = AdminServiceClient::new(channel.clone());
    let mut profile = async |profile_type: pb::ProfileType| {
        admin
            .create_profile(as_admin(pb::CreateProfileRequest {
                first_name: "Test".into(),
                last_name: "Person".into(),
                profession: "Tester".into(),
                r#type: profile_type.into(),
                ..Default::default()
            }))
            .await
            .expect("CreateProfile")
            .into_inner()
            .id
    };
    let client = profile(pb::ProfileType::Client).await;
    let contractor = profile(pb::ProfileType::Contractor).await;
    let mut contracts = ContractServiceClient::new(channel.clone());
    let contract = contracts
        .create_contract(as_profile(
            client,
            pb::CreateContractRequest {
                contractor_id: contractor,
                terms: "test".into(),
                currency_code: currency_code.clone(),
            },
        ))
        .await
        .expect("CreateContract")
        .into_inner();
    contracts
        .start_contract(as_profile(
            contractor,
            pb::StartContractRequest { id: contract.id },
        ))
        .await
        .expect("StartContract");
    let cents = Cents::parse(&amount).expect("amount");
    let price = Cents::new(cents.get() * 4).to_string();
    let job = JobServiceClient::new(channel.clone())
        .create_job(as_profile(
            client,
            pb::CreateJobRequest {
                contract_id: contract.id,
                description: "funding".into(),
                price,
            },
        ))
        .await
        .expect("CreateJob")
        .into_inner();
    if cents.get() > 0 {
        BalanceServiceClient::new(channel)
            .deposit(as_profile(
                client,
                pb::DepositRequest {
                    profile_id: client,
                    amount,
                    currency_code,
                    ..Default::default()
                },
            ))
            .await
            .expect("Deposit");
    }
    (client, contractor, job.id)
}

/// A request made as profile `id`.
pub fn as_profile<T>(id: i64, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("profile_id", id.to_string().parse().expect("metadata"));
    request
}

/// A request with raw `profile_id` metadata, possibly malformed.
pub fn with_profile_header<T>(value: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("profile_id", value.parse().expect("metadata"));
    request
}

/// An admin request carrying the test admin key.
pub fn as_admin<T>(message: T) -> Request<T> {
    with_bearer(ADMIN_KEY, message)
}

pub fn with_bearer<T>(key: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {key}").parse().expect("metadata"),
    );
    request
}

/// Asserts the status code and the `google.rpc.ErrorInfo` reason (domain
/// "jobpay"), and returns the status for further checks.
#[track_caller]
pub fn assert_error<T: std::fmt::Debug>(
    result: Result<T, Status>,
    code: Code,
    reason: &str,
) -> Status {
    let status = result.expect_err("the call should fail");
    assert_eq!(status.code(), code, "{status:?}");
    let info = status
        .get_details_error_info()
        .unwrap_or_else(|| panic!("no ErrorInfo in {status:?}"));
    assert_eq!(info.domain, "jobpay");
    assert_eq!(info.reason, reason, "{status:?}");
    assert!(!status.message().is_empty());
    status
}

/// Asserts INVALID_ARGUMENT with a BadRequest violation on `field`.
#[track_caller]
pub fn assert_invalid<T: std::fmt::Debug>(result: Result<T, Status>, field: &str) -> Status {
    let status = result.expect_err("the call should fail");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let bad_request = status
        .get_details_bad_request()
        .unwrap_or_else(|| panic!("no BadRequest in {status:?}"));
    assert!(
        bad_request
            .field_violations
            .iter()
            .any(|v| v.field == field && !v.description.is_empty()),
        "no violation on {field} in {status:?}"
    );
    status
}

/// Conflicts retried by several replicas together.
pub fn total_retries(stores: &[&Store]) -> u64 {
    stores.iter().map(|s| s.retries()).sum()
}

/// USD amounts in tests: cents inside, two-decimal strings outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cents(i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    pub const fn new(cents: i64) -> Self {
        Cents(cents)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    pub fn parse(text: &str) -> Result<Cents, String> {
        jobpay::money::Currency::usd()
            .parse_amount(text, jobpay::money::Rounding::Exact)
            .map(|m| Cents(m.get()))
            .map_err(|e| e.to_string())
    }
}

impl std::fmt::Display for Cents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&jobpay::money::Minor::new(self.0).format(2))
    }
}
