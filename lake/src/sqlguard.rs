//! TEMPORARY stand-in until the guard lands (not committed).
#![allow(missing_docs)]
pub struct GuardPolicy {
    pub table: String,
    pub database: Option<String>,
    pub max_limit: u64,
    pub max_len: usize,
}
pub struct GuardedSql {
    pub sql: String,
    pub limit: u64,
}
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Rejection {
    #[error("not yet")]
    NotYet,
}
pub fn guard(
    sql: &str,
    policy: &GuardPolicy,
    requested_limit: Option<u64>,
) -> Result<GuardedSql, Rejection> {
    let _ = (sql, policy, requested_limit);
    Err(Rejection::NotYet)
}
