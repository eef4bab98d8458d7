//! `dynamo-lake open`: the dashboard of a stack deployed with `DashboardAuth=IAM` (its Function
//! URL uses `AWS_IAM`), in the browser. A proxy on 127.0.0.1 signs each browser request (SigV4,
//! body hash included) with the caller's own AWS credentials (aws-config's chain: SSO, profiles,
//! environment, credential_process) and forwards it to the Function URL; responses stream back
//! unchanged. It creates no AWS resource. This module owns the flags, the signing and the
//! forwarding.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{Context, bail};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningError,
    SigningSettings, UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clap::Args;
use http_body_util::BodyExt;
use lake::aws::{LOCAL_KEY, is_loopback_url};

/// The largest request body forwarded (a Lambda Function URL's request payload limit, 6 MB).
pub const MAX_BODY: usize = 6 * 1024 * 1024;

/// How much of a too-large body is read and dropped before the 413 (beyond it the connection
/// is closed).
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// The long help of `open`.
pub const LONG_ABOUT: &str = "\
Open the dashboard of a stack deployed with DashboardAuth=IAM in the browser.

Its Function URL uses AWS_IAM auth: AWS refuses every request that is not signed by a principal \
allowed to invoke the function. `open` runs a proxy on 127.0.0.1 that signs each request of your \
browser (SigV4, body hash included) with your own AWS credentials and forwards it to the Function \
URL; the answers stream back unchanged. Credentials come from the usual chain (environment, \
--profile or AWS_PROFILE, SSO after `aws sso login`, credential_process, roles) and are asked \
for again before they expire. Nothing is created in AWS, and only this machine can reach the \
proxy.

Example: dynamo-lake open --url https://abc123.lambda-url.eu-west-1.on.aws/ --profile admin
then open the printed http://127.0.0.1:3000/ in a browser; Ctrl-C stops.";

/// Arguments of `open`.
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// What to proxy to.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Port of the proxy, on 127.0.0.1 only.
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
    /// Region to sign for (default: from a Function URL's host
    /// <id>.lambda-url.<region>.on.aws, else AWS_REGION or the profile's region).
    #[arg(long)]
    pub region: Option<String>,
    /// AWS profile whose credentials sign the requests (default: AWS_PROFILE, else the default
    /// chain).
    #[arg(long)]
    pub profile: Option<String>,
    /// The signing name of the service behind the URL (tests point the proxy at a local S3).
    #[arg(long, hide = true, default_value = "lambda")]
    pub service: String,
}

/// Where the dashboard is: exactly one of the group's flags.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct TargetArgs {
    /// The dashboard's Function URL, e.g. https://abc123.lambda-url.eu-west-1.on.aws/.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The stack `dynamo-lake deploy` made: its `ReportDashboardURL` output.
    #[arg(long, value_name = "NAME")]
    pub stack: Option<String>,
}

impl OpenArgs {
    /// The Function URL to proxy to: `--url`, or the `ReportDashboardURL` output of `--stack`.
    pub async fn target_url(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.target.url {
            return Ok(url.clone());
        }
        let Some(name) = &self.target.stack else {
            bail!("say where the dashboard is: --stack NAME or --url URL");
        };
        let cloud = crate::deploy::Cloud::connect(self.region.as_deref()).await?;
        let found = crate::deploy::stack::describe(&cloud, name)
            .await?
            .with_context(|| format!("there is no stack {name}"))?;
        found
            .outputs
            .iter()
            .find(|(k, _)| k == "ReportDashboardURL")
            .map(|(_, v)| v.clone())
            .with_context(|| {
                format!(
                    "stack {name} has no ReportDashboardURL output (is it {}?)",
                    found.status
                )
            })
    }
}

/// Runs `open`: resolves the target, region and credentials (failing before it listens), binds
/// 127.0.0.1:PORT, prints the local URL and proxies until Ctrl-C.
pub async fn run(args: OpenArgs) -> anyhow::Result<()> {
    let target = Target::parse(&args.target_url().await?)?;
    let known_region = args
        .region
        .clone()
        .or_else(|| function_url_region(&target.host).map(str::to_string));
    let sdk = load_sdk(args.profile.as_deref(), known_region.as_deref()).await;
    let region = known_region
        .or_else(|| sdk.region().map(|r| r.to_string()))
        .or_else(|| target.loopback.then(|| "us-east-1".to_string()))
        .context(
            "no AWS region to sign for: pass --region, set AWS_REGION or give the profile a region",
        )?;
    let credentials = SigningCredentials::load(&sdk, target.loopback).await?;
    let listener = bind(args.port).await?;
    let addr = listener.local_addr()?;
    let client = reqwest_client(target.loopback)?;
    let proxy = Arc::new(Proxy {
        signer: Signer {
            credentials,
            region,
            service: args.service,
        },
        target,
        client,
    });
    println!(
        "Dashboard: http://{addr}/ (requests signed for {} in {})",
        proxy.signer.service, proxy.signer.region
    );
    eprintln!(
        "forwarding to {} with your AWS credentials (Ctrl-C stops)",
        proxy.target.origin
    );
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the proxy stopped with an error")
}

