//! A PostgreSQL URL checked as libpq reads it, before the driver sees it:
//! every connection parameter jobpay honours, each value valid, and nothing
//! else. sqlx's own parser only warns about a parameter it does not know
//! and drops it, so a misspelt `sslmode` would silently connect without the
//! TLS it asked for; here it is a one-line start-up error.

use url::Url;

/// libpq's `sslmode` values, weakest first. Without one in the URL (or
/// `PGSSLMODE`), libpq and jobpay use `prefer`: TLS when the server offers
/// it, plaintext otherwise.
pub const SSL_MODES: [&str; 6] = [
    "disable",
    "allow",
    "prefer",
    "require",
    "verify-ca",
    "verify-full",
];

/// The query parameters jobpay passes on to the driver and honours.
const PARAMETERS: [&str; 12] = [
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
];

/// Checks `url` and returns it as the driver should get it. One libpq rule
/// sqlx lacks is applied here: `sslmode=require` with a root certificate
/// verifies the server's certificate chain, as `verify-ca` does, whichever
/// way each is given: in the URL, in `PGSSLMODE` / `PGSSLROOTCERT`, or (the
/// certificate) as `~/.postgresql/root.crt` when that file exists.
pub fn checked(url: &str) -> Result<String, String> {
    let mut parsed = Url::parse(url).map_err(|e| match e {
        url::ParseError::InvalidPort if url.contains(',') => {
            "a database URL names one host: multi-host URLs are not supported yet".to_owned()
        }
        e => format!("not a PostgreSQL URL ({e})"),
    })?;
    if !matches!(parsed.scheme(), "postgres" | "postgresql") {
        return Err(format!(
            "not a PostgreSQL URL (scheme `{}`)",
            parsed.scheme()
        ));
    }
    if parsed.host_str().unwrap_or_default().contains(',') {
        return Err(
            "a database URL names one host: multi-host URLs are not supported yet".to_owned(),
        );
    }
    let mut ssl_mode = None;
    let mut root_cert = false;
    for (key, value) in parsed.query_pairs() {
        if !PARAMETERS.contains(&key.as_ref()) {
            return Err(format!(
                "unknown connection parameter `{key}` in the database URL (jobpay honours {})",
                PARAMETERS.join(", ")
            ));
        }
        match key.as_ref() {
            "sslmode" => {
                if !SSL_MODES.contains(&value.as_ref()) {
                    return Err(format!(
                        "invalid sslmode `{value}` in the database URL (one of {})",
                        SSL_MODES.join(", ")
                    ));
                }
                ssl_mode = Some(value.into_owned());
            }
            "sslrootcert" => root_cert = true,
            "host" if value.contains(',') => {
                return Err(
                    "a database URL names one host: multi-host URLs are not supported yet"
                        .to_owned(),
                );
            }
            "port" if value.parse::<u16>().is_err() => {
                return Err(format!("invalid port `{value}` in the database URL"));
            }
            _ => {}
        }
    }
    if ssl_mode.is_none()
        && let Ok(value) = std::env::var("PGSSLMODE")
        && !SSL_MODES.contains(&value.as_str())
    {
        return Err(format!(
            "invalid PGSSLMODE `{value}` (one of {})",
            SSL_MODES.join(", ")
        ));
    }
    let mode = ssl_mode.or_else(|| std::env::var("PGSSLMODE").ok());
    // libpq's default root certificate; sqlx reads PGSSLROOTCERT itself.
    let default_root = std::env::var_os("HOME")
        .map(|home| std::path::Path::new(&home).join(".postgresql/root.crt"))
        .filter(|path| path.is_file());
    let has_root = root_cert || std::env::var_os("PGSSLROOTCERT").is_some();
    if mode.as_deref() == Some("require") && (has_root || default_root.is_some()) {
        let mut pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "sslmode" {
                    "verify-ca".into()
                } else {
                    v
                };
                (k.into_owned(), v.into_owned())
            })
            .collect();
        if !pairs.iter().any(|(k, _)| k == "sslmode") {
            pairs.push(("sslmode".into(), "verify-ca".into()));
        }
        if !has_root && let Some(path) = default_root {
            pairs.push(("sslrootcert".into(), path.display().to_string()));
        }
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
        return Ok(parsed.into());
    }
    Ok(url.to_owned())
}

