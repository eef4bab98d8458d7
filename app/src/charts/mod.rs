//! Charts drawn with plotters into SVG strings: the daily bars, the channel doughnut, the
//! initiation pie and the agent top-N bars.
//!
//! Colours are drawn as sentinel values and then rewritten to CSS variables, so a theme change
//! recolours a chart without drawing it again. Every bar and slice is drawn in a colour of its own
//! (an index encoded in the RGB value); the rewrite turns it into the element the page needs: a CSS
//! class, `data-*` attributes for scripts and tests, and a `<title>` child (the hover tooltip).
//!
//! Nothing here measures text with plotters (its browser build would ask the DOM): text widths are
//! estimated from the characters, so the server and the browser draw the same SVG.
//!
//! The parts, each depending only on those before it: `svg` (the sentinel colours and the rewrite),
//! `text` (number formats, text widths, the shared sizes and title), then one module per kind of
//! chart: `daily`, `bars` (top N) and `round` (pie and doughnut).

mod bars;
mod daily;
mod round;
mod svg;
mod text;

pub use bars::{OTHERS, top_bars, top_n_with_others};
pub use daily::daily_bars;
pub use round::{doughnut, pie};

// The tests reach the parts' internals through `use super::*`.
#[cfg(test)]
use {
    bars::total,
    daily::{MAX_X_LABELS, x_label_indices},
    model::{DayCount, Slice},
    round::ROUND_MAX_SLICES,
    svg::{Ink, Mark, Marks, chart_var, decode},
    text::{LABEL_PX, compact, fit, group, percent, text_px},
};

#[cfg(test)]
mod tests;
