//! `jobpay serve` from start to exit: serve at once (NOT_SERVING), reach
//! the database within the retry settings, migrate, load demo data, report
//! SERVING, follow the database's health, and shut down gracefully.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::api::AppState;
use crate::auth::jwt::{JwtSettings, JwtVerifier};
use crate::auth::{self, AdminKey, CallerAuth};
use crate::cli::Stop;
use crate::config::{CallerAuthMode, ServeArgs};
use crate::currencies::Currencies;
use crate::ledger::{self, Ledger};
use crate::seed::{self, SeedOutcome};
use crate::server::metrics::{self, Metrics};
use crate::server::{self, Runtime, ServeOptions};
use crate::store::{self, Store, StoreOptions};

/// How long one health check of the database may take.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// Runs the server until SIGTERM/SIGINT (or a fatal start-up error).
pub async fn serve(args: ServeArgs) -> Result<(), Stop> {
    let mut admin_key = match &args.admin_key_sha256 {
        Some(hex) => AdminKey::from_sha256_hex(hex)
            .map_err(|e| format!("invalid --admin-key-sha256 (JOBPAY_ADMIN_KEY_SHA256): {e}"))?,
        None => AdminKey::disabled(),
    };
    if args.demo && !admin_key.is_enabled() {
        let key = auth::generate_admin_key();
        println!("demo admin key (shown once): {key}");
        match args.caller_auth {
            CallerAuthMode::Header => {
                println!("  send it as metadata: authorization: Bearer {key}")
            }
            CallerAuthMode::Jwt => println!("  send it as metadata: x-admin-key: {key}"),
        }
        admin_key = AdminKey::from_key(&key);
    }
    let caller_auth = match args.caller_auth {
        CallerAuthMode::Header => CallerAuth::Header,
        CallerAuthMode::Jwt => CallerAuth::Jwt(JwtVerifier::new(&JwtSettings {
            secret_file: args.jwt_secret_file.clone(),
            public_key_files: args.jwt_public_key_file.clone(),
            issuer: args.jwt_issuer.clone(),
            audience: args.jwt_audience.clone(),
            leeway: args.jwt_leeway,
        })?),
    };
    let admin_key = admin_key.read_from(caller_auth.admin_key_header());
    let mut store_options = StoreOptions::new(args.database.url());
    store_options.pool_size = args.database.pool_size;
    store_options.log_statements = args.database.log_sql;
    let store = Store::connect_lazy(&store_options)
        .await
        .map_err(|e| format!("invalid --database-url (JOBPAY_DATABASE_URL): {e}"))?;
    if !admin_key.is_enabled() {
        tracing::warn!("no admin key configured: AdminService calls will be refused");
    }

    let listener = TcpListener::bind(args.listen).await.map_err(|e| {
        format!(
            "cannot listen on --listen (JOBPAY_LISTEN) {}: {e}",
            args.listen
        )
    })?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let runtime = Runtime::starting(Metrics::new(store.clone()));
    runtime.set_serving(false).await;
    if let Some(metrics_address) = args.metrics_listen {
        let metrics_listener = TcpListener::bind(metrics_address).await.map_err(|e| {
            format!(
                "cannot listen on --metrics-listen (JOBPAY_METRICS_LISTEN) {metrics_address}: {e}"
            )
        })?;
        let bound = metrics_listener.local_addr().map_err(|e| e.to_string())?;
        tracing::info!(address = %bound, "metrics on http://{bound}/metrics");
        tokio::spawn(metrics::serve(
            metrics_listener,
            Arc::clone(&runtime.metrics),
        ));
    }

    let currencies = Arc::new(Currencies::new(store.clone(), &args.default_currency));
    let state = AppState {
        store: store.clone(),
        ledger: Ledger::new(
            store.for_ledger_writer(),
            args.max_batch as usize,
            args.max_queued_per_caller as usize,
        ),
        admin_key,
        currencies: Arc::clone(&currencies),
        caller_auth: Arc::new(caller_auth),
        known_profiles: Default::default(),
        feed_enabled: args.feed.feed_url.is_some(),
    };
    let options = ServeOptions {
        max_message_size: args.max_message_size as usize,
        concurrency_limit: args.concurrency_limit as usize,
        default_timeout: args.request_timeout,
        tls: args.tls_cert.clone().zip(args.tls_key.clone()),
        cors_allowed_origins: args.cors_allowed_origins.clone(),
        ..ServeOptions::default()
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let server_runtime = runtime.clone();
    let mut server = tokio::spawn(async move {
        server::run(listener, state, options, &server_runtime, async {
            let _ = stopped.await;
        })
        .await
    });
    tracing::info!(%address, tls = args.tls_cert.is_some(), "jobpay listening (NOT_SERVING until the database answers)");
    println!("jobpay listening on {address}");

    let signal = crate::cli::shutdown_signal();
    tokio::pin!(signal);
    tokio::select! {
        ready = become_ready(&store, &store_options, &currencies, &args) => {
            if let Err(message) = ready {
                let _ = stop.send(());
                let _ = tokio::time::timeout(args.shutdown_timeout, &mut server).await;
                return Err(message);
            }
            runtime.set_serving(true).await;
            tracing::info!("database reachable: SERVING");
        }
        _ = &mut signal => {
            tracing::info!("shutdown requested during start-up");
            return Ok(shut_down(&runtime, stop, server, args.shutdown_timeout).await?);
        }
        finished = &mut server => {
            return Err(format!("server stopped: {}", describe(finished)).into());
        }
    }

    spawn_request_purge(store.clone(), args.request_id_ttl);
    let feed = match start_feed(&store, &currencies, &args, &runtime).await {
        Ok(feed) => feed,
        Err(message) => {
            let _ = shut_down(&runtime, stop, server, args.shutdown_timeout).await;
            return Err(message.into());
        }
    };
    let monitor = tokio::spawn(follow_database(
        store,
        runtime.clone(),
        args.health_check_interval,
    ));
    tokio::select! {
        _ = &mut signal => {}
        finished = &mut server => {
            monitor.abort();
            return Err(format!("server stopped: {}", describe(finished)).into());
        }
    }
    monitor.abort();
    if let Some(feed) = feed {
        feed.abort();
    }
    Ok(shut_down(&runtime, stop, server, args.shutdown_timeout).await?)
}

/// Starts the upstream feed's worker when `--feed-url` is set.
async fn start_feed(
    store: &Store,
    currencies: &Currencies,
    args: &ServeArgs,
    runtime: &Runtime,
) -> Result<Option<tokio::task::JoinHandle<()>>, String> {
    let settings = &args.feed;
    let Some(url) = settings.feed_url.clone() else {
        return Ok(None);
    };
    let code = settings.feed_currency.clone().unwrap_or_default();
    let currency = currencies
        .resolve("feed_currency", &code)
        .await
        .map_err(|e| format!("invalid --feed-currency (JOBPAY_FEED_CURRENCY) {code:?}: {e}"))?;
    let worker = crate::feed::spawn(
        store.clone(),
        crate::feed::FeedSettings {
            url,
            requests_per_minute: settings.feed_requests_per_minute,
            rate_window: settings.feed_rate_window,
            page_size: settings.feed_page_size,
            currency: currency.clone(),
            start: settings.feed_start,
            delay: settings.feed_delay,
            timeout: settings.feed_timeout,
        },
        Arc::clone(&runtime.metrics.feed),
    )?;
    tracing::info!(
        currency = %currency.code,
        requests_per_minute = settings.feed_requests_per_minute,
        "upstream feed started"
    );
    Ok(Some(worker))
}

fn describe(finished: Result<Result<(), server::ServeError>, tokio::task::JoinError>) -> String {
    match finished {
        Ok(Ok(())) => "without error".to_owned(),
        Ok(Err(e)) => e.to_string(),
        Err(e) => e.to_string(),
    }
}

/// Health NOT_SERVING at once, no new calls, in-flight calls get up to
/// `timeout` to finish.
async fn shut_down(
    runtime: &Runtime,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<Result<(), server::ServeError>>,
    timeout: Duration,
) -> Result<(), String> {
    tracing::info!(
        ?timeout,
        "shutting down: NOT_SERVING, draining in-flight calls"
    );
    runtime.set_health(false).await;
    runtime.metrics.set_serving(false);
    let _ = stop.send(());
    match tokio::time::timeout(timeout, server).await {
        Ok(_) => tracing::info!("all calls finished; stopped"),
        Err(_) => tracing::warn!("shutdown timeout passed; abandoning calls still running"),
    }
    Ok(())
}

/// Reaches the database (retrying while it does not answer; a database
/// that answers "no such database" or "credentials refused" stops start-up
/// at once, with what to do), migrates and loads demo data.
async fn become_ready(
    store: &Store,
    options: &StoreOptions,
    currencies: &Currencies,
    args: &ServeArgs,
) -> Result<(), Stop> {
    let retries = args.database.db_connect_retries;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match tokio::time::timeout(PING_TIMEOUT, store.probe()).await {
            Ok(Ok(())) => break,
            Ok(Err(error)) => {
                if let Some(not_ready) = store::not_ready(&error, options) {
                    return Err(not_ready.into());
                }
                tracing::warn!(attempt, retries, %error, "database not reachable")
            }
            Err(_) => tracing::warn!(
                attempt,
                retries,
                "database not reachable: no answer in time"
            ),
        }
        if attempt >= retries {
            return Err(format!(
                "database not reachable after {retries} attempts (--db-connect-retries)"
            )
            .into());
        }
        tokio::time::sleep(args.database.db_connect_interval).await;
    }
    let mut schema_current = true;
    if args.migrate {
        store
            .migrate()
            .await
            .map_err(|e| format!("migration failed: {e}"))?;
    } else if !store
        .pending_migrations()
        .await
        .map_err(|e| format!("cannot read migrations: {e}"))?
        .is_empty()
    {
        schema_current = false;
        tracing::warn!("pending migrations not applied (--migrate=false): run `jobpay migrate`");
    }
    if args.demo {
        match seed::seed(store, seed::DEMO_DATA, false).await {
            Ok(SeedOutcome::Loaded { .. }) => tracing::info!("demo data loaded"),
            Ok(SeedOutcome::NotEmpty) => {
                tracing::info!("database has data already; demo data not loaded")
            }
            Err(e) => return Err(format!("loading demo data failed: {e:?}").into()),
        }
    }
    // With migrations still to come (a separate migrate job), the currency
    // table may not exist yet: calls fail until it does, and the platform
    // currency is checked on first use.
    if schema_current {
        let platform = currencies.check_platform().await?;
        tracing::info!(currency = %platform.code, precision = platform.precision, "platform currency");
    }
    Ok(())
}

/// Checks the database every `interval` and flips health, and whether
/// calls are accepted, when it goes away or comes back.
async fn follow_database(store: Store, runtime: Runtime, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Its own connection: a pool saturated by load is not an outage.
    let mut probe = store.health_probe();
    loop {
        ticks.tick().await;
        let reachable = matches!(
            tokio::time::timeout(PING_TIMEOUT, probe.check()).await,
            Ok(true)
        );
        if runtime.database.is_available() != reachable {
            runtime.set_serving(reachable).await;
            if reachable {
                tracing::info!("database reachable again: SERVING");
            } else {
                tracing::error!("database unreachable: NOT_SERVING, calls answer UNAVAILABLE");
            }
        }
    }
}

/// Deletes expired idempotency records every minute.
fn spawn_request_purge(store: Store, ttl: Duration) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            match ledger::purge_expired_requests(&store, ttl).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "expired request ids purged"),
                Err(e) => tracing::warn!(error = %e, "purging expired request ids failed"),
            }
        }
    });
}
