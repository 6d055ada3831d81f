use jobpay::proto::pb;
use jobpay::proto::pb::admin_service_client::AdminServiceClient;
use migration::MigratorTrait;
use tonic::Request;

use crate::support::{
    PgDatabase, Server, SqliteFile, TempDir, exec, postgres_admin_url, run_jobpay, run_jobpay_in,
};

fn database_urls_for(kind: &str, pg: &PgDatabase, sqlite: &SqliteFile) -> String {
    match kind {
        "postgres" => pg.url.clone(),
        _ => sqlite.url(),
    }
}

#[tokio::test]
async fn migrate_seed_and_audit_on_both_databases() {
    let pg = PgDatabase::create().await;
    let sqlite = SqliteFile::new();
    for kind in ["postgres", "sqlite"] {
        let url = database_urls_for(kind, &pg, &sqlite);
        let db = ["--database-url", url.as_str()];
        let (status, out, err) = run_jobpay(&[&["migrate"][..], &db].concat(), &[]);
        assert!(status.success(), "{kind}: {out}{err}");
        let all = migration::Migrator::migrations().len();
        assert!(
            out.contains(&format!("applied {all} migration(s)")),
            "{kind}: {out}"
        );
        let (status, out, _) = run_jobpay(&[&["migrate"][..], &db].concat(), &[]);
        assert!(status.success());
        assert!(out.contains("applied 0 migration(s)"), "{kind}: {out}");

        let (status, out, err) = run_jobpay(&[&["seed"][..], &db].concat(), &[]);
        assert!(status.success(), "{kind}: {out}{err}");
        assert!(
            out.contains("loaded 8 profiles, 9 contracts, 14 jobs"),
            "{out}"
        );
        // Refuses to overwrite without --force.
        let (status, _, err) = run_jobpay(&[&["seed"][..], &db].concat(), &[]);
        assert!(!status.success());
        assert!(err.contains("--force"), "{err}");
        let (status, out, _) = run_jobpay(&[&["seed", "--force"][..], &db].concat(), &[]);
        assert!(status.success(), "{out}");

        let (status, out, _) = run_jobpay(&[&["audit"][..], &db].concat(), &[]);
        assert!(status.success(), "{kind}: {out}");
        assert!(out.contains("profiles: 8"), "{out}");
        assert!(out.contains("ledger entries: 8"), "{out}");
        assert!(out.contains("audit passed"), "{out}");
    }

    // A balance changed behind the ledger's back fails the audit.
    exec(
        &pg.url,
        "UPDATE balances SET balance = balance + 1 WHERE profile_id = 3",
    )
    .await;
    let (status, out, _) = run_jobpay(&["audit", "--database-url", &pg.url], &[]);
    assert!(!status.success());
    assert!(out.contains("MISMATCH profile 3 USD"), "{out}");
    assert!(out.contains("audit FAILED"), "{out}");
}