/// The region of a Lambda Function URL's host `<id>.lambda-url.<region>.on.aws`, if it is one.
pub fn function_url_region(host: &str) -> Option<&str> {
    let rest = host.trim_end_matches('.').strip_suffix(".on.aws")?;
    let (id, region) = rest.rsplit_once('.')?;
    let id = id.strip_suffix(".lambda-url")?;
    let valid = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    (valid(id) && valid(region)).then_some(region)
}

/// Loads aws-config's chain once (`profile` overrides AWS_PROFILE; a known region skips the
/// region chain).
async fn load_sdk(profile: Option<&str>, region: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_string()));
    }
    loader.load().await
}

/// Binds 127.0.0.1:`port`, explaining the usual failures.
async fn bind(port: u16) -> anyhow::Result<tokio::net::TcpListener> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => anyhow::anyhow!(
                "port {port} on 127.0.0.1 is already in use: stop the program using it or choose another with --port"
            ),
            std::io::ErrorKind::PermissionDenied => anyhow::anyhow!(
                "not allowed to listen on port {port}: choose a port above 1023 with --port"
            ),
            _ => anyhow::anyhow!("cannot listen on {addr}: {e}"),
        })
}

/// The HTTP client to the target: no redirects followed (the browser follows them, e.g. to a
/// presigned S3 URL), no decompression (encodings pass through), no proxy for a loopback target.
fn reqwest_client(loopback: bool) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10));
    if loopback {
        builder = builder.no_proxy();
    }
    builder.build().context("cannot create the HTTP client")
}

/// The URL requests go to.
#[derive(Debug, Clone)]
struct Target {
    /// `scheme://host[:port]`, as the browser's `Location` headers may name it.
    origin: String,
    /// The URL's path without its trailing `/` (usually empty), put before each request's path.
    prefix: String,
    /// The host, without port.
    host: String,
    /// The `Host` header sent (and signed): the host, with the port unless it is the default.
    authority: String,
    /// Whether the target is on this machine (a stand-in).
    loopback: bool,
}

impl Target {
    /// Checks `url`: http(s), a host, no query; plain http only to this machine.
    fn parse(url: &str) -> anyhow::Result<Target> {
        let parsed = reqwest::Url::parse(url)
            .with_context(|| format!("--url {url:?} is not a URL (expected https://…)"))?;
        let loopback = is_loopback_url(url);
        match parsed.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => bail!(
                "--url {url:?}: signed requests go over https only (a Function URL is https://…)"
            ),
            other => bail!("--url {url:?}: expected an https:// URL, not {other}://"),
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            bail!("--url {url:?}: give the Function URL without a query or fragment");
        }
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .with_context(|| format!("--url {url:?} has no host"))?
            .to_string();
        let authority = match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.clone(),
        };
        Ok(Target {
            origin: format!("{}://{authority}", parsed.scheme()),
            prefix: parsed.path().trim_end_matches('/').to_string(),
            host,
            authority,
            loopback,
        })
    }
}

/// Signing credentials: aws-config's provider, asked again shortly before they expire (SSO and
/// role credentials rotate), at most every [`SigningCredentials::REUSE`].
struct SigningCredentials {
    provider: SharedCredentialsProvider,
    current: tokio::sync::Mutex<(Credentials, SystemTime)>,
}

impl SigningCredentials {
    /// How long credentials without an expiry are used before the provider is asked again.
    const REUSE: Duration = Duration::from_secs(15 * 60);
    /// How long before their expiry credentials are replaced.
    const MARGIN: Duration = Duration::from_secs(60);

