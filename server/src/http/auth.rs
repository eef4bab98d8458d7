//! Who may use the dashboard and the API. Three modes (`DYNAMO_LAKE_AUTH` / `--auth`):
//! - `none`: no check (only for a loopback address, or when asked for explicitly);
//! - `token`: a shared secret. API clients send `Authorization: Bearer <token>`; people sign in
//!   once on `/auth/sign-in` and get an HttpOnly, Secure, SameSite=Strict session cookie signed
//!   with HMAC-SHA256 and valid for [`SESSION_TTL`]. Tokens and signatures are compared in constant
//!   time, and each failed attempt slows the next ones down;
//! - `iam`: AWS checks every request before it reaches the function (a Function URL with
//!   `AuthType: AWS_IAM`), so nothing is checked here.
//!
//! Without a session or token a request gets 401: JSON for `/api/` and the server functions, the
//! sign-in page for anything else. Static assets (`/pkg/`, the favicon) hold no data and stay open.
//! Every response carries the security headers of [`security_headers`].

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AppState;

/// How long a session cookie is valid.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// The session cookie's name.
pub const COOKIE: &str = "dl_session";
/// The sign-in page.
pub const SIGN_IN: &str = "/auth/sign-in";
/// Shortest shared token accepted (a short one can be guessed despite the slow-down).
pub const MIN_TOKEN_CHARS: usize = 16;
/// The longest a failed attempt is made to wait.
const MAX_PENALTY: Duration = Duration::from_secs(5);

/// How requests are authenticated.
#[derive(Clone, Default)]
pub enum AuthMode {
    /// No check.
    #[default]
    None,
    /// A shared token (bearer header or signed session cookie).
    Token(std::sync::Arc<TokenAuth>),
    /// AWS IAM, checked by the Function URL before the request arrives.
    Iam,
}

impl AuthMode {
    /// The mode named by `mode` (`none`, `token`, `iam`), with the token for `token`.
    pub fn from_settings(mode: &str, token: Option<&str>) -> anyhow::Result<AuthMode> {
        match mode.to_ascii_lowercase().as_str() {
            "none" => Ok(AuthMode::None),
            "iam" => Ok(AuthMode::Iam),
            "token" => {
                let token = token.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
                    anyhow::anyhow!(
                        "auth mode token needs the shared token: set DYNAMO_LAKE_AUTH_TOKEN (or --auth-token)"
                    )
                })?;
                Ok(AuthMode::Token(std::sync::Arc::new(TokenAuth::new(token)?)))
            }
            other => anyhow::bail!("unknown auth mode {other:?}: expected none, token or iam"),
        }
    }

    /// `none`, `token` or `iam`.
    pub fn name(&self) -> &'static str {
        match self {
            AuthMode::None => "none",
            AuthMode::Token(_) => "token",
            AuthMode::Iam => "iam",
        }
    }
}

/// The shared token and what is derived from it.
pub struct TokenAuth {
    /// SHA-256 of the token: what presented tokens are compared against (equal length, constant time).
    token_hash: [u8; 32],
    /// The key that signs session cookies (derived from the token, so every instance agrees).
    key: Vec<u8>,
    /// Recent failures and when the last one was, for the slow-down.
    failures: Mutex<(u32, Instant)>,
}

impl TokenAuth {
    /// Derives the comparison hash and the cookie key from `token`.
    pub fn new(token: &str) -> anyhow::Result<TokenAuth> {
        if token.chars().count() < MIN_TOKEN_CHARS {
            anyhow::bail!(
                "the auth token is too short: use at least {MIN_TOKEN_CHARS} random characters"
            );
        }
        let key = Sha256::new()
            .chain_update(b"dynamo-lake session key\0")
            .chain_update(token.as_bytes())
            .finalize()
            .to_vec();
        Ok(TokenAuth {
            token_hash: sha256(token.as_bytes()),
            key,
            failures: Mutex::new((0, Instant::now())),
        })
    }

    /// Whether `presented` is the token (constant time).
    pub fn token_matches(&self, presented: &str) -> bool {
        bool::from(sha256(presented.as_bytes()).ct_eq(&self.token_hash))
    }

    /// A session cookie value that expires at `expires` (Unix seconds): `<expires>.<hex HMAC>`.
    pub fn session(&self, expires: u64) -> String {
        format!("{expires}.{}", hex(&self.sign(expires)))
    }

