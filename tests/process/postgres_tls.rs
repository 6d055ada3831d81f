//! libpq's `sslmode`, proved against real servers (issue 19): every mode
//! against a server without TLS and one that requires it; `verify-ca` and
//! `verify-full` with the test CA, without it, with another CA and on a
//! host name the certificate does not name; and, through roles of the TLS
//! server whose `pg_hba` lines differ, a server that offers TLS without
//! requiring it (where `allow` and `prefer` part ways) and one that offers
//! TLS but refuses it. Where a connection is made, `pg_stat_ssl` says over
//! which transport; where it fails, the error must be the expected one.
//!
//! Each server starts once: one test walks its whole matrix and reports
//! every case that went wrong, not only the first.

use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use jobpay::store::{Store, StoreOptions};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::support::{PrivatePostgres, exec, run_jobpay, unrelated_ca};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Plaintext,
    Tls,
}

use Transport::{Plaintext, Tls};

/// What libpq does with a URL.
enum Expected {
    Connects(Transport),
    /// Fails with an error that contains each of these.
    Fails(&'static [&'static str]),
}

use Expected::{Connects, Fails};

/// The server does not speak TLS, and the mode requires it.
const NO_TLS: Expected = Fails(&["TLS", "server does not support TLS"]);
/// The server refuses a plaintext connection.
const PLAINTEXT_REFUSED: Expected = Fails(&["pg_hba.conf rejects connection", "no encryption"]);
/// The server refuses a TLS connection.
const TLS_REFUSED: Expected = Fails(&["pg_hba.conf rejects connection", "SSL encryption"]);
/// The server's certificate chain does not lead to a trusted root.
const UNKNOWN_CA: Expected = Fails(&["invalid peer certificate", "UnknownIssuer"]);
/// The certificate is not for the host name connected to.
const WRONG_NAME: Expected = Fails(&["invalid peer certificate", "not valid for name"]);

/// Connects with `url` as jobpay does (`Store::connect`: the URL check,
/// then the driver), and says over which transport.
async fn transport(url: &str) -> Result<Transport, String> {
    let store = Store::connect(&StoreOptions::new(url))
        .await
        .map_err(|e| e.to_string())?;
    let row = store
        .conn()
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()".to_owned(),
        ))
        .await
        .map_err(|e| format!("query pg_stat_ssl: {e}"))?
        .ok_or("no pg_stat_ssl row for this session")?;
    let ssl: bool = row.try_get_by_index(0).map_err(|e| e.to_string())?;
    store.close().await.ok();
    Ok(if ssl { Tls } else { Plaintext })
}

/// Whether `outcome` is `expected`.
fn is(expected: &Expected, outcome: &Result<Transport, String>) -> bool {
    match (expected, outcome) {
        (Connects(want), Ok(got)) => want == got,
        (Fails(words), Err(error)) => words.iter().all(|w| error.contains(w)),
        _ => false,
    }
}

fn describe(expected: &Expected) -> String {
    match expected {
        Connects(transport) => format!("connects over {transport:?}"),
        Fails(words) => format!("fails, with an error naming {words:?}"),
    }
}

/// The cases of one server, and those that went wrong.
struct Matrix {
    /// Which server, at the start of each line printed.
    server: &'static str,
    wrong: Vec<String>,
}

impl Matrix {
    fn new(server: &'static str) -> Matrix {
        Matrix {
            server,
            wrong: Vec::new(),
        }
    }

    /// Connecting with `url` does what libpq does: `expected`.
    async fn check(&mut self, case: &str, url: &str, expected: Expected) {
        let started = Instant::now();
        let outcome = transport(url).await;
        let elapsed = started.elapsed();
        self.record(case, url, expected, &outcome, elapsed);
    }

    /// An outcome measured elsewhere (through the binary), against libpq's.
    fn record(
        &mut self,
        case: &str,
        url: &str,
        expected: Expected,
        outcome: &Result<Transport, String>,
        elapsed: Duration,
    ) {
        let right = is(&expected, outcome);
        let mark = if right { "ok   " } else { "WRONG" };
        println!(
            "{mark} [{}] {case}: {outcome:?} ({elapsed:.0?})",
            self.server
        );
        if !right {
            self.wrong.push(format!(
                "{case}: libpq {}; got {outcome:?}\n    url: {url}",
                describe(&expected)
            ));
        }
    }