    /// Asks the chain once, so a missing sign-in is reported before the proxy listens. A loopback
    /// target with no credentials configured gets the fixed fake ones of local stand-ins.
    async fn load(sdk: &SdkConfig, loopback: bool) -> anyhow::Result<SigningCredentials> {
        let found = match sdk.credentials_provider() {
            Some(provider) => match provider.provide_credentials().await {
                Ok(credentials) => Ok((provider, credentials)),
                Err(e) => Err(anyhow::Error::new(e)),
            },
            None => Err(anyhow::anyhow!("no credentials provider is configured")),
        };
        let (provider, credentials) = match found {
            Ok(found) => found,
            Err(e) if loopback => {
                tracing::info!(
                    "no AWS credentials ({e:#}); signing for the local target with the fake local key"
                );
                let local = Credentials::new(LOCAL_KEY, LOCAL_KEY, None, None, "local");
                (SharedCredentialsProvider::new(local.clone()), local)
            }
            Err(e) => {
                return Err(e.context(
                    "no AWS credentials to sign with: sign in first (e.g. `aws sso login --profile NAME`, \
                     then --profile NAME), or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
                ));
            }
        };
        let renew_at = renew_at(&credentials, SystemTime::now());
        Ok(SigningCredentials {
            provider,
            current: tokio::sync::Mutex::new((credentials, renew_at)),
        })
    }

    /// Credentials valid now (one caller refreshes; the others wait for it).
    async fn get(&self) -> Result<Credentials, CredentialsError> {
        let mut current = self.current.lock().await;
        if SystemTime::now() >= current.1 {
            let fresh = self.provider.provide_credentials().await?;
            let renew = renew_at(&fresh, SystemTime::now());
            *current = (fresh, renew);
        }
        Ok(current.0.clone())
    }
}

/// When to ask for new credentials: [`SigningCredentials::MARGIN`] before they expire, at the latest
/// after [`SigningCredentials::REUSE`].
fn renew_at(credentials: &Credentials, now: SystemTime) -> SystemTime {
    let latest = now + SigningCredentials::REUSE;
    match credentials
        .expiry()
        .and_then(|e| e.checked_sub(SigningCredentials::MARGIN))
    {
        Some(before_expiry) => before_expiry.min(latest),
        None => latest,
    }
}

/// Signs requests for one service in one region.
struct Signer {
    credentials: SigningCredentials,
    region: String,
    service: String,
}

impl Signer {
    /// Adds the SigV4 headers (`authorization`, `x-amz-date`, `x-amz-content-sha256`, and
    /// `x-amz-security-token` for temporary credentials) for a request with exactly these
    /// `headers` (host included) and `body`.
    async fn sign(
        &self,
        method: &str,
        url: &str,
        headers: &mut HeaderMap,
        body: &[u8],
    ) -> Result<(), ProxyError> {
        let credentials = self
            .credentials
            .get()
            .await
            .map_err(ProxyError::Credentials)?;
        let identity = credentials.into();
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        if self.service == "s3" {
            // S3 signs the path as sent (single encoding, no normalisation).
            settings.percent_encoding_mode = PercentEncodingMode::Single;
            settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(&self.service)
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| ProxyError::Sign(e.to_string()))?
            .into();
        let pairs: Vec<(&str, &str)> = headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
            .collect();
        let signable =
            SignableRequest::new(method, url, pairs.into_iter(), SignableBody::Bytes(body))
                .map_err(sign_error)?;
        let (instructions, _signature) = sign(signable, &params).map_err(sign_error)?.into_parts();
        let (added, _query) = instructions.into_parts();
        for h in added {
            let mut value =
                HeaderValue::from_str(h.value()).map_err(|e| ProxyError::Sign(e.to_string()))?;
            value.set_sensitive(h.sensitive());
            headers.insert(h.name(), value);
        }
        Ok(())
    }
}

fn sign_error(e: SigningError) -> ProxyError {
    ProxyError::Sign(e.to_string())
}

/// The proxy's state.
struct Proxy {
    signer: Signer,
    target: Target,
    client: reqwest::Client,
}

