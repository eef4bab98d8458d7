//! With `--auth token` nothing is reachable without the token: the API answers 401, the page is
//! the sign-in form, forged and expired cookies are refused, and signing in with the token gives a
//! session that opens both. Every answer carries the security headers.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use server::http::auth::{AuthMode, COOKIE, SIGN_IN, TokenAuth, unix_now};
use tower::ServiceExt;

use crate::common;

const TOKEN: &str = "s3cret-token-of-enough-length";

async fn router(dir: &std::path::Path) -> axum::Router {
    let mut state = common::state(dir).await;
    state.auth = AuthMode::Token(Arc::new(TokenAuth::new(TOKEN).expect("long enough")));
    server::app(state)
}

async fn send(
    router: &axum::Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = router.clone().oneshot(request).await.expect("answered");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, headers, String::from_utf8_lossy(&body).to_string())
}

fn get(path: &str) -> axum::http::request::Builder {
    Request::builder().uri(path)
}

#[tokio::test]
async fn without_the_token_nothing_is_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let router = router(dir.path()).await;
    for path in [
        "/api/stats",
        "/api/agents",
        "/api/daily?from=2026-01-01&to=2026-01-02",
    ] {
        let (status, headers, body) =
            send(&router, get(path).body(Body::empty()).expect("request")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(headers.get(header::WWW_AUTHENTICATE).is_some(), "{path}");
        assert!(
            body.contains("not signed in") && !body.contains("totalRows"),
            "{path}: {body}"
        );
    }
    // The page is the sign-in form, never the dashboard.
    let (status, _, body) = send(&router, get("/").body(Body::empty()).expect("request")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains(&format!("action=\"{SIGN_IN}\"")), "{body}");
    assert!(!body.contains("stat-card"), "no dashboard data: {body}");
    // Server functions too.
    let (status, _, _) = send(
        &router,
        Request::post("/_sfn/dashboard_data")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A wrong bearer token, a forged cookie and an expired one are refused.
    let auth = TokenAuth::new(TOKEN).expect("long enough");
    let other = TokenAuth::new("a different token entirely").expect("long enough");
    for (name, value) in [
        (header::AUTHORIZATION, "Bearer not-the-token".to_string()),
        (
            header::COOKIE,
            format!("{COOKIE}={}", other.session(unix_now() + 600)),
        ),
        (
            header::COOKIE,
            format!("{COOKIE}={}", auth.session(unix_now() - 1)),
        ),
        (header::COOKIE, format!("{COOKIE}={}.00", unix_now() + 600)),
    ] {
        let (status, _, _) = send(
            &router,
            get("/api/stats")
                .header(name.clone(), value.clone())
                .body(Body::empty())
                .expect("request"),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {value}");
    }
    // The bundle holds no data and stays reachable (the sign-in page uses its stylesheet).
    let (status, headers, _) = send(
        &router,
        get("/favicon.svg").body(Body::empty()).expect("request"),
    )
    .await;
    assert_ne!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        headers
            .get(header::X_CONTENT_TYPE_OPTIONS)
            .map(|v| v.as_bytes()),
        Some(&b"nosniff"[..])
    );
}

#[tokio::test]
async fn the_token_opens_the_api_and_signing_in_gives_a_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let router = router(dir.path()).await;
    let (status, headers, body) = send(
        &router,
        get("/api/stats")
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("totalRows"), "{body}");
    assert!(headers.get(header::CONTENT_SECURITY_POLICY).is_some());

    // A wrong token on the form: 401, the form again.
    let form = |token: &str| {
        Request::post(SIGN_IN)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={token}")))
            .expect("request")
    };
    let (status, headers, body) = send(&router, form("wrong")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers.get(header::SET_COOKIE).is_none());
    assert!(body.contains("not valid"), "{body}");

    // The right one: a redirect to the dashboard with a strict session cookie.
    let (status, headers, _) = send(&router, form(TOKEN)).await;
    assert!(status.is_redirection(), "{status}");
    let cookie = headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie")
        .to_string();
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Max-Age="] {
        assert!(cookie.contains(attr), "{attr} missing: {cookie}");
    }
    let session = cookie.split(';').next().expect("name=value").to_string();
    let (status, _, body) = send(
        &router,
        get("/")
            .header(header::COOKIE, session.clone())
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !body.contains(&format!("action=\"{SIGN_IN}\"")),
        "the dashboard, not the form"
    );
    let (status, _, body) = send(
        &router,
        get("/api/stats")
            .header(header::COOKIE, session)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// With `--auth iam` the function serves only requests AWS signed through an AWS_IAM Function URL:
/// the event's `requestContext.authorizer.iam` names the caller; without it, 401.
#[tokio::test]
async fn iam_mode_serves_only_requests_aws_verified() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut state = common::state(dir.path()).await;
    state.auth = AuthMode::Iam;
    let router = server::app(state.clone());
    let unsigned: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/function-url-get-stats.json"))
            .expect("fixture");
    let mut signed = unsigned.clone();
    signed["requestContext"]["authorizer"] = serde_json::json!({
        "iam": {
            "accessKey": "AKIAEXAMPLE",
            "accountId": "123456789012",
            "callerId": "AIDAEXAMPLE",
            "userArn": "arn:aws:iam::123456789012:user/analyst",
            "userId": "AIDAEXAMPLE"
        }
    });
    for (event, want) in [(unsigned, 401), (signed, 200)] {
        let out = server::lambda::handle(
            &router,
            &state,
            lambda_http::LambdaEvent::new(event, lambda_http::Context::default()),
        )
        .await
        .expect("answered");
        assert_eq!(out["statusCode"], want, "{out}");
    }
}
