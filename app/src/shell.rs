//! The HTML document around the app (server side).

use leptos::prelude::*;

use crate::dashboard::App;
use crate::theme;

/// The page shell: the theme boot script runs first, then styles, then the app and hydration.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme="light">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <title>"dynamo-lake dashboard"</title>
                <script inner_html=theme::boot_script()></script>
                <link rel="stylesheet" href="/pkg/dynamo_lake.css"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}