/// Why a request was not forwarded; the client gets a short JSON error, the log the details (never
/// credentials or bodies).
#[derive(Debug, thiserror::Error)]
enum ProxyError {
    /// The body is over [`MAX_BODY`].
    #[error("the request body is larger than {MAX_BODY} bytes")]
    TooLarge,
    /// The browser's request could not be read or forwarded as it is.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The credentials provider failed (an expired SSO session, say).
    #[error("no AWS credentials to sign with (is the SSO session expired? `aws sso login`)")]
    Credentials(#[source] CredentialsError),
    /// Signing failed.
    #[error("the request could not be signed: {0}")]
    Sign(String),
    /// The target did not answer.
    #[error("the dashboard could not be reached")]
    Upstream(#[source] reqwest::Error),
}

impl IntoResponse for ProxyError {
    fn into_response(self) -> Response {
        let status = match &self {
            ProxyError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ProxyError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ProxyError::Credentials(_) | ProxyError::Sign(_) | ProxyError::Upstream(_) => {
                StatusCode::BAD_GATEWAY
            }
        };
        let source = std::error::Error::source(&self)
            .map(|s| format!(": {s}"))
            .unwrap_or_default();
        tracing::warn!("not forwarded: {self}{source}");
        let body = serde_json::json!({ "error": self.to_string() }).to_string();
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    }
}

/// The one handler: any method and path.
async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    match proxy.forward(request).await {
        Ok(response) => {
            tracing::debug!("{method} {path} → {}", response.status());
            response
        }
        Err(e) => e.into_response(),
    }
}

impl Proxy {
    /// Reads the body (refusing one over [`MAX_BODY`] with 413), signs and sends the request, and streams
    /// the answer back.
    async fn forward(&self, request: Request) -> Result<Response, ProxyError> {
        let (parts, body) = request.into_parts();
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        let body = read_body(body, declared).await?;
        let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let url = reqwest::Url::parse(&format!(
            "{}{}{path_and_query}",
            self.target.origin, self.target.prefix
        ))
        .map_err(|e| ProxyError::BadRequest(format!("the path cannot be forwarded: {e}")))?;
        let mut headers = request_headers(&parts.headers, &self.target.authority)?;
        self.signer
            .sign(parts.method.as_str(), url.as_str(), &mut headers, &body)
            .await?;
        let answer = self
            .client
            .request(parts.method, url)
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(ProxyError::Upstream)?;
        let mut response = Response::new(Body::empty());
        *response.status_mut() = answer.status();
        *response.headers_mut() = response_headers(answer.headers(), &self.target.origin);
        *response.body_mut() = Body::from_stream(answer.bytes_stream());
        Ok(response)
    }
}

/// The whole body, at most [`MAX_BODY`] bytes. A larger one is still read (and dropped) up to
/// [`DRAIN_LIMIT`], so the browser gets the 413 instead of a broken connection.
async fn read_body(mut body: Body, declared: Option<u64>) -> Result<Bytes, ProxyError> {
    if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return Err(ProxyError::TooLarge);
    }
    let capacity = declared.map_or(0, |n| n.min(MAX_BODY as u64) as usize);
    let mut kept = Vec::with_capacity(capacity);
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            ProxyError::BadRequest(format!("the request body could not be read: {e}"))
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen += data.len();
        if seen <= MAX_BODY {
            kept.extend_from_slice(&data);
        } else if seen > DRAIN_LIMIT {
            break;
        }
    }
    if seen > MAX_BODY {
        return Err(ProxyError::TooLarge);
    }
    Ok(Bytes::from(kept))
}

/// Headers that belong to one connection, never forwarded either way.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authenticate",
    "proxy-authorization",
];

/// Whether `name` is hop-by-hop (or named in the message's `Connection` header).
fn is_hop_by_hop(name: &HeaderName, headers: &HeaderMap) -> bool {
    let name = name.as_str();
    HOP_BY_HOP.contains(&name)
        || name.starts_with("proxy-")
        || headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|listed| listed.trim().eq_ignore_ascii_case(name))
}