/// The `createdb` command that creates the database `url` names, on the
/// host, port and as the user the URL connects with (libpq's environment
/// defaults included, as the driver reads them): a missing database is
/// then one paste away, not a search through the docs.
pub fn createdb_command(url: &str) -> String {
    use sea_orm::sqlx::postgres::PgConnectOptions;
    let Ok(options) = url.parse::<PgConnectOptions>() else {
        return "createdb <database>".to_owned();
    };
    let database = options
        .get_database()
        .unwrap_or_else(|| options.get_username());
    format!(
        "createdb -h {} -p {} -U {} {}",
        shell_word(options.get_host()),
        options.get_port(),
        shell_word(options.get_username()),
        shell_word(database)
    )
}

/// `url` with its password, if any, replaced by `***`: fit to print.
pub fn redacted(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.into()
        }
        _ => url.to_owned(),
    }
}

/// `text` as one shell word: as is when it is plain, else single-quoted.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:@%+=,".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::{checked, createdb_command, redacted};

    #[test]
    fn a_url_without_sslmode_is_left_to_prefer() {
        let url = "postgres://u@h:5432/db";
        assert_eq!(checked(url).unwrap(), url);
        let url =
            "postgresql://u:p@h/db?application_name=x&sslmode=verify-full&sslrootcert=/ca.pem";
        assert_eq!(checked(url).unwrap(), url);
    }

    #[test]
    fn every_libpq_sslmode_is_accepted_and_nothing_else() {
        for mode in super::SSL_MODES {
            let url = format!("postgres://h/db?sslmode={mode}");
            assert_eq!(checked(&url).unwrap(), url);
        }
        for mode in ["Require", "on", "true", ""] {
            let error = checked(&format!("postgres://h/db?sslmode={mode}")).unwrap_err();
            assert!(error.contains("invalid sslmode"), "{error}");
        }
    }

    #[test]
    fn an_unknown_parameter_is_an_error_not_a_warning() {
        let error = checked("postgres://h/db?ssl_mode=require").unwrap_err();
        assert!(
            error.starts_with("unknown connection parameter `ssl_mode`"),
            "{error}"
        );
        let error = checked("postgres://h/db?target_session_attrs=read-write").unwrap_err();
        assert!(error.contains("`target_session_attrs`"), "{error}");
    }

    #[test]
    fn require_with_a_root_certificate_verifies_the_chain() {
        assert_eq!(
            checked("postgres://h/db?sslmode=require&sslrootcert=/ca.pem").unwrap(),
            "postgres://h/db?sslmode=verify-ca&sslrootcert=%2Fca.pem"
        );
    }

    #[test]
    fn several_hosts_are_refused_in_one_line() {
        for url in [
            "postgres://h1:5432,h2:5433/db",
            "postgres://h1,h2/db",
            "postgres://x/db?host=h1,h2",
        ] {
            let error = checked(url).unwrap_err();
            assert!(error.contains("multi-host"), "{url}: {error}");
        }
        assert!(checked("mysql://h/db").unwrap_err().contains("scheme"));
        assert!(
            checked("postgres://h/db?port=x")
                .unwrap_err()
                .contains("port")
        );
    }

    #[test]
    fn createdb_names_the_urls_host_port_user_and_database() {
        assert_eq!(
            createdb_command("postgres://postgres@127.0.0.1:5432/jobpay"),
            "createdb -h 127.0.0.1 -p 5432 -U postgres jobpay"
        );
        assert_eq!(
            createdb_command("postgresql://app:secret@db.example:6543/my%20db?sslmode=require"),
            "createdb -h db.example -p 6543 -U app 'my db'"
        );
        assert_eq!(
            redacted("postgres://app:secret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(redacted("postgres://app@db/x"), "postgres://app@db/x");
    }
}
