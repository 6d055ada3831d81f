//! Harness for tests that run the real `jobpay` binary: spawning it,
//! reading its output, a private PostgreSQL that can be stopped and
//! started, and fresh databases on the shared one.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jobpay::proto::pb;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use tonic::Request;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

pub const BIN: &str = env!("CARGO_BIN_EXE_jobpay");
pub const ADMIN_KEY: &str = "process-test-admin-key";

/// SHA-256 hex of [`ADMIN_KEY`].
pub fn admin_key_sha256() -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(ADMIN_KEY.as_bytes()))
}

/// A request made as profile `id`.
pub fn as_profile<T>(id: i64, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("profile_id", id.to_string().parse().unwrap());
    request
}

/// An admin request carrying [`ADMIN_KEY`].
pub fn as_admin<T>(message: T) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {ADMIN_KEY}").parse().unwrap(),
    );
    request
}

/// A CreateProfile request for a client.
pub fn new_client_profile() -> pb::CreateProfileRequest {
    pb::CreateProfileRequest {
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        profession: "Admiral".into(),
        r#type: pb::ProfileType::Client.into(),
        ..Default::default()
    }
}

static NEXT: AtomicU64 = AtomicU64::new(0);

pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs `jobpay <args>` to completion.
pub fn run_jobpay(args: &[&str], env: &[(&str, &str)]) -> (ExitStatus, String, String) {
    run_jobpay_in(None, args, env)
}