    fn assert_all_right(self) {
        assert!(
            self.wrong.is_empty(),
            "[{}] {} case(s) not as expected:\n{}",
            self.server,
            self.wrong.len(),
            self.wrong.join("\n")
        );
    }
}

/// `postgres://{user}@{host}:{port}/postgres{query}` on `postgres`.
fn url(postgres: &PrivatePostgres, user: &str, host: &str, query: &str) -> String {
    format!("postgres://{user}@{host}:{}/postgres{query}", postgres.port)
}

/// `?sslmode={mode}&sslrootcert={root_cert}`.
fn with_root(mode: &str, root_cert: &Path) -> String {
    format!("?sslmode={mode}&sslrootcert={}", root_cert.display())
}

/// Whether a URL without `sslmode` gets libpq's default here: not when
/// `PGSSLMODE` (or `PGSSLROOTCERT`) is set in the test's environment, which
/// libpq, sqlx and jobpay all honour. Setting or clearing it in this
/// multi-threaded process would race other tests, so those cases are
/// skipped instead, saying why.
fn environment_leaves_the_default() -> bool {
    for name in ["PGSSLMODE", "PGSSLROOTCERT"] {
        if let Ok(value) = std::env::var(name) {
            println!("SKIPPED the cases without sslmode: {name}={value} is set");
            return false;
        }
    }
    true
}

/// A file removed when dropped.
struct Removed(PathBuf);

impl Drop for Removed {
    fn drop(&mut self) {
        std::fs::remove_file(&self.0).ok();
    }
}

/// `jobpay migrate --database-url <url>`, and how long it took.
fn migrate(url: &str, env: &[(&str, &str)]) -> (ExitStatus, String, String, Duration) {
    let started = Instant::now();
    let (status, out, err) = run_jobpay(&["migrate", "--database-url", url], env);
    (status, out, err, started.elapsed())
}

/// `jobpay migrate` refuses `url` at once, before connecting, with one line
/// on stderr that contains `naming`.
fn refused_at_start_up(url: &str, env: &[(&str, &str)], naming: &str) {
    let (status, out, err, elapsed) = migrate(url, env);
    assert!(
        !status.success(),
        "{url} {env:?}: must be refused: {out}{err}"
    );
    assert_eq!(err.lines().count(), 1, "{url} {env:?}: one line:\n{err}");
    assert!(err.contains(naming), "{url} {env:?}: names {naming}: {err}");
    assert!(!out.contains("applied"), "{url} {env:?}: {out}");
    assert!(
        elapsed < Duration::from_secs(5),
        "{url} {env:?}: refused in {elapsed:?}"
    );
    println!(
        "ok    [no TLS] jobpay migrate {url} {env:?}: {}",
        err.trim()
    );
}

