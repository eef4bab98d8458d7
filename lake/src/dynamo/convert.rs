//! Conversion between the AWS SDK's attribute values and the SDK-free [`AttrValue`].

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::format::item::{AttrValue, Item};
use crate::{LakeError, Result};

/// Converts an SDK value.
pub fn from_sdk(value: &AttributeValue) -> Result<AttrValue> {
    Ok(match value {
        AttributeValue::S(s) => AttrValue::S(s.clone()),
        AttributeValue::N(n) => AttrValue::N(n.clone()),
        AttributeValue::B(b) => AttrValue::B(b.as_ref().to_vec()),
        AttributeValue::Bool(b) => AttrValue::Bool(*b),
        AttributeValue::Null(b) => AttrValue::Null(*b),
        AttributeValue::Ss(v) => AttrValue::SS(v.clone()),
        AttributeValue::Ns(v) => AttrValue::NS(v.clone()),
        AttributeValue::Bs(v) => AttrValue::BS(v.iter().map(|b| b.as_ref().to_vec()).collect()),
        AttributeValue::M(m) => AttrValue::M(
            m.iter()
                .map(|(k, v)| Ok((k.clone(), from_sdk(v)?)))
                .collect::<Result<_>>()?,
        ),
        AttributeValue::L(l) => AttrValue::L(l.iter().map(from_sdk).collect::<Result<_>>()?),
        other => {
            return Err(LakeError::InvalidInput(format!(
                "unsupported DynamoDB value {other:?}"
            )));
        }
    })
}

/// Converts an SDK item.
pub fn item_from_sdk(item: &HashMap<String, AttributeValue>) -> Result<Item> {
    item.iter()
        .map(|(k, v)| Ok((k.clone(), from_sdk(v)?)))
        .collect()
}

/// Converts a value for the SDK.
pub fn to_sdk(value: &AttrValue) -> AttributeValue {
    match value {
        AttrValue::S(s) => AttributeValue::S(s.clone()),
        AttrValue::N(n) => AttributeValue::N(n.clone()),
        AttrValue::B(b) => AttributeValue::B(Blob::new(b.clone())),
        AttrValue::Bool(b) => AttributeValue::Bool(*b),
        AttrValue::Null(b) => AttributeValue::Null(*b),
        AttrValue::SS(v) => AttributeValue::Ss(v.clone()),
        AttrValue::NS(v) => AttributeValue::Ns(v.clone()),
        AttrValue::BS(v) => AttributeValue::Bs(v.iter().map(|b| Blob::new(b.clone())).collect()),
        AttrValue::M(m) => {
            AttributeValue::M(m.iter().map(|(k, v)| (k.clone(), to_sdk(v))).collect())
        }
        AttrValue::L(l) => AttributeValue::L(l.iter().map(to_sdk).collect()),
    }
}

/// Converts an item for the SDK.
pub fn item_to_sdk(item: &Item) -> HashMap<String, AttributeValue> {
    item.iter().map(|(k, v)| (k.clone(), to_sdk(v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_the_sdk_types() {
        let line = r#"{"a":{"S":"x"},"b":{"N":"1.5"},"c":{"B":"aGk="},"d":{"BOOL":false},"e":{"NULL":true},"f":{"SS":["p"]},"g":{"NS":["1"]},"h":{"BS":["AQ=="]},"i":{"M":{"k":{"L":[{"N":"3"}]}}}}"#;
        let item = crate::format::item::parse_item_line(line).expect("valid");
        assert_eq!(item_from_sdk(&item_to_sdk(&item)).expect("converts"), item);
    }
}