    /// Whether a session cookie value is ours (signature checked in constant time) and not expired.
    pub fn session_valid(&self, value: &str, now: u64) -> bool {
        let Some((expires, signature)) = value.split_once('.') else {
            return false;
        };
        let Ok(expires) = expires.parse::<u64>() else {
            return false;
        };
        let Some(signature) = unhex(signature) else {
            return false;
        };
        let good = bool::from(signature.as_slice().ct_eq(&self.sign(expires)));
        good && expires > now
    }

    fn sign(&self, expires: u64) -> Vec<u8> {
        // A key of any length is valid for HMAC.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"dynamo-lake session v1\0");
        mac.update(expires.to_string().as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// Records a failed attempt and returns how long to wait before answering it: 250 ms doubling
    /// with each failure in the last minute, at most [`MAX_PENALTY`].
    fn penalty(&self) -> Duration {
        let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if f.1.elapsed() > Duration::from_secs(60) {
            f.0 = 0;
        }
        f.0 = f.0.saturating_add(1);
        f.1 = Instant::now();
        (Duration::from_millis(250) * 2u32.saturating_pow(f.0.min(8) - 1)).min(MAX_PENALTY)
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Paths anyone may fetch: the bundle and the favicon (no data), and the sign-in page itself.
fn is_public(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg" || path == SIGN_IN
}

/// Whether a path answers machines (JSON 401) rather than people (the sign-in page).
fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/_sfn/")
}

/// The middleware: lets a request through when the mode allows it, answers 401 otherwise.
pub async fn require(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let auth = match &state.auth {
        AuthMode::None => return next.run(request).await,
        _ if is_public(&path) => return next.run(request).await,
        // AWS verified the caller before invoking: the Function URL's request context names the
        // IAM principal. A request without one did not come through an AWS_IAM URL: refused.
        AuthMode::Iam if iam_caller(&request).is_some() => return next.run(request).await,
        AuthMode::Iam => {
            return unauthorized(
                &path,
                "this function takes only IAM-signed Function URL requests",
            );
        }
        AuthMode::Token(auth) => auth,
    };
    match presented(request.headers()) {
        Presented::Bearer(token) if auth.token_matches(&token) => next.run(request).await,
        Presented::Bearer(_) => {
            tokio::time::sleep(auth.penalty()).await;
            unauthorized(&path, "the bearer token is not valid")
        }
        Presented::Session(value) if auth.session_valid(&value, unix_now()) => {
            next.run(request).await
        }
        Presented::Session(_) => unauthorized(&path, "the session has expired or is not valid"),
        Presented::Nothing => unauthorized(&path, "sign in first"),
    }
}

/// The IAM principal AWS verified for a Function URL request (`requestContext.authorizer.iam.userArn`).
pub fn iam_caller(request: &Request) -> Option<String> {
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => {
            ctx.authorizer.as_ref()?.iam.as_ref()?.user_arn.clone()
        }
        _ => None,
    }
}

enum Presented {
    Bearer(String),
    Session(String),
    Nothing,
}

fn presented(headers: &HeaderMap) -> Presented {
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let token = auth
            .strip_prefix("Bearer ")
            .or_else(|| auth.strip_prefix("bearer "))
            .unwrap_or("");
        return Presented::Bearer(token.trim().to_string());
    }
    for cookies in headers.get_all(header::COOKIE) {
        let Ok(cookies) = cookies.to_str() else {
            continue;
        };
        for pair in cookies.split(';') {
            if let Some(value) = pair.trim().strip_prefix(&format!("{COOKIE}=")) {
                return Presented::Session(value.to_string());
            }
        }
    }
    Presented::Nothing
}

fn unauthorized(path: &str, why: &str) -> Response {
    if is_api(path) {
        let body = serde_json::json!({ "error": format!("not signed in: {why} (send Authorization: Bearer <token>)") });
        let mut response = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"dynamo-lake\""),
        );
        return response;
    }
    (StatusCode::UNAUTHORIZED, Html(sign_in_page(None))).into_response()
}

/// The sign-in form; `problem` is shown above it.
fn sign_in_page(problem: Option<&str>) -> String {
    let problem = problem
        .map(|p| format!("<p class=\"error\" role=\"alert\">{p}</p>"))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Sign in · dynamo-lake</title><link rel=\"stylesheet\" href=\"/pkg/dynamo_lake.css\"></head><body><main class=\"sign-in\"><h1>dynamo-lake</h1>{problem}<form method=\"post\" action=\"{SIGN_IN}\"><label>Access token <input type=\"password\" name=\"token\" autocomplete=\"current-password\" required autofocus></label><button type=\"submit\">Sign in</button></form></main></body></html>"
    )
}

