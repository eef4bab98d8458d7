//! Deterministic sample data: contact-center records shaped like seed 001's (Amazon Connect style),
//! with sparse attributes, sets, maps, NULLs and agent names that break naive quoting.

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::format::item::{AttrValue, Item};

/// The GSI partition-key attribute of the sample table and its one value.
pub const GSI_PK_ATTR: &str = "RecordType";
/// The value every sample item carries in [`GSI_PK_ATTR`].
pub const GSI_PK_VALUE: &str = "CTR";
/// The sort-key attribute (ISO UTC timestamp).
pub const SORT_KEY_ATTR: &str = "InitiationTimestamp";

/// Channels, with weights.
pub const CHANNELS: [(&str, u32); 4] = [("VOICE", 50), ("CHAT", 25), ("TASK", 10), ("EMAIL", 15)];
/// Initiation methods, with weights.
pub const INITIATION_METHODS: [(&str, u32); 5] = [
    ("INBOUND", 55),
    ("OUTBOUND", 15),
    ("TRANSFER", 12),
    ("CALLBACK", 10),
    ("API", 8),
];
/// Agent names: quotes, commas, SQL comment markers and non-ASCII on purpose.
pub const AGENTS: [&str; 12] = [
    "alice.nguyen",
    "bob.smith",
    "O'Brien, Seán",
    "Zoë \"Z\" Müller",
    "李雷",
    "Ana-María López",
    "dmitri.ivanov",
    "x'; DROP TABLE gsi_export; --",
    "Jürgen Groß",
    "fatima.al-sayed",
    "chloé.dubois",
    "kenji.tanaka",
];
const QUEUES: [&str; 5] = ["Support", "Sales", "Billing", "Tech – L2", "Retentions"];
const SENTIMENTS: [&str; 3] = ["POSITIVE", "NEUTRAL", "NEGATIVE"];
const TAGS: [&str; 5] = ["vip", "escalated", "repeat", "survey", "après-vente"];

/// What to generate.
#[derive(Debug, Clone)]
pub struct SampleSpec {
    /// Generator seed: the same seed and spec give the same items.
    pub seed: u64,
    /// Number of items.
    pub items: usize,
    /// Number of days the timestamps spread over, ending with `end` (inclusive).
    pub days: u32,
    /// The last day.
    pub end: NaiveDate,
}

/// SplitMix64: tiny, fast and stable across releases (unlike a library RNG's stream).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn weighted<'a>(&mut self, options: &[(&'a str, u32)]) -> &'a str {
        let total: u32 = options.iter().map(|(_, w)| w).sum();
        let mut pick = self.below(u64::from(total)) as u32;
        for (name, w) in options {
            if pick < *w {
                return name;
            }
            pick -= w;
        }
        options[0].0
    }
    fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
        options[self.below(options.len() as u64) as usize]
    }
}

/// Generates the items of `spec`, deterministically.
pub fn generate(spec: &SampleSpec) -> Vec<Item> {
    let mut rng = Rng(spec.seed);
    let first_day = spec.end - Duration::days(i64::from(spec.days.max(1)) - 1);
    let start = Utc.from_utc_datetime(&first_day.and_time(NaiveTime::MIN));
    let span_secs = i64::from(spec.days.max(1)) * 86_400;
    let mut contact_ids: Vec<String> = Vec::new();
    (0..spec.items)
        .map(|_| {
            let s = |v: &str| AttrValue::S(v.to_string());
            let mut item = Item::new();
            // About one record in twelve is a further segment of an earlier contact.
            let contact_id = if !contact_ids.is_empty() && rng.chance(8) {
                contact_ids[rng.below(contact_ids.len() as u64) as usize].clone()
            } else {
                let id = uuid_like(&mut rng);
                contact_ids.push(id.clone());
                id
            };
            item.insert("ContactId".into(), s(&contact_id));
            item.insert(GSI_PK_ATTR.into(), s(GSI_PK_VALUE));
            let at = start + Duration::seconds(rng.below(span_secs as u64) as i64);
            item.insert(
                SORT_KEY_ATTR.into(),
                s(&at.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            );
            item.insert("Channel".into(), s(rng.weighted(&CHANNELS)));
            item.insert(
                "InitiationMethod".into(),
                s(rng.weighted(&INITIATION_METHODS)),
            );
            item.insert("Queue".into(), s(rng.pick(&QUEUES)));
            // Abandoned contacts have no agent.
            if !rng.chance(4) {
                item.insert("Agent".into(), s(rng.pick(&AGENTS)));
            }
            item.insert(
                "DurationSeconds".into(),
                AttrValue::N(rng.below(3_600).to_string()),
            );
            if rng.chance(60) {
                item.insert("CustomerSentiment".into(), s(rng.pick(&SENTIMENTS)));
            }
            if rng.chance(30) {
                let mut tags: Vec<String> = (0..1 + rng.below(3))
                    .map(|_| rng.pick(&TAGS).to_string())
                    .collect();
                tags.sort();
                tags.dedup();
                item.insert("Tags".into(), AttrValue::SS(tags));
            }
            if rng.chance(20) {
                let mut m = Item::new();
                m.insert("language".into(), s(rng.pick(&["en-US", "de-DE", "fr-FR"])));
                m.insert(
                    "holdSeconds".into(),
                    AttrValue::N(rng.below(300).to_string()),
                );
                item.insert("Attributes".into(), AttrValue::M(m));
            }
            if rng.chance(70) {
                item.insert("Recorded".into(), AttrValue::Bool(rng.chance(50)));
            }
            if rng.chance(5) {
                item.insert("Notes".into(), AttrValue::Null(true));
            } else if rng.chance(5) {
                item.insert(
                    "Notes".into(),
                    s("customer said \"call back, after 5pm\"\nline two"),
                );
            }
            item
        })
        .collect()
}

fn uuid_like(rng: &mut Rng) -> String {
    let a = rng.next();
    let b = rng.next();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48 & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(seed: u64) -> SampleSpec {
        SampleSpec {
            seed,
            items: 500,
            days: 10,
            end: NaiveDate::from_ymd_opt(2026, 3, 1).expect("valid"),
        }
    }

    #[test]
    fn same_seed_same_items_other_seed_other_items() {
        assert_eq!(generate(&spec(1)), generate(&spec(1)));
        assert_ne!(generate(&spec(1)), generate(&spec(2)));
    }

    #[test]
    fn timestamps_stay_in_the_requested_days() {
        for item in generate(&spec(3)) {
            let Some(AttrValue::S(ts)) = item.get(SORT_KEY_ATTR) else {
                panic!("no timestamp")
            };
            assert!(
                ts.as_str() >= "2026-02-20" && ts.as_str() < "2026-03-02",
                "{ts}"
            );
        }
    }

    #[test]
    fn sparse_attributes_are_sometimes_missing() {
        let items = generate(&spec(4));
        let with_agent = items.iter().filter(|i| i.contains_key("Agent")).count();
        assert!(with_agent > 400 && with_agent < 500, "{with_agent}");
        assert!(
            items
                .iter()
                .any(|i| matches!(i.get("Notes"), Some(AttrValue::Null(_))))
        );
    }
}