#[test]
fn bad_settings_stop_start_up_with_one_line_naming_them() {
    for (args, env, names) in [
        (vec!["serve", "--listen", "nope"], vec![], "--listen"),
        (vec!["serve", "--log-format", "xml"], vec![], "--log-format"),
        (vec!["serve", "--pool-size", "0"], vec![], "--pool-size"),
        (
            vec!["serve"],
            vec![("JOBPAY_REQUEST_TIMEOUT", "soon")],
            "--request-timeout",
        ),
        (
            vec!["serve"],
            vec![("JOBPAY_SHUTDOWN_TIMEOUT", "-1s")],
            "--shutdown-timeout",
        ),
        (
            vec!["serve", "--database-url", "sqlite::memory:"],
            vec![("JOBPAY_ADMIN_KEY_SHA256", "not-a-hash")],
            "--admin-key-sha256",
        ),
        (
            vec!["serve", "--database-url", "nosuchdb://x"],
            vec![],
            "--database-url",
        ),
        (
            vec!["serve", "--tls-cert", "/nonexistent"],
            vec![],
            "--tls-key",
        ),
        (
            vec!["serve", "--database-url", "sqlite::memory:"],
            vec![("JOBPAY_ADMIN_KEY_SHA256", "abcd")],
            "--admin-key-sha256",
        ),
        (
            vec![
                "serve",
                "--caller-auth",
                "jwt",
                "--database-url",
                "sqlite::memory:",
            ],
            vec![],
            "--jwt-secret-file",
        ),
        (
            vec![
                "serve",
                "--caller-auth",
                "jwt",
                "--jwt-secret-file",
                "/nonexistent/secret",
                "--database-url",
                "sqlite::memory:",
            ],
            vec![],
            "--jwt-secret-file",
        ),
        (
            vec!["serve", "--caller-auth", "cookie"],
            vec![],
            "--caller-auth",
        ),
    ] {
        let (status, out, err) = run_jobpay(&args, &env);
        assert!(!status.success(), "{args:?} {env:?}: {out}{err}");
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: {err}");
        assert!(lines[0].contains(names), "{args:?}: {err}");
    }
    // The platform currency is checked once the database answers: start-up
    // stops, the last line naming the setting.
    let (status, _, err) = run_jobpay(
        &[
            "serve",
            "--database-url",
            "sqlite::memory:",
            "--listen",
            "127.0.0.1:0",
        ],
        &[("JOBPAY_DEFAULT_CURRENCY", "XYZ")],
    );
    assert!(!status.success(), "{err}");
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.contains("--default-currency") && last.contains("XYZ"),
        "{err}"
    );
    let (status, out, _) = run_jobpay(&["serve", "--help"], &[]);
    assert!(status.success());
    for setting in [
        "JOBPAY_LISTEN",
        "JOBPAY_DATABASE_URL",
        "JOBPAY_POOL_SIZE",
        "JOBPAY_DB_CONNECT_RETRIES",
        "JOBPAY_DB_CONNECT_INTERVAL",
        "JOBPAY_SHUTDOWN_TIMEOUT",
        "JOBPAY_LOG_LEVEL",
        "JOBPAY_LOG_FORMAT",
        "JOBPAY_ADMIN_KEY_SHA256",
        "JOBPAY_METRICS_LISTEN",
        "JOBPAY_REQUEST_TIMEOUT",
        "JOBPAY_MAX_MESSAGE_SIZE",
        "JOBPAY_CONCURRENCY_LIMIT",
        "JOBPAY_TLS_CERT",
        "JOBPAY_TLS_KEY",
        "JOBPAY_MIGRATE",
        "JOBPAY_DEFAULT_CURRENCY",
        "JOBPAY_CALLER_AUTH",
        "JOBPAY_JWT_SECRET_FILE",
        "JOBPAY_JWT_PUBLIC_KEY_FILE",
        "JOBPAY_JWT_ISSUER",
        "JOBPAY_JWT_AUDIENCE",
        "JOBPAY_JWT_LEEWAY",
    ] {
        assert!(out.contains(setting), "--help documents {setting}");
    }
    assert!(out.contains("[default: 10]") && out.contains("[default: 2s]"));
    assert!(out.contains("[default: 10s]"));
}

/// `bench` and `feed-sim` moved out of the server binary: the old command
/// lines (with any arguments, `--help` included) answer one line naming the
/// new binary, exit status 2, and `jobpay --help` no longer lists them. The
/// tools answer their own `--help` and bad settings the house way.
#[test]
fn moved_tools_answer_with_their_new_binary() {
    for (old, tool) in [
        (&["bench", "storm", "--calls", "10"][..], "jobpay-bench"),
        (&["bench", "--help"][..], "jobpay-bench"),
        (
            &["feed-sim", "--listen", "127.0.0.1:0"][..],
            "jobpay-feed-sim",
        ),
        (&["feed-sim"][..], "jobpay-feed-sim"),
    ] {
        let (status, out, err) = run_jobpay(old, &[]);
        assert_eq!(status.code(), Some(2), "{old:?}: {out}{err}");
        assert_eq!(err.lines().count(), 1, "{old:?}: {err}");
        assert!(
            err.starts_with("jobpay: ") && err.contains(&format!("run `{tool}`")),
            "{old:?}: {err}"
        );
        assert!(out.is_empty(), "{old:?}: {out}");
    }
    let (status, out, _) = run_jobpay(&["--help"], &[]);
    assert!(status.success());
    assert!(!out.contains("bench") && !out.contains("feed-sim"), "{out}");

    for (tool, binary, flag) in [
        (
            "jobpay-bench",
            env!("CARGO_BIN_EXE_jobpay-bench"),
            "--admin-key",
        ),
        (
            "jobpay-feed-sim",
            env!("CARGO_BIN_EXE_jobpay-feed-sim"),
            "--items-per-minute",
        ),
    ] {
        let run = |args: &[&str]| {
            std::process::Command::new(binary)
                .args(args)
                .output()
                .expect("run the tool")
        };
        let help = run(&["--help"]);
        assert!(help.status.success(), "{tool} --help");
        assert!(
            String::from_utf8_lossy(&help.stdout).contains(flag),
            "{tool} --help"
        );
        let bad = run(&["--no-such-flag"]);
        let err = String::from_utf8_lossy(&bad.stderr);
        assert_eq!(bad.status.code(), Some(2), "{tool}: {err}");
        assert!(
            err.lines().count() == 1 && err.starts_with(&format!("{tool}: ")),
            "{tool}: {err}"
        );
    }
}

