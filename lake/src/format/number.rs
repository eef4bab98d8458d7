//! DynamoDB numbers as exact decimals: how new columns type them ([`NumberMode`]), their exact
//! digits ([`Decimal`]: BIGINT and DECIMAL(38, s) values without rounding), and whether a DOUBLE
//! holds one exactly.

use serde::{Deserialize, Serialize};

/// How DynamoDB numbers (N) are typed in a new column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NumberMode {
    /// Every number is a DOUBLE (seed 001); numbers a double cannot hold exactly are counted and
    /// named in the summary.
    #[default]
    Double,
    /// Integral attributes that fit become BIGINT, the rest DECIMAL(38, s) with the largest scale
    /// seen; an attribute whose values fit neither is stored as its exact text.
    Exact,
}

impl std::str::FromStr for NumberMode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "double" => Ok(NumberMode::Double),
            "exact" => Ok(NumberMode::Exact),
            other => Err(format!(
                "unknown number mode {other:?}: expected double or exact"
            )),
        }
    }
}

/// The precision of every DECIMAL column (DynamoDB numbers have at most 38 significant digits).
pub const DECIMAL_PRECISION: u8 = 38;

/// A DynamoDB number as exact decimal digits: `value = ±digits × 10^exp`, `digits` without
/// leading or trailing zeros (empty for zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal {
    /// Whether the number is negative.
    pub negative: bool,
    /// Significant digits.
    pub digits: String,
    /// Power of ten of the last digit.
    pub exp: i64,
}

impl Decimal {
    /// Parses DynamoDB's number text (`-12.50`, `1E+5`, `.5`); `None` for anything else.
    pub fn parse(text: &str) -> Option<Decimal> {
        let t = text.trim();
        let (negative, t) = match t.as_bytes().first()? {
            b'-' => (true, &t[1..]),
            b'+' => (false, &t[1..]),
            _ => (false, t),
        };
        let (mantissa, exp) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], t[i + 1..].parse::<i64>().ok()?),
            None => (t, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
            || !(-1_000_000..=1_000_000).contains(&exp)
        {
            return None;
        }
        let all = format!("{int}{frac}");
        let mut exp = exp - frac.len() as i64;
        let trimmed = all.trim_start_matches('0');
        let digits = trimmed.trim_end_matches('0');
        exp += (trimmed.len() - digits.len()) as i64;
        if digits.is_empty() {
            exp = 0;
        }
        Some(Decimal {
            negative: negative && !digits.is_empty(),
            digits: digits.to_string(),
            exp,
        })
    }

    /// Digits after the decimal point.
    pub fn scale(&self) -> u32 {
        (-self.exp).max(0).min(u32::MAX as i64) as u32
    }

    /// Digits before the decimal point.
    pub fn int_digits(&self) -> u32 {
        (self.digits.len() as i64 + self.exp)
            .max(0)
            .min(u32::MAX as i64) as u32
    }

    /// The value as an i64, when it is an integer within range.
    pub fn to_i64(&self) -> Option<i64> {
        let v = self.scaled(0)?;
        i64::try_from(v).ok()
    }

    /// The value × 10^scale as an i128 within DECIMAL(38)'s digits; `None` when it has more
    /// decimals than `scale` or more digits than 38.
    pub fn scaled(&self, scale: u8) -> Option<i128> {
        if self.digits.is_empty() {
            return Some(0);
        }
        let shift = self.exp + i64::from(scale);
        if shift < 0 || self.digits.len() as i64 + shift > i64::from(DECIMAL_PRECISION) {
            return None;
        }
        let mut v: i128 = self.digits.parse().ok()?;
        for _ in 0..shift {
            v = v.checked_mul(10)?;
        }
        Some(if self.negative { -v } else { v })
    }

    /// Whether `text` round-trips through a double: parsing it and printing the double back (its
    /// shortest form) gives the same decimal value (`0.1` does; `12345678901234567890` and
    /// `0.1000000000000000055511151231257827` do not). This is what "a double holds it exactly"
    /// means for a reader: the number it gets back is the number that was written.
    pub fn double_is_exact(text: &str) -> bool {
        Decimal::parse(text).is_some_and(|d| d.round_trips(text))
    }

    /// [`Decimal::double_is_exact`] for an already parsed `text`. Numbers of at most 15
    /// significant digits in a double's normal range always round-trip (a double carries 15
    /// decimal digits), so only longer ones are printed back and compared.
    pub fn round_trips(&self, text: &str) -> bool {
        const DOUBLE_DIGITS: usize = 15;
        if self.digits.len() <= DOUBLE_DIGITS
            && (-300..=(300 - DOUBLE_DIGITS as i64)).contains(&self.exp)
        {
            return true;
        }
        let Ok(x) = text.trim().parse::<f64>() else {
            return false;
        };
        x.is_finite() && Decimal::parse(&format!("{x:e}")).is_some_and(|got| got == *self)
    }
}
