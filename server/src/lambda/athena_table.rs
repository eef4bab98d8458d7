//! The Athena table of the lake, kept in step with its contract: the `athena-setup` custom
//! resource makes it when the lake already has data, and the `export` entry after a commit that
//! made the lake or grew its columns. The table is external with partition projection, so
//! replacing its definition (DROP, then CREATE) touches no data and needs no partition repair.

use lake::format::contract::Contract;
use lake::query::athena::AthenaEngine;
use lake::query::athena::ddl::{
    AthenaTable, create_database_sql, create_table_sql, drop_table_sql,
};
use lake::query::config::QueryConfig;

/// The table `config` names over its lake, with projection over `years`.
pub fn table_of(config: &QueryConfig, years: (i32, i32)) -> lake::Result<AthenaTable> {
    AthenaTable::new(
        &config.athena.database,
        &config.table.to_lowercase(),
        &config.lake.to_string(),
        years,
    )
}

/// Creates the table's database if it is missing.
pub async fn create_database(athena: &AthenaEngine, table: &AthenaTable) -> lake::Result<()> {
    athena
        .run_statement(&create_database_sql(&table.database)?)
        .await
}

/// (Re)defines the table for `contract`; with `replace`, an existing definition is dropped first
/// (its columns changed).
pub async fn define(
    athena: &AthenaEngine,
    table: &AthenaTable,
    contract: &Contract,
    replace: bool,
) -> lake::Result<()> {
    if replace {
        athena.run_statement(&drop_table_sql(table)?).await?;
    }
    athena
        .run_statement(&create_table_sql(table, contract)?)
        .await
}

/// After an export: defines the table when the commit made the lake (`before` is `None`) or
/// changed its contract. `Ok(None)`: nothing to do.
pub async fn after_export(
    config: &QueryConfig,
    years: (i32, i32),
    before: Option<&Contract>,
    after: &Contract,
) -> lake::Result<Option<String>> {
    if before == Some(after) {
        return Ok(None);
    }
    let table = table_of(config, years)?;
    let athena = AthenaEngine::connect(config.athena_config()).await?;
    create_database(&athena, &table).await?;
    define(&athena, &table, after, before.is_some()).await?;
    Ok(Some(format!(
        "{} {}.{} with {} columns",
        if before.is_some() {
            "redefined"
        } else {
            "created"
        },
        table.database,
        table.table,
        after.columns.len()
    )))
}