/// `GET /auth/sign-in`: the form.
pub async fn sign_in_form() -> Html<String> {
    Html(sign_in_page(None))
}

/// `POST /auth/sign-in` (form field `token`): a session cookie and a redirect to the dashboard,
/// or the form again with 401 after a penalty.
pub async fn sign_in(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let AuthMode::Token(auth) = &state.auth else {
        return Redirect::to("/").into_response();
    };
    let token = form_field(&body, "token").unwrap_or_default();
    if !auth.token_matches(&token) {
        tokio::time::sleep(auth.penalty()).await;
        return (
            StatusCode::UNAUTHORIZED,
            Html(sign_in_page(Some("That token is not valid."))),
        )
            .into_response();
    }
    let expires = unix_now() + SESSION_TTL.as_secs();
    let cookie = format!(
        "{COOKIE}={}; Path=/; Max-Age={}; HttpOnly; Secure; SameSite=Strict",
        auth.session(expires),
        SESSION_TTL.as_secs()
    );
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// `POST /auth/sign-out`: clears the session cookie.
pub async fn sign_out() -> Response {
    let mut response = Redirect::to(SIGN_IN).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "dl_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
        ),
    );
    response
}

/// The value of `name` in an `application/x-www-form-urlencoded` body.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k)? == name)
            .then(|| percent_decode(v))
            .flatten()
    })
}

/// Decodes `application/x-www-form-urlencoded` text (`+` a space, `%xx` a byte, UTF-8), as
/// S3 event keys are encoded too; `None` for a malformed escape or bytes that are not UTF-8.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The Content-Security-Policy of every response: only this origin's scripts, styles, images and
/// connections, WebAssembly allowed, no framing, no plugins. (The Leptos shell's small inline
/// hydration and theme scripts still need `'unsafe-inline'` for scripts until they carry nonces.)
pub const CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Adds the security headers to every response: the CSP, `X-Content-Type-Options: nosniff`, no
/// referrer outside the origin. No CORS headers: other origins cannot read the answers.
pub async fn security_headers(request: Request<Body>, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> TokenAuth {
        TokenAuth::new("correct horse battery staple").expect("long enough")
    }

    #[test]
    fn sessions_are_signed_and_expire() {
        let a = auth();
        let now = unix_now();
        let good = a.session(now + 60);
        assert!(a.session_valid(&good, now));
        assert!(!a.session_valid(&good, now + 61), "expired");
        // Forged: another expiry with the old signature, another key, or garbage.
        let (_, sig) = good.split_once('.').expect("two parts");
        assert!(!a.session_valid(&format!("{}.{sig}", now + 999_999), now));
        let other = TokenAuth::new("another token of some length").expect("long enough");
        assert!(!a.session_valid(&other.session(now + 60), now));
        for junk in ["", ".", "x.y", "1.zz", &format!("{}.", now + 60)] {
            assert!(!a.session_valid(junk, now), "{junk:?}");
        }
    }

    #[test]
    fn tokens_compare_whole_and_short_ones_are_refused() {
        let a = auth();
        assert!(a.token_matches("correct horse battery staple"));
        assert!(!a.token_matches("correct horse battery stapl"));
        assert!(!a.token_matches(""));
        assert!(TokenAuth::new("short").is_err());
        assert!(AuthMode::from_settings("token", None).is_err());
        assert!(AuthMode::from_settings("open", None).is_err());
        assert_eq!(
            AuthMode::from_settings("IAM", None).expect("iam").name(),
            "iam"
        );
    }

    #[test]
    fn failures_slow_down() {
        let a = auth();
        let first = a.penalty();
        let second = a.penalty();
        assert!(second > first);
        for _ in 0..20 {
            assert!(a.penalty() <= MAX_PENALTY);
        }
    }

    #[test]
    fn form_fields_are_decoded() {
        assert_eq!(
            form_field(b"a=1&token=p%40ss+word%21", "token").as_deref(),
            Some("p@ss word!")
        );
        assert_eq!(form_field(b"token=%zz", "token"), None);
        assert_eq!(form_field(b"other=1", "token"), None);
    }
}