#[tokio::test]
async fn serve_demo_prints_an_admin_key_that_works() {
    let sqlite = SqliteFile::new();
    let server = Server::start(&["--demo", "--database-url", &sqlite.url()], &[]);
    server
        .wait_for_health(
            tonic_health::pb::health_check_response::ServingStatus::Serving,
            std::time::Duration::from_secs(20),
        )
        .await;
    let key = server.demo_admin_key().expect("the key is printed");
    assert_eq!(
        server.stdout().iter().filter(|l| l.contains(&key)).count(),
        2,
        "printed once, with its usage line"
    );
    let mut request = Request::new(pb::GetBestProfessionRequest {
        start: "2020-08-10".into(),
        end: "2020-08-17".into(),
        ..Default::default()
    });
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {key}").parse().unwrap());
    let best = AdminServiceClient::new(server.channel().await)
        .get_best_profession(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(best.profession, "Programmer");
    assert_eq!(best.earned, "2683.00");
}

/// One line on stderr, exit status 2: how a command answers a database that
/// is not set up for it.
fn assert_not_ready(what: &str, outcome: (std::process::ExitStatus, String, String), says: &str) {
    let (status, out, err) = outcome;
    assert_eq!(status.code(), Some(2), "{what}: {out}{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{what}: {err}");
    assert!(
        lines[0].starts_with("jobpay: ") && lines[0].contains(says),
        "{what}: {err}"
    );
}

/// `audit` and `seed` use a database `migrate` (or `serve`) made: in an
/// empty folder, on a path that is not there, on an empty or schemaless
/// database, or one with migrations to apply, they say what to run, exit
/// with status 2 and create nothing.
#[tokio::test]
async fn commands_that_need_the_schema_say_what_to_run_and_create_nothing() {
    let dir = TempDir::new();
    for command in [&["audit"][..], &["seed"], &["seed", "--force"]] {
        assert_not_ready(
            &format!("{command:?} in an empty folder"),
            run_jobpay_in(Some(&dir.path), command, &[]),
            "the SQLite database jobpay.db does not exist: run `jobpay migrate` first",
        );
        assert!(dir.files().is_empty(), "{command:?}: {:?}", dir.files());
    }
    // A path of its own, even with mode=rwc in its URL.
    let missing = dir.path.join("typo.db");
    let url = format!("sqlite://{}?mode=rwc", missing.display());
    for command in ["audit", "seed"] {
        assert_not_ready(
            command,
            run_jobpay(&[command, "--database-url", &url], &[]),
            &format!("{} does not exist", missing.display()),
        );
    }
    assert!(dir.files().is_empty(), "{:?}", dir.files());

    // An existing file without the schema, and a PostgreSQL database as
    // `createdb` leaves it.
    let empty = dir.path.join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let pg = PgDatabase::create().await;
    let sqlite_url = format!("sqlite://{}", empty.display());
    for url in [sqlite_url.as_str(), pg.url.as_str()] {
        for command in ["audit", "seed"] {
            assert_not_ready(
                &format!("{command} {url}"),
                run_jobpay(&[command, "--database-url", url], &[]),
                &format!(
                    "the database has no jobpay schema: run `jobpay migrate --database-url '{url}'` first"
                ),
            );
        }
    }

    // A migration short: the schema is behind this binary.
    let (status, _, err) = run_jobpay(&["migrate", "--database-url", &pg.url], &[]);
    assert!(status.success(), "{err}");
    exec(
        &pg.url,
        "DELETE FROM seaql_migrations WHERE version = (SELECT MAX(version) FROM seaql_migrations)",
    )
    .await;
    for command in ["audit", "seed"] {
        assert_not_ready(
            command,
            run_jobpay(&[command, "--database-url", &pg.url], &[]),
            "the database schema is 1 migration(s) behind this jobpay: run `jobpay migrate",
        );
    }

    // `migrate` is what creates the file; then both work.
    let (status, out, err) = run_jobpay_in(Some(&dir.path), &["migrate"], &[]);
    assert!(status.success(), "{out}{err}");
    for command in [&["seed"][..], &["audit"]] {
        let (status, out, err) = run_jobpay_in(Some(&dir.path), command, &[]);
        assert!(status.success(), "{command:?}: {out}{err}");
    }
}

/// A PostgreSQL database that does not exist, or credentials the server
/// refuses, stop every command at once (not after the start-up retries)
/// with one line: for a missing database, the `createdb` command to run.
#[tokio::test]
async fn a_missing_postgres_database_fails_at_once_with_the_createdb_command() {
    let admin = url::Url::parse(&postgres_admin_url()).unwrap();
    let name = crate::support::unique("jobpay_missing");
    let mut missing = admin.clone();
    missing.set_path(&name);
    let createdb = format!(
        "create it with `createdb -h {} -p {} -U {} {name}`",
        admin.host_str().unwrap(),
        admin.port().unwrap_or(5432),
        admin.username(),
    );
    let mut stranger = admin.clone();
    stranger.set_username("jobpay_no_such_role").unwrap();
    for (url, says) in [
        (missing.as_str(), createdb.as_str()),
        (
            stranger.as_str(),
            "the PostgreSQL server refused the connection",
        ),
    ] {
        for command in ["migrate", "audit", "seed"] {
            let started = std::time::Instant::now();
            assert_not_ready(
                &format!("{command} {url}"),
                run_jobpay(&[command, "--database-url", url], &[]),
                says,
            );
            assert!(started.elapsed() < std::time::Duration::from_secs(5));
        }
        // `serve` retries a server that does not answer (10 x 2 s by
        // default), not one that answers no.
        let started = std::time::Instant::now();
        let (status, out, err) = run_jobpay(
            &["serve", "--listen", "127.0.0.1:0", "--database-url", url],
            &[],
        );
        assert_eq!(status.code(), Some(2), "serve {url}: {out}{err}");
        let last = err.lines().last().unwrap_or_default();
        assert!(last.starts_with("jobpay: ") && last.contains(says), "{err}");
        assert!(!err.contains("database not reachable"), "{err}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
}

/// The first hour's slips get a hint that says what to write instead, and
/// `--help` says what the defaults and the checks are.
#[test]
fn slips_get_hints_and_help_states_defaults_and_checks() {
    for (args, hint) in [
        (
            &["serve", "--listen", "localhost:50051"][..],
            "use 127.0.0.1:50051",
        ),
        (
            &["serve", "--metrics-listen", "localhost:9090"],
            "use 127.0.0.1:9090",
        ),
        (
            &["serve", "--feed-start", "2024-01-01T00:00:00"],
            "has no time zone: add `Z` for UTC or an offset",
        ),
    ] {
        let (status, out, err) = run_jobpay(args, &[]);
        assert_eq!(status.code(), Some(2), "{args:?}: {out}{err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(hint), "{args:?}: {err}");
    }

    let (status, out, _) = run_jobpay(&["serve", "--help"], &[]);
    assert!(status.success());
    assert!(
        out.contains(&format!("else {}", jobpay::store::DEFAULT_DATABASE_URL)),
        "{out}"
    );
    assert!(out.contains(r#"printf %s "$KEY" | sha256sum"#), "{out}");

    let (status, out, _) = run_jobpay(&["audit", "--help"], &[]);
    assert!(status.success());
    for check in [
        "credits minus debits",
        "held <= balance",
        "requested payouts",
        "summary total",
        "loans' amounts and made installments",
        "every currency",
        "entries' reversed totals and jobs' refunded against their reversals",
        "exits with status 2",
    ] {
        assert!(out.contains(check), "audit --help lists {check:?}:\n{out}");
    }
}