/// Against a server without TLS (initdb's `ssl = off`), as libpq: disable,
/// allow, prefer and no sslmode connect in plaintext; require, verify-ca
/// and verify-full fail for want of TLS, with a root certificate or
/// without. Through the binary, a URL the check refuses is a one-line
/// start-up error even though the server would take it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sslmode_against_a_server_without_tls() {
    let postgres = PrivatePostgres::start_new();
    // Any CA file: the mode fails before a certificate would be checked.
    let root_cert = Removed(unrelated_ca());
    let root = root_cert.0.as_path();
    let at = |query: &str| url(&postgres, "postgres", "127.0.0.1", query);
    let mut matrix = Matrix::new("no TLS");
    for (mode, expected) in [
        ("disable", Connects(Plaintext)),
        ("allow", Connects(Plaintext)),
        ("prefer", Connects(Plaintext)),
        ("require", NO_TLS),
        ("verify-ca", NO_TLS),
        ("verify-full", NO_TLS),
    ] {
        matrix
            .check(mode, &at(&format!("?sslmode={mode}")), expected)
            .await;
    }
    for (mode, expected) in [
        ("require", NO_TLS),
        ("verify-ca", NO_TLS),
        ("verify-full", NO_TLS),
    ] {
        let case = format!("{mode} with sslrootcert");
        matrix
            .check(&case, &at(&with_root(mode, root)), expected)
            .await;
    }
    if environment_leaves_the_default() {
        matrix
            .check("no sslmode (prefer)", &at(""), Connects(Plaintext))
            .await;
    }
    // libpq's `allow` retries over TLS after any error from the server,
    // and goes on in plaintext when the server then declines TLS: the error
    // is the server's.
    matrix
        .check(
            "allow, a database that does not exist",
            &format!(
                "postgres://postgres@127.0.0.1:{}/no_such_database?sslmode=allow",
                postgres.port
            ),
            Fails(&["database \"no_such_database\" does not exist"]),
        )
        .await;
    matrix.assert_all_right();

    // The binary: what the URL check refuses never reaches the server,
    // which would have taken it (the first URL shows it does).
    let (status, out, err, _) = migrate(&at("?sslmode=disable"), &[]);
    assert!(status.success(), "{out}{err}");
    assert!(out.contains("applied"), "{out}");
    refused_at_start_up(&at("?sslmode=bogus"), &[], "invalid sslmode `bogus`");
    refused_at_start_up(&at("?sslmode=Require"), &[], "invalid sslmode `Require`");
    refused_at_start_up(
        &at("?ssl_mode=require"),
        &[],
        "unknown connection parameter `ssl_mode`",
    );
    refused_at_start_up(
        &at("?sslmode=require&sslrootcrt=/ca.pem"),
        &[],
        "unknown connection parameter `sslrootcrt`",
    );
    refused_at_start_up(
        &at(""),
        &[("PGSSLMODE", "bogus")],
        "invalid PGSSLMODE `bogus`",
    );
    // PGSSLMODE is libpq's default for a URL without sslmode, and the
    // URL's own sslmode wins over it.
    let (status, out, err, _) = migrate(&at(""), &[("PGSSLMODE", "require")]);
    assert!(!status.success(), "PGSSLMODE=require: {out}{err}");
    assert!(
        err.contains("server does not support TLS"),
        "PGSSLMODE=require: {err}"
    );
    let (status, out, err, _) = migrate(&at("?sslmode=prefer"), &[("PGSSLMODE", "require")]);
    assert!(
        status.success(),
        "sslmode=prefer over PGSSLMODE: {out}{err}"
    );
}

