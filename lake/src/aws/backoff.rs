//! The one backoff of the crate: exponential with full jitter (AWS's recommendation), for
//! DynamoDB's `UnprocessedItems` and for polling Athena, so many clients never retry in step.

use std::time::Duration;

/// A pseudo-random number in `0..=max` from the clock's nanoseconds (no RNG dependency; spread,
/// not secrecy, is what retries need).
fn spread(max: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    (u64::from(nanos).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) % (max + 1)
}

/// Exponential backoff with full jitter: a random wait up to 50 ms × 2^attempt, at most 5 s.
pub fn full_jitter(attempt: u32) -> Duration {
    let cap = (50u64 << attempt.min(7)).min(5_000);
    Duration::from_millis(spread(cap))
}

/// `delay` ± up to 10 %, so many waiting pollers do not poll in step.
pub fn jittered(delay: Duration) -> Duration {
    // spread in 0..=200 → factor 0.9..=1.1
    delay.mul_f64(0.9 + spread(200) as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_jitter_stays_under_its_cap() {
        for attempt in 0..20 {
            let cap = (50u64 << attempt.min(7)).min(5_000);
            assert!(full_jitter(attempt) <= Duration::from_millis(cap));
        }
    }

    #[test]
    fn jitter_is_within_ten_percent() {
        let d = Duration::from_secs(1);
        for _ in 0..50 {
            let j = jittered(d);
            assert!(
                j >= Duration::from_millis(900) && j <= Duration::from_millis(1100),
                "{j:?}"
            );
        }
    }
}
