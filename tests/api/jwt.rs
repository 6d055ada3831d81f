//! `--caller-auth jwt`: the caller is a verified token's `sub`; forged,
//! expired, unsigned and confused tokens are refused; the admin key moves to
//! `x-admin-key`.

use std::path::PathBuf;
use std::time::Duration;

use jobpay::auth::CallerAuth;
use jobpay::auth::jwt::{JwtSettings, JwtVerifier};
use jobpay::proto::pb;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde::Serialize;
use tonic::{Code, Request};

use crate::on_both_backends;
use crate::support::{ADMIN_KEY, Backend, TestApp, as_admin, as_profile, assert_error};

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-test-secret";

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(sub: &str) -> Claims<'_> {
    Claims {
        sub,
        exp: now() + 600,
        iss: Some("https://gateway.example"),
        aud: Some("jobpay"),
        nbf: None,
    }
}

fn hs256(claims: &Claims) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap()
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "jobpay_jwt_{}_{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn settings() -> JwtSettings {
    JwtSettings {
        issuer: Some("https://gateway.example".into()),
        audience: Some("jobpay".into()),
        leeway: Duration::from_secs(5),
        ..JwtSettings::default()
    }
}

fn hs256_verifier() -> CallerAuth {
    let dir = temp_dir();
    let path = dir.join("secret");
    std::fs::write(&path, SECRET).unwrap();
    let verifier = JwtVerifier::new(&JwtSettings {
        secret_file: Some(path),
        ..settings()
    })
    .expect("verifier");
    CallerAuth::Jwt(verifier)
}

fn with_token<T>(token: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("metadata"),
    );
    request
}

async fn balance_of(
    app: &TestApp,
    request: Request<pb::GetBalanceRequest>,
) -> Result<String, tonic::Status> {
    app.balances()
        .get_balance(request)
        .await
        .map(|r| r.into_inner().balance)
}

async fn tokens_decide_the_caller(backend: Backend) {
    let app = TestApp::with_caller_auth(backend, hs256_verifier()).await;
    // A valid token for demo client 1.
    let token = hs256(&claims("1"));
    assert_eq!(
        balance_of(&app, with_token(&token, pb::GetBalanceRequest::default()))
            .await
            .unwrap(),
        "1150.00"
    );
    // profile_id metadata is ignored: the token decides.
    let mut spoof = with_token(&token, pb::GetBalanceRequest::default());
    spoof
        .metadata_mut()
        .insert("profile_id", "2".parse().unwrap());
    assert_eq!(balance_of(&app, spoof).await.unwrap(), "1150.00");
    assert_error(
        balance_of(&app, as_profile(2, pb::GetBalanceRequest::default())).await,
        Code::Unauthenticated,
        "TOKEN_INVALID",
    );
    // Another profile's resources stay hidden: contract 3 is between 2 and 6.
    assert_error(
        app.contracts()
            .get_contract(with_token(&token, pb::GetContractRequest { id: 3 }))
            .await,
        Code::NotFound,
        "CONTRACT_NOT_FOUND",
    );
    // An unknown subject.
    assert_error(
        balance_of(
            &app,
            with_token(&hs256(&claims("99999")), pb::GetBalanceRequest::default()),
        )
        .await,
        Code::Unauthenticated,
        "UNKNOWN_PROFILE",
    );
    // Subjects that are not profile ids.
    for sub in ["", "abc", "-1", "0", "1.0", " 1"] {
        assert_error(
            balance_of(
                &app,
                with_token(&hs256(&claims(sub)), pb::GetBalanceRequest::default()),
            )
            .await,
            Code::Unauthenticated,
            "TOKEN_INVALID",
        );
    }
}

