//! No user value can panic the pipeline: arbitrary strings (multibyte, empty, huge, control
//! characters) as sort keys, attribute names and attribute values go through export's date
//! parsing and format sniffing, the contract, exact-number parsing and the Parquet writer.

use lake::format::dates::DateFormat;
use lake::format::infer::ContractBuilder;
use lake::format::item::{AttrValue, Item};
use lake::format::number::{Decimal, NumberMode};
use lake::ingest::export::year_first_separator;
use lake::ingest::writer::{LakeWriter, WriteOptions};
use proptest::prelude::*;

/// Strings users really send: anything, date-like text with multibyte characters at the byte
/// offsets the sniffing looks at, empty, and huge.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9é日🎉/\\-:.T Z+]{0,24}",
        "[0-9]{4}[é日🎉/\\-][0-9]{0,20}",
        Just(String::new()),
        Just("1e-9223372036854775808".to_string()),
        Just("-0.0e+9223372036854775807".to_string()),
        (any::<char>(), 0usize..200_000).prop_map(|(c, n)| c.to_string().repeat(n)),
    ]
}

/// Any DynamoDB value built from hostile strings.
fn value() -> impl Strategy<Value = AttrValue> {
    prop_oneof![
        hostile().prop_map(AttrValue::S),
        hostile().prop_map(AttrValue::N),
        any::<bool>().prop_map(AttrValue::Bool),
        Just(AttrValue::Null(true)),
        prop::collection::vec(hostile(), 0..4).prop_map(AttrValue::SS),
        prop::collection::vec(hostile(), 0..4).prop_map(AttrValue::NS),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(AttrValue::B),
        prop::collection::btree_map(hostile(), hostile().prop_map(AttrValue::S), 0..3)
            .prop_map(AttrValue::M),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn date_parsing_and_sniffing_never_panic(text in hostile()) {
        for format in [DateFormat::Iso, DateFormat::Epoch, DateFormat::Human] {
            let _ = format.parse_str(&text);
            let _ = format.parse_value(&AttrValue::S(text.clone()));
            let _ = format.parse_value(&AttrValue::N(text.clone()));
        }
        if let Some(sep) = year_first_separator(&text) {
            prop_assert!(sep == "-" || sep == "/");
            prop_assert!(text.as_bytes()[..4].iter().all(u8::is_ascii_digit));
        }
        let _ = Decimal::double_is_exact(&text);
        if let Some(d) = Decimal::parse(&text) {
            let _ = (d.to_i64(), d.scaled(38), d.scale(), d.int_digits());
        }
    }

    #[test]
    fn the_contract_takes_any_item(
        items in prop::collection::vec(prop::collection::btree_map(hostile(), value(), 0..5), 1..6),
        exact in any::<bool>(),
    ) {
        let mode = if exact { NumberMode::Exact } else { NumberMode::Double };
        let mut builder = ContractBuilder::new(mode);
        for item in &items {
            builder.observe(item);
        }
        let _ = builder.mixed();
        let _ = builder.inexact_numbers();
        // A case collision or a reserved name is an error, never a panic.
        if let Ok(contract) = builder.finish(Some("report_date")) {
            for item in &items {
                let _ = contract.misfit(item);
                for v in item.values() {
                    let _ = v.to_text();
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_writer_keeps_or_rejects_every_item(
        sort_keys in prop::collection::vec(hostile(), 1..8),
        values in prop::collection::vec(value(), 1..8),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let items: Vec<Item> = sort_keys
            .into_iter()
            .zip(values.into_iter().cycle())
            .map(|(sk, v)| {
                Item::from([("ts".to_string(), AttrValue::S(sk)), ("v".to_string(), v)])
            })
            .collect();
        let mut builder = ContractBuilder::new(NumberMode::Exact);
        items.iter().for_each(|i| builder.observe(i));
        let contract = builder.finish(None).expect("two plain names");
        let mut writer = LakeWriter::create(dir.path(), contract, WriteOptions::new("ts", DateFormat::Iso))
            .expect("writer");
        for item in &items {
            writer.write(item.clone()).expect("kept or rejected, never an error");
        }
        let summary = writer.finish().expect("finishes");
        prop_assert_eq!(summary.items + summary.rejected, items.len() as u64);
    }
}
