//! `dynamo-lake serve`: the dashboard and the REST API over a lake, on a local address.

use clap::Args;

use crate::http::auth::AuthMode;

use super::args::{AuthArgs, ListenArgs, QueryArgs};

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The lake and the engine.
    #[command(flatten)]
    pub query: QueryArgs,
    /// Listening options.
    #[command(flatten)]
    pub listen: ListenArgs,
    /// Who may use it.
    #[command(flatten)]
    pub auth: AuthArgs,
}

/// Runs `serve`: checks the auth settings and binds first (a busy port is reported before any
/// work), then opens the lake. A non-loopback address needs a token (or --allow-remote).
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let auth = args.auth.mode().await?;
    if let AuthMode::Iam = auth {
        anyhow::bail!(
            "--auth iam is checked by AWS in front of a Lambda Function URL; for `serve` use --auth token"
        );
    }
    let protected = matches!(auth, AuthMode::Token(_));
    let listener =
        crate::http::listen::bind(args.listen.addr, args.listen.allow_remote || protected).await?;
    let mut state = crate::wiring::open_state(&args.query.config()?).await?;
    state.auth = auth;
    if protected {
        eprintln!(
            "sign in at http://{}{} with the token (API clients: Authorization: Bearer <token>)",
            listener.local_addr()?,
            crate::http::auth::SIGN_IN
        );
    }
    crate::http::listen::serve(state, listener).await
}