async fn forged_expired_and_unsigned_tokens_are_refused(backend: Backend) {
    let app = TestApp::with_caller_auth(backend, hs256_verifier()).await;
    let get = |token: String| {
        let mut balances = app.balances();
        async move {
            balances
                .get_balance(with_token(&token, pb::GetBalanceRequest::default()))
                .await
        }
    };
    // Expired (beyond the leeway).
    let mut expired = claims("1");
    expired.exp = now() - 60;
    let status = assert_error(
        get(hs256(&expired)).await,
        Code::Unauthenticated,
        "TOKEN_EXPIRED",
    );
    let token = hs256(&expired);
    assert!(
        !status.message().contains(&token),
        "the token never appears in errors"
    );
    // Wrong signature.
    let forged = encode(
        &Header::new(Algorithm::HS256),
        &claims("1"),
        &EncodingKey::from_secret(b"another secret that is long enough!!"),
    )
    .unwrap();
    assert_error(get(forged).await, Code::Unauthenticated, "TOKEN_INVALID");
    // alg: none, with and without a trailing signature.
    use base64::Engine;
    let b64 = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let payload = b64(&format!(r#"{{"sub":"1","exp":{}}}"#, now() + 600));
    for header in [r#"{"alg":"none","typ":"JWT"}"#, r#"{"alg":"None"}"#] {
        let unsigned = format!("{}.{payload}.", b64(header));
        assert_error(get(unsigned).await, Code::Unauthenticated, "TOKEN_INVALID");
    }
    // Another algorithm than the key's.
    let hs512 = encode(
        &Header::new(Algorithm::HS512),
        &claims("1"),
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    assert_error(get(hs512).await, Code::Unauthenticated, "TOKEN_INVALID");
    // Wrong issuer, wrong audience, not yet valid, no exp.
    let mut wrong_iss = claims("1");
    wrong_iss.iss = Some("https://evil.example");
    assert_error(
        get(hs256(&wrong_iss)).await,
        Code::Unauthenticated,
        "TOKEN_INVALID",
    );
    let mut wrong_aud = claims("1");
    wrong_aud.aud = Some("someone-else");
    assert_error(
        get(hs256(&wrong_aud)).await,
        Code::Unauthenticated,
        "TOKEN_INVALID",
    );
    let mut early = claims("1");
    early.nbf = Some(now() + 3600);
    assert_error(
        get(hs256(&early)).await,
        Code::Unauthenticated,
        "TOKEN_INVALID",
    );
    let no_exp = encode(
        &Header::new(Algorithm::HS256),
        &serde_json::json!({"sub": "1", "iss": "https://gateway.example", "aud": "jobpay"}),
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    assert_error(get(no_exp).await, Code::Unauthenticated, "TOKEN_INVALID");
    // Garbage and missing tokens.
    for garbage in ["x", "a.b.c", "....", "eyJ.eyJ.sig"] {
        assert_error(
            get(garbage.to_owned()).await,
            Code::Unauthenticated,
            "TOKEN_INVALID",
        );
    }
    assert_error(
        app.balances()
            .get_balance(Request::new(pb::GetBalanceRequest::default()))
            .await,
        Code::Unauthenticated,
        "TOKEN_INVALID",
    );
}

async fn admin_calls_take_the_key_as_x_admin_key(backend: Backend) {
    let app = TestApp::with_caller_auth(backend, hs256_verifier()).await;
    let mut request = Request::new(pb::ListProfilesRequest::default());
    request
        .metadata_mut()
        .insert("x-admin-key", ADMIN_KEY.parse().unwrap());
    let profiles = app
        .admin()
        .list_profiles(request)
        .await
        .unwrap()
        .into_inner();
    assert!(!profiles.profiles.is_empty());
    // `authorization` carries tokens in this mode, not the admin key.
    assert_error(
        app.admin()
            .list_profiles(as_admin(pb::ListProfilesRequest::default()))
            .await,
        Code::Unauthenticated,
        "MISSING_ADMIN_KEY",
    );
    let mut wrong = Request::new(pb::ListProfilesRequest::default());
    wrong
        .metadata_mut()
        .insert("x-admin-key", "nope".parse().unwrap());
    assert_error(
        app.admin().list_profiles(wrong).await,
        Code::Unauthenticated,
        "WRONG_ADMIN_KEY",
    );
}

fn openssl(args: &[&str]) {
    let status = std::process::Command::new("openssl")
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl {args:?}");
}

/// An RSA and an EC key pair: (private PEM, public key file).
fn key_pairs(dir: &std::path::Path) -> Vec<(Vec<u8>, PathBuf, Algorithm)> {
    let mut pairs = Vec::new();
    for (name, gen_args, alg) in [
        (
            "rsa",
            vec!["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
            Algorithm::RS256,
        ),
        (
            "ec",
            vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            Algorithm::ES256,
        ),
    ] {
        let private = dir.join(format!("{name}.pem"));
        let public = dir.join(format!("{name}.pub.pem"));
        let private_s = private.to_str().unwrap();
        let mut args = vec!["genpkey"];
        args.extend(gen_args);
        args.extend(["-out", private_s]);
        openssl(&args);
        // PKCS#8 for the EC key, which jsonwebtoken's signer expects.
        let pkcs8 = dir.join(format!("{name}.pk8.pem"));
        openssl(&[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            private_s,
            "-out",
            pkcs8.to_str().unwrap(),
        ]);
        openssl(&[
            "pkey",
            "-in",
            private_s,
            "-pubout",
            "-out",
            public.to_str().unwrap(),
        ]);
        pairs.push((std::fs::read(pkcs8).unwrap(), public, alg));
    }
    pairs
}

async fn public_keys_rotate_and_refuse_algorithm_confusion(backend: Backend) {
    let dir = temp_dir();
    let pairs = key_pairs(&dir);
    let verifier = JwtVerifier::new(&JwtSettings {
        public_key_files: pairs.iter().map(|(_, public, _)| public.clone()).collect(),
        ..settings()
    })
    .expect("verifier");
    let app = TestApp::with_caller_auth(backend, CallerAuth::Jwt(verifier)).await;
    for (private, _, alg) in &pairs {
        let key = match alg {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(private).unwrap(),
            _ => EncodingKey::from_ec_pem(private).unwrap(),
        };
        let token = encode(&Header::new(*alg), &claims("2"), &key).unwrap();
        assert_eq!(
            balance_of(&app, with_token(&token, pb::GetBalanceRequest::default()))
                .await
                .unwrap(),
            "231.11",
            "{alg:?} signed by one of the configured keys"
        );
    }
    // Algorithm confusion: an HS256 token "signed" with the RSA public key.
    let public_pem = std::fs::read(&pairs[0].1).unwrap();
    let confused = encode(
        &Header::new(Algorithm::HS256),
        &claims("2"),
        &EncodingKey::from_secret(&public_pem),
    )
    .unwrap();
    assert_error(
        balance_of(
            &app,
            with_token(&confused, pb::GetBalanceRequest::default()),
        )
        .await,
        Code::Unauthenticated,
        "TOKEN_INVALID",
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn bad_key_settings_are_one_line_errors() {
    let dir = temp_dir();
    let short = dir.join("short");
    std::fs::write(&short, b"too short").unwrap();
    let cases = [
        JwtSettings::default(),
        JwtSettings {
            secret_file: Some(short.clone()),
            ..JwtSettings::default()
        },
        JwtSettings {
            secret_file: Some(dir.join("missing")),
            ..JwtSettings::default()
        },
        JwtSettings {
            public_key_files: vec![short.clone()],
            ..JwtSettings::default()
        },
        JwtSettings {
            secret_file: Some(short.clone()),
            public_key_files: vec![short],
            ..JwtSettings::default()
        },
    ];
    for settings in cases {
        let error = JwtVerifier::new(&settings).unwrap_err();
        assert!(!error.contains('\n') && error.contains("--jwt"), "{error}");
        assert!(
            !error.contains("too short"),
            "key material never in errors: {error}"
        );
    }
    std::fs::remove_dir_all(dir).ok();
}

on_both_backends!(
    tokens_decide_the_caller,
    forged_expired_and_unsigned_tokens_are_refused,
    admin_calls_take_the_key_as_x_admin_key,
    public_keys_rotate_and_refuse_algorithm_confusion,
);