/// Runs `jobpay <args>` to completion in the working directory `dir`
/// (where the default database, `jobpay.db`, lives), or in the tests' own.
pub fn run_jobpay_in(
    dir: Option<&Path>,
    args: &[&str],
    env: &[(&str, &str)],
) -> (ExitStatus, String, String) {
    let mut command = Command::new(BIN);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let output = command
        .args(args)
        .envs(env.iter().copied())
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .output()
        .expect("run jobpay");
    (
        output.status,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A running `jobpay serve`, killed when dropped.
pub struct Server {
    pub child: Child,
    pub address: SocketAddr,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

fn collect(stream: impl std::io::Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

impl Server {
    /// Starts `jobpay serve --listen 127.0.0.1:0 <args>` and waits for the
    /// line that names the bound address (not for SERVING).
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(BIN)
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied())
            .env_remove("DATABASE_URL")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn jobpay serve");
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        let started = Instant::now();
        let address = loop {
            if let Some(address) = stdout
                .lock()
                .unwrap()
                .iter()
                .find_map(|l| l.strip_prefix("jobpay listening on "))
            {
                break address.parse().expect("address");
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "jobpay exited with {status} before listening:\n{}",
                    stderr.lock().unwrap().join("\n")
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "jobpay did not start listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Server {
            child,
            address,
            stdout,
            stderr,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.url())
            .unwrap()
            .initial_connection_window_size(jobpay::server::CONNECTION_WINDOW)
            .connect()
            .await
            .expect("connect to jobpay")
    }

    pub fn stdout(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// The admin key `serve --demo` printed.
    pub fn demo_admin_key(&self) -> Option<String> {
        self.stdout().iter().find_map(|l| {
            l.strip_prefix("demo admin key (shown once): ")
                .map(str::to_owned)
        })
    }

    /// Overall health, or None when the server does not answer.
    pub async fn health(&self, service: &str) -> Option<ServingStatus> {
        let channel = Channel::from_shared(self.url())
            .unwrap()
            .connect_timeout(Duration::from_secs(1))
            .connect()
            .await
            .ok()?;
        HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .ok()
            .map(|r| r.into_inner().status())
    }

    /// Waits until overall health is `status`.
    pub async fn wait_for_health(&self, status: ServingStatus, within: Duration) {
        let started = Instant::now();
        loop {
            if self.health("").await == Some(status) {
                return;
            }
            assert!(
                started.elapsed() < within,
                "health did not become {status:?} within {within:?}; stderr:\n{}",
                self.stderr().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits for the process to exit.
    pub fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(started.elapsed() < within, "jobpay did not exit in time");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------- databases

pub fn postgres_admin_url() -> String {
    std::env::var("JOBPAY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub async fn exec(url: &str, sql: &str) {
    let db = Database::connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"));
    db.execute_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    db.close().await.ok();
}

/// A fresh empty database on the shared PostgreSQL, dropped afterwards.
pub struct PgDatabase {
    pub name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create() -> PgDatabase {
        let name = unique("jobpay_p");
        exec(&postgres_admin_url(), &format!("CREATE DATABASE {name}")).await;
        let admin = postgres_admin_url();
        let base = admin.rsplit_once('/').unwrap().0;
        PgDatabase {
            url: format!("{base}/{name}"),
            name,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(exec(
                    &postgres_admin_url(),
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ));
        })
        .join();
    }
}

/// A fresh empty directory, removed afterwards with what is in it.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new() -> TempDir {
        let path = std::env::temp_dir().join(unique("jobpay_dir"));
        std::fs::create_dir_all(&path).unwrap();
        TempDir { path }
    }

    /// The names of the files in it, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A fresh SQLite file, removed afterwards.
pub struct SqliteFile {
    pub path: PathBuf,
}

impl SqliteFile {
    pub fn new() -> SqliteFile {
        SqliteFile {
            path: std::env::temp_dir().join(format!("{}.db", unique("jobpay_p"))),
        }
    }

    pub fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.path.display())
    }
}

impl Drop for SqliteFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
    }
}

/// A PostgreSQL server of our own on a free port, so tests can stop and
/// start it. Built with the installed `initdb` and `pg_ctl`; as root they
/// run as the `postgres` user, which PostgreSQL requires.
pub struct PrivatePostgres {
    pub port: u16,
    dir: PathBuf,
}

fn pg_bin(name: &str) -> PathBuf {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("PostgreSQL installed under /usr/lib/postgresql")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    versions.sort();
    versions
        .last()
        .expect("a PostgreSQL version")
        .join("bin")
        .join(name)
}

fn as_postgres_user(program: PathBuf) -> Command {
    // SAFETY-free check of the effective user: root has uid 0.
    let is_root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    if is_root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// Runs `openssl <args>`, which must succeed.
fn openssl(args: &[&dyn AsRef<std::ffi::OsStr>]) {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    let status = Command::new("openssl")
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success(), "openssl {args:?} failed");
}

/// A self-signed CA certificate and its key, for 2 days, named `name`.
fn new_ca(name: &str, cert: &Path, key: &Path) {
    openssl(&[
        &"req",
        &"-x509",
        &"-newkey",
        &"rsa:2048",
        &"-nodes",
        &"-days",
        &"2",
        &"-subj",
        &format!("/CN={name}"),
        &"-keyout",
        &key,
        &"-out",
        &cert,
    ]);
}

/// A CA certificate that signed no server's certificate here (its key is
/// thrown away): as `sslrootcert` it must verify nothing. The caller
/// removes the file.
pub fn unrelated_ca() -> PathBuf {
    let cert = std::env::temp_dir().join(unique("jobpay_other_ca.pem"));
    let key = std::env::temp_dir().join(unique("jobpay_other_ca.key"));
    new_ca("jobpay unrelated test CA", &cert, &key);
    std::fs::remove_file(key).ok();
    cert
}

impl PrivatePostgres {
    /// A cluster made by `initdb` in a new directory, not started.
    fn init(prefix: &str) -> PrivatePostgres {
        let dir = std::env::temp_dir().join(unique(prefix));
        std::fs::create_dir_all(&dir).unwrap();
        let _ = Command::new("chown")
            .args(["postgres:postgres", dir.to_str().unwrap()])
            .status();
        let port = free_port();
        let status = as_postgres_user(pg_bin("initdb"))
            .args(["-D", dir.join("data").to_str().unwrap()])
            .args(["-A", "trust", "-U", "postgres", "--no-sync"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("initdb");
        assert!(status.success(), "initdb failed");
        PrivatePostgres { port, dir }
    }

    /// A server without TLS (initdb's `ssl = off`).
    pub fn start_new() -> PrivatePostgres {
        let postgres = PrivatePostgres::init("jobpay_pg");
        postgres.start();
        postgres
    }

    /// A server that accepts TLS connections only, with a certificate for
    /// 127.0.0.1 and localhost signed by a test CA; returns the server and
    /// the CA's certificate (to pass as `sslrootcert`).
    pub fn start_new_tls_only() -> (PrivatePostgres, PathBuf) {
        PrivatePostgres::start_new_tls("DNS:localhost,IP:127.0.0.1", "")
    }

    /// As [`PrivatePostgres::start_new_tls_only`], but the server's
    /// certificate is for `subject_alt_name` (openssl's syntax, such as
    /// `IP:127.0.0.1`), and `pg_hba` lines go before the ones that require
    /// TLS (`host all some_role 127.0.0.1/32 trust`: that role may connect
    /// in plaintext too).
    pub fn start_new_tls(subject_alt_name: &str, pg_hba: &str) -> (PrivatePostgres, PathBuf) {
        let postgres = PrivatePostgres::init("jobpay_pg_tls");
        let dir = &postgres.dir;
        let data = dir.join("data");
        // A test CA, and a server certificate it signs (webpki refuses a
        // self-signed CA certificate used as the server's own).
        let cert = data.join("server.crt");
        let key = data.join("server.key");
        let ca_cert = dir.join("ca.crt");
        let ca_key = dir.join("ca.key");
        let csr = dir.join("server.csr");
        let extensions = dir.join("server.ext");
        std::fs::write(
            &extensions,
            format!("subjectAltName={subject_alt_name}\nbasicConstraints=CA:FALSE\n"),
        )
        .unwrap();
        new_ca("jobpay test CA", &ca_cert, &ca_key);
        openssl(&[
            &"req",
            &"-newkey",
            &"rsa:2048",
            &"-nodes",
            &"-subj",
            &"/CN=localhost",
            &"-keyout",
            &key,
            &"-out",
            &csr,
        ]);
        openssl(&[
            &"x509",
            &"-req",
            &"-in",
            &csr,
            &"-CA",
            &ca_cert,
            &"-CAkey",
            &ca_key,
            &"-CAcreateserial",
            &"-days",
            &"2",
            &"-extfile",
            &extensions,
            &"-out",
            &cert,
        ]);
        for file in [&cert, &key] {
            let _ = Command::new("chown")
                .arg("postgres:postgres")
                .arg(file)
                .status();
        }
        let _ = Command::new("chmod").arg("600").arg(&key).status();
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .unwrap();
        use std::io::Write as _;
        writeln!(conf, "ssl = on").unwrap();
        std::fs::write(
            data.join("pg_hba.conf"),
            format!(
                "local all all trust\n\
                 {pg_hba}\n\
                 hostssl all all 127.0.0.1/32 trust\n\
                 hostnossl all all 127.0.0.1/32 reject\n"
            ),
        )
        .unwrap();
        let root_cert = std::env::temp_dir().join(unique("jobpay_pg_ca.pem"));
        std::fs::copy(&ca_cert, &root_cert).unwrap();
        postgres.start();
        (postgres, root_cert)
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    pub fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let status = as_postgres_user(pg_bin("pg_ctl"))
            .args(["-D", self.dir.join("data").to_str().unwrap()])
            .args(["-o", &options, "-l"])
            .arg(self.dir.join("log"))
            .args(["-w", "start"])
            .stdout(Stdio::null())
            .status()
            .expect("pg_ctl start");
        assert!(status.success(), "pg_ctl start failed");
    }

    pub fn stop(&self) {
        let status = as_postgres_user(pg_bin("pg_ctl"))
            .args(["-D", self.dir.join("data").to_str().unwrap()])
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .status()
            .expect("pg_ctl stop");
        assert!(status.success(), "pg_ctl stop failed");
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = as_postgres_user(pg_bin("pg_ctl"))
            .args(["-D", self.dir.join("data").to_str().unwrap()])
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