/// The browser's headers as sent (and signed): hop-by-hop ones, its own `host`, `content-length`
/// (the client sets it) and any signature headers dropped; `host` set to the target's.
fn request_headers(incoming: &HeaderMap, authority: &str) -> Result<HeaderMap, ProxyError> {
    const REPLACED: [&str; 6] = [
        "host",
        "content-length",
        "authorization",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
    ];
    let mut out = HeaderMap::with_capacity(incoming.len() + 5);
    for (name, value) in incoming {
        if is_hop_by_hop(name, incoming)
            || REPLACED.contains(&name.as_str())
            || name == header::EXPECT
            // A value that is not visible ASCII cannot be signed; dropping it keeps sent == signed.
            || value.to_str().is_err()
        {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    let host = HeaderValue::from_str(authority)
        .map_err(|_| ProxyError::BadRequest(format!("bad host {authority:?}")))?;
    out.insert(header::HOST, host);
    Ok(out)
}

/// The target's headers as the browser gets them: hop-by-hop ones dropped; a `Location` back to
/// the target itself made relative (so the browser stays on the proxy). Every other header,
/// `set-cookie` and a `Location` elsewhere (a presigned S3 URL) included, passes unchanged.
fn response_headers(upstream: &HeaderMap, origin: &str) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(upstream.len());
    for (name, value) in upstream {
        if is_hop_by_hop(name, upstream) {
            continue;
        }
        let value = match value.to_str() {
            Ok(location) if name == header::LOCATION => location
                .strip_prefix(origin)
                .filter(|rest| rest.is_empty() || rest.starts_with('/'))
                .map(|rest| if rest.is_empty() { "/" } else { rest })
                .and_then(|rest| HeaderValue::from_str(rest).ok())
                .unwrap_or_else(|| value.clone()),
            _ => value.clone(),
        };
        out.append(name.clone(), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_region_comes_from_a_function_url_host() {
        assert_eq!(
            function_url_region("abcdefghij1234567890klmnopqrstuv.lambda-url.eu-west-1.on.aws"),
            Some("eu-west-1")
        );
        assert_eq!(
            function_url_region("x1.lambda-url.us-gov-west-1.on.aws."),
            Some("us-gov-west-1")
        );
        assert_eq!(function_url_region("127.0.0.1"), None);
        assert_eq!(function_url_region("lambda-url.eu-west-1.on.aws"), None);
        assert_eq!(function_url_region(".lambda-url.eu-west-1.on.aws"), None);
        assert_eq!(function_url_region("abc.lambda-url..on.aws"), None);
        assert_eq!(function_url_region("s3.eu-west-1.amazonaws.com"), None);
        assert_eq!(
            function_url_region("a.b.lambda-url.eu-west-1.on.aws"),
            None,
            "an id has no dots"
        );
    }

    #[test]
    fn a_target_is_https_or_on_this_machine() {
        let t = Target::parse("https://abc.lambda-url.eu-west-1.on.aws/").expect("function url");
        assert_eq!(t.origin, "https://abc.lambda-url.eu-west-1.on.aws");
        assert_eq!(t.authority, "abc.lambda-url.eu-west-1.on.aws");
        assert_eq!(t.prefix, "");
        assert!(!t.loopback);
        let t = Target::parse("http://127.0.0.1:9000/base/").expect("local");
        assert_eq!(
            (t.authority.as_str(), t.prefix.as_str()),
            ("127.0.0.1:9000", "/base")
        );
        assert!(t.loopback);
        let err = Target::parse("http://example.com/").expect_err("plain http");
        assert!(err.to_string().contains("https only"), "{err}");
        assert!(Target::parse("https://abc.on.aws/?x=1").is_err());
        assert!(Target::parse("abc.lambda-url.eu-west-1.on.aws").is_err());
    }

    #[test]
    fn hop_by_hop_and_signature_headers_are_not_forwarded() {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("host", "127.0.0.1:3000"),
            ("connection", "keep-alive, x-private"),
            ("x-private", "1"),
            ("keep-alive", "timeout=5"),
            ("te", "trailers"),
            ("proxy-connection", "keep-alive"),
            ("authorization", "Bearer x"),
            ("content-length", "3"),
            ("accept-encoding", "gzip, br"),
            ("cookie", "a=b"),
        ] {
            h.append(k, HeaderValue::from_static(v));
        }
        let out = request_headers(&h, "abc.on.aws").expect("headers");
        let mut names: Vec<&str> = out.keys().map(|k| k.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["accept-encoding", "cookie", "host"]);
        assert_eq!(out[header::HOST], "abc.on.aws");
    }

    #[test]
    fn a_redirect_elsewhere_passes_and_one_to_the_target_stays_local() {
        let origin = "https://abc.lambda-url.eu-west-1.on.aws";
        let presigned = "https://bucket.s3.eu-west-1.amazonaws.com/r.csv?X-Amz-Signature=abc";
        let mut h = HeaderMap::new();
        h.insert(header::LOCATION, HeaderValue::from_static(presigned));
        h.append(
            header::SET_COOKIE,
            HeaderValue::from_static("s=1; HttpOnly"),
        );
        h.insert(
            header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        );
        let out = response_headers(&h, origin);
        assert_eq!(out[header::LOCATION], presigned);
        assert_eq!(out[header::SET_COOKIE], "s=1; HttpOnly");
        assert!(!out.contains_key(header::TRANSFER_ENCODING));
        h.insert(
            header::LOCATION,
            HeaderValue::from_str(&format!("{origin}/reports?day=1")).expect("value"),
        );
        assert_eq!(
            response_headers(&h, origin)[header::LOCATION],
            "/reports?day=1"
        );
    }

    #[test]
    fn credentials_are_renewed_before_they_expire() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let lasting = Credentials::new("a", "b", None, None, "t");
        assert_eq!(renew_at(&lasting, now), now + SigningCredentials::REUSE);
        let expiring = Credentials::new(
            "a",
            "b",
            Some("t".into()),
            Some(now + Duration::from_secs(300)),
            "t",
        );
        assert_eq!(renew_at(&expiring, now), now + Duration::from_secs(240));
    }
}
