//! Quoting for queries (Athena's Trino engine and DataFusion): identifiers in double quotes,
//! string literals in single quotes, the quote inside doubled. User values never reach SQL this
//! way (they are parameters); these quote names from the configuration and the contract.

/// A Trino/DataFusion identifier in double quotes, a double quote inside doubled.
pub fn sql_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A Trino/DataFusion string literal in single quotes, a single quote inside doubled (not for DDL:
/// Hive reads `''` differently, see the module documentation).
pub fn sql_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_identifiers_and_strings_double_their_quote() {
        assert_eq!(sql_identifier("date"), "\"date\"");
        assert_eq!(sql_identifier("a\"b"), "\"a\"\"b\"");
        assert_eq!(sql_string("O'Brien"), "'O''Brien'");
        assert_eq!(sql_string(""), "''");
    }
}