/// Against a server with TLS, as libpq. For `postgres`, which must use TLS:
/// disable fails; allow, prefer, no sslmode and require connect over TLS;
/// verify-ca and verify-full connect with the test CA and fail without it
/// or with another CA, and `require` with a root certificate is
/// `verify-ca`. The certificate names 127.0.0.1 only: on `localhost`,
/// verify-full fails where verify-ca connects. For `optional`, which may
/// connect in plaintext too, allow stays plaintext where prefer uses TLS;
/// for `refused`, whom the server takes in plaintext only, prefer falls
/// back to plaintext.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sslmode_against_a_server_with_tls() {
    let (postgres, root_cert) = PrivatePostgres::start_new_tls(
        "IP:127.0.0.1",
        "host all optional 127.0.0.1/32 trust\n\
         hostssl all refused 127.0.0.1/32 reject\n\
         host all refused 127.0.0.1/32 trust",
    );
    let root_cert = Removed(root_cert);
    let root = root_cert.0.as_path();
    let other_ca = Removed(unrelated_ca());
    let other = other_ca.0.as_path();
    let admin = url(
        &postgres,
        "postgres",
        "127.0.0.1",
        &with_root("verify-full", root),
    );
    exec(&admin, "CREATE ROLE optional LOGIN").await;
    exec(&admin, "CREATE ROLE refused LOGIN").await;
    let at = |query: &str| url(&postgres, "postgres", "127.0.0.1", query);
    let mut matrix = Matrix::new("TLS");

    // TLS required.
    for (mode, expected) in [
        ("disable", PLAINTEXT_REFUSED),
        ("allow", Connects(Tls)),
        ("prefer", Connects(Tls)),
        ("require", Connects(Tls)),
        ("verify-ca", UNKNOWN_CA),
        ("verify-full", UNKNOWN_CA),
    ] {
        matrix
            .check(mode, &at(&format!("?sslmode={mode}")), expected)
            .await;
    }
    if environment_leaves_the_default() {
        matrix
            .check("no sslmode (prefer)", &at(""), Connects(Tls))
            .await;
    }
    for (mode, expected) in [
        ("require", Connects(Tls)),
        ("verify-ca", Connects(Tls)),
        ("verify-full", Connects(Tls)),
    ] {
        let case = format!("{mode} with the test CA");
        matrix
            .check(&case, &at(&with_root(mode, root)), expected)
            .await;
    }
    for mode in ["require", "verify-ca", "verify-full"] {
        let case = format!("{mode} with another CA");
        matrix
            .check(&case, &at(&with_root(mode, other)), UNKNOWN_CA)
            .await;
    }

    // On a host name the certificate does not name.
    let on_localhost = |query: &str| url(&postgres, "postgres", "localhost", query);
    for (mode, expected) in [
        ("prefer", Connects(Tls)),
        ("require", Connects(Tls)),
        ("verify-ca", Connects(Tls)),
        ("verify-full", WRONG_NAME),
    ] {
        let case = format!("{mode} with the test CA on localhost");
        matrix
            .check(&case, &on_localhost(&with_root(mode, root)), expected)
            .await;
    }

    // TLS offered, not required.
    let optional = |query: &str| url(&postgres, "optional", "127.0.0.1", query);
    for (mode, expected) in [
        ("disable", Connects(Plaintext)),
        ("allow", Connects(Plaintext)),
        ("prefer", Connects(Tls)),
        ("require", Connects(Tls)),
    ] {
        let case = format!("{mode}, TLS optional");
        matrix
            .check(&case, &optional(&format!("?sslmode={mode}")), expected)
            .await;
    }
    for mode in ["verify-ca", "verify-full"] {
        let case = format!("{mode} with the test CA, TLS optional");
        matrix
            .check(&case, &optional(&with_root(mode, root)), Connects(Tls))
            .await;
    }
    if environment_leaves_the_default() {
        matrix
            .check(
                "no sslmode (prefer), TLS optional",
                &optional(""),
                Connects(Tls),
            )
            .await;
    }

    // TLS offered, then refused by pg_hba: libpq's `prefer` retries in
    // plaintext after an error over TLS.
    let refused = |query: &str| url(&postgres, "refused", "127.0.0.1", query);
    for (mode, expected) in [
        ("disable", Connects(Plaintext)),
        ("allow", Connects(Plaintext)),
        ("require", TLS_REFUSED),
    ] {
        let case = format!("{mode}, TLS refused");
        matrix
            .check(&case, &refused(&format!("?sslmode={mode}")), expected)
            .await;
    }
    // `prefer` tries plaintext after the refusal over TLS, as libpq does
    // (patches/sqlx-postgres; sqlx alone gives up).
    matrix
        .check(
            "prefer, TLS refused",
            &refused("?sslmode=prefer"),
            Connects(Plaintext),
        )
        .await;

    // libpq's rule that `require` with a root certificate verifies the
    // chain holds whichever way the mode and the certificate are given:
    // in the URL, or in PGSSLMODE and PGSSLROOTCERT (set here for the child
    // process only): with another CA's certificate, `require` refuses.
    let other_path = other.display().to_string();
    for (case, url, env) in [
        (
            "PGSSLMODE=require, sslrootcert another CA",
            at(&format!("?sslrootcert={other_path}")),
            ("PGSSLMODE", "require"),
        ),
        (
            "require, PGSSLROOTCERT another CA",
            at("?sslmode=require"),
            ("PGSSLROOTCERT", other_path.as_str()),
        ),
    ] {
        let (status, out, err, elapsed) = migrate(&url, &[env]);
        // The binary does not say over which transport: TLS is all this
        // server takes.
        let outcome = if status.success() {
            Ok(Tls)
        } else {
            Err(format!("{out}{err}"))
        };
        matrix.record(
            &format!("jobpay migrate, {case}"),
            &url,
            UNKNOWN_CA,
            &outcome,
            elapsed,
        );
    }
    matrix.assert_all_right();
}
