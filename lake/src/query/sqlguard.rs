//! The custom-SQL guard: it decides whether SQL a user typed (report `custom`) may run against the
//! lake, and with which row limit. It owns the rules (one read-only query, only the lake's table or
//! CTEs, no file/network/system functions, a capped LIMIT) and the SQL that is actually run, which
//! is re-rendered from the parsed syntax tree so comments and anything the parser skipped never
//! reach an engine.
//!
//! Dialect: sqlparser's `GenericDialect`. It is DataFusion's default dialect, takes double-quoted
//! identifiers (Athena/Trino quoting) and ANSI syntax. Because the SQL then runs on DataFusion *or*
//! Athena, clauses only one of them (or neither) understands are refused as
//! [`Rejection::Unsupported`]: backtick quotes, `TOP`, `QUALIFY`, `FETCH` in a subquery, and so on.
//!
//! Deep input: sqlparser recurses while parsing, printing and dropping a tree. Its recursion limit
//! does not cover everything (nested `INTERVAL`s, `ARRAY<…>` types), left-deep chains such as
//! `1+1+…` are built in loops but dropped recursively, and a debug build needs tens of kilobytes
//! of stack per parser level. So the guard bounds brackets, nested types, `INTERVAL`s and tokens
//! before parsing, bounds expression and set-operation depth after parsing, and does all of it on
//! a thread of its own with a large stack.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    Expr, Fetch, Ident, LimitClause, ObjectName, ObjectNamePart, Offset, OffsetRows, Query, Select,
    SelectFlavor, SetExpr, Statement, TableFactor, Value, Visit, Visitor,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::parser::{Parser, ParserError};
use datafusion::sql::sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Word};

/// Functions that read files, reach the network or the system, compared in lower case; a trailing
/// `*` matches a prefix. Neither engine registers most of them today, but a future extension or
/// UDF must not become a way out of the lake. Qualified names (`system.query`) are refused too.
const DENIED_FUNCTIONS: &[&str] = &[
    "read_*",    // read_parquet, read_csv, read_json, read_ndjson, read_avro, read_text, ...
    "parquet_*", // parquet_metadata, parquet_schema, parquet_file_metadata, ...
    "glob",
    "sniff_csv",
    "pg_*", // pg_read_file, pg_ls_dir, pg_sleep, ...
    "lo_*", // lo_import, lo_export
    "dblink*",
    "http_*",
    "url",
    "file",
    "s3",
    "hdfs",
    "query", // Trino's system.query pass-through
    "load_extension",
    "sleep",
    "current_setting",
    "set_config",
    "copy",
];

/// Parser recursion budget (DataFusion's default is 50), low enough that whatever passes also
/// parses on an ordinary 2 MiB thread in a debug build; deeper input is refused.
const RECURSION_LIMIT: usize = 20;
/// Brackets `(`, `[`, `{` open at once, at most.
const MAX_BRACKET_DEPTH: usize = 24;
/// `ARRAY<` / `STRUCT<` / `MAP<` type openings, at most (sqlparser does not count them).
const MAX_TYPE_ANGLES: usize = 16;
/// `INTERVAL` keywords, at most (sqlparser does not count their recursion).
const MAX_INTERVALS: usize = 64;
/// Tokens other than whitespace and comments, at most (bounds every left-deep chain).
const MAX_TOKENS: usize = 100_000;
/// Expressions nested in one another, at most.
const MAX_EXPR_DEPTH: usize = 200;
/// Queries nested in one another (subqueries, CTEs), at most.
const MAX_QUERY_DEPTH: usize = 32;
/// UNION / INTERSECT / EXCEPT operators in one query, at most.
const MAX_SET_OPERATIONS: usize = 64;
/// Stack of the checking thread: ample for everything the bounds above let through.
const CHECK_STACK_BYTES: usize = 64 * 1024 * 1024;
/// User text quoted in a message is cut to this many characters.
const MESSAGE_CHARS: usize = 120;

/// What the guard allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardPolicy {
    /// The lake's table name as users write it (lower case, e.g. "gsi_export").
    pub table: String,
    /// A database/schema name users may qualify it with (Athena: "gsi_dynamodb_athena_db"), if any.
    pub database: Option<String>,
    /// Rows at most: a LIMIT is added when missing and capped when larger.
    pub max_limit: u64,
    /// Bytes of SQL text at most (reject before parsing when larger).
    pub max_len: usize,
}

/// A query that passed: the SQL to run (re-rendered from the AST, with the LIMIT applied) and that LIMIT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardedSql {
    /// The SQL to run: one query, no comments, ending in `LIMIT <limit>`.
    pub sql: String,
    /// The row limit written into the outermost query.
    pub limit: u64,
}

/// Why a query was refused; Display gives a short message for the user saying why.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum Rejection {
    /// Nothing but whitespace, comments or semicolons.
    #[error("the query is empty")]
    Empty,
    /// More bytes than the policy allows; refused before parsing.
    #[error("the query is too long: {len} bytes, at most {max} are allowed")]
    TooLong {
        /// Bytes in the query.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// Nested or repeated beyond what the guard checks safely.
    #[error("the query is too complex: {0}")]
    TooComplex(String),
    /// Not valid SQL; carries the parser's (shortened) message.
    #[error("the query could not be parsed: {0}")]
    Parse(String),
    /// More than one statement.
    #[error("only one statement is allowed: found {0}")]
    MultipleStatements(usize),
    /// A statement that is not a plain read (INSERT, CREATE, SELECT … INTO, FOR UPDATE, …).
    #[error("only SELECT queries are allowed: found {0}")]
    NotSelect(String),
    /// A table other than the lake's (other databases, catalogs, system tables, files).
    #[error("only the table {allowed} can be queried: found {found}")]
    ForbiddenTable {
        /// The lake's table.
        allowed: String,
        /// The name as written.
        found: String,
    },
    /// A table function in FROM (`read_parquet(…)`, `TABLE(…)`, `generate_series(…)`).
    #[error("table functions are not allowed in FROM: found {0}")]
    TableFunction(String),
    /// `UNNEST` of something other than a column.
    #[error("UNNEST is only allowed over a column, e.g. CROSS JOIN UNNEST(tags) AS t(tag)")]
    Unnest,
    /// A function on the deny-list, or a qualified function name.
    #[error("the function {0} is not allowed")]
    ForbiddenFunction(String),
    /// A LIMIT that is not a plain whole number (`LIMIT ALL`, `LIMIT -1`, `LIMIT (SELECT 1)`).
    #[error("invalid LIMIT: {0}")]
    Limit(String),
    /// SQL one of the engines (DataFusion, Athena) would not understand the same way.
    #[error("not supported: {0}")]
    Unsupported(String),
    /// The re-rendered SQL would not parse back to the same query (sqlparser prints `- -1` as
    /// `--1`, a comment), so it is refused rather than run changed.
    #[error(
        "the query changes when re-rendered; add parentheses around nested signs such as `- -1`"
    )]
    Unstable,
    /// The guard itself could not finish; the query is refused to be safe.
    #[error("the query could not be checked: {0}")]
    Internal(String),
}

/// Checks `sql`; `requested_limit` (from the request) lowers the limit further when given.
pub fn guard(
    sql: &str,
    policy: &GuardPolicy,
    requested_limit: Option<u64>,
) -> Result<GuardedSql, Rejection> {
    if sql.len() > policy.max_len {
        return Err(Rejection::TooLong {
            len: sql.len(),
            max: policy.max_len,
        });
    }
    on_large_stack(|| {
        let guarded = check(sql, policy, requested_limit)?;
        confirm_fixed_point(guarded, policy)
    })
}

/// Runs `work` on a fresh thread with [`CHECK_STACK_BYTES`] of stack and waits for it.
fn on_large_stack<T: Send>(
    work: impl FnOnce() -> Result<T, Rejection> + Send,
) -> Result<T, Rejection> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("sqlguard".into())
            .stack_size(CHECK_STACK_BYTES)
            .spawn_scoped(scope, work)
            .map_err(|e| Rejection::Internal(format!("no thread to check it on ({e})")))?;
        handle
            .join()
            .unwrap_or_else(|_| Err(Rejection::Internal("the checker stopped".into())))
    })
}

/// Checks the SQL about to be returned once more: it must pass and render to itself, so what runs
/// is exactly what was checked.
fn confirm_fixed_point(guarded: GuardedSql, policy: &GuardPolicy) -> Result<GuardedSql, Rejection> {
    match check(&guarded.sql, policy, Some(guarded.limit)) {
        Ok(again) if again == guarded => Ok(guarded),
        _ => Err(Rejection::Unstable),
    }
}

/// One full pass: tokens, parse, rules, limit, rendering.
fn check(
    sql: &str,
    policy: &GuardPolicy,
    requested_limit: Option<u64>,
) -> Result<GuardedSql, Rejection> {
    let tokens = tokenize(sql)?;
    scan_tokens(&tokens)?;
    let kind = statement_kind(&tokens);
    let Statement::Query(mut query) = parse_one(tokens)? else {
        return Err(Rejection::NotSelect(kind));
    };
    check_tree(&query, policy)?;
    let (existing, offset) = take_limit(&mut query)?;
    let limit = [existing, requested_limit]
        .into_iter()
        .flatten()
        .fold(policy.max_limit, u64::min);
    Ok(GuardedSql {
        sql: render(&query, offset.as_ref(), limit),
        limit,
    })
}

/// Splits the text into tokens (comments become whitespace tokens).
fn tokenize(sql: &str) -> Result<Vec<TokenWithSpan>, Rejection> {
    let dialect = GenericDialect {};
    Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| Rejection::Parse(shorten(&e.to_string())))
}

/// Parses exactly one statement and makes sure nothing follows it.
fn parse_one(tokens: Vec<TokenWithSpan>) -> Result<Statement, Rejection> {
    let dialect = GenericDialect {};
    let mut parser = Parser::new(&dialect)
        .with_recursion_limit(RECURSION_LIMIT)
        .with_tokens_with_locations(tokens);
    let mut statements = parser.parse_statements().map_err(parse_rejection)?;
    let rest = &parser.peek_token_ref().token;
    if *rest != Token::EOF {
        let message = format!("unexpected {rest} after the end of the statement");
        return Err(Rejection::Parse(shorten(&message)));
    }
    match statements.len() {
        0 | 1 => statements.pop().ok_or(Rejection::Empty),
        n => Err(Rejection::MultipleStatements(n)),
    }
}

/// Turns a parser error into a rejection (recursion → too complex).
fn parse_rejection(error: ParserError) -> Rejection {
    match error {
        ParserError::RecursionLimitExceeded => {
            Rejection::TooComplex("it is nested too deeply".into())
        }
        ParserError::ParserError(message) | ParserError::TokenizerError(message) => {
            Rejection::Parse(shorten(&message))
        }
    }
}

/// Checks the token stream before parsing: not empty, not too deep or long, no backticks, no
/// `LIMIT ALL` (the tree cannot tell `LIMIT ALL OFFSET 1` from `OFFSET 1`).
fn scan_tokens(tokens: &[TokenWithSpan]) -> Result<(), Rejection> {
    let mut scan = TokenScan::default();
    for token in tokens.iter().map(|t| &t.token) {
        if !matches!(token, Token::Whitespace(_)) {
            scan.step(token)?;
        }
    }
    if scan.count == 0 {
        return Err(Rejection::Empty);
    }
    Ok(())
}

/// Counters of [`scan_tokens`].
#[derive(Default)]
struct TokenScan<'t> {
    count: usize,
    brackets: usize,
    type_angles: usize,
    intervals: usize,
    previous: Option<&'t Token>,
}

impl<'t> TokenScan<'t> {
    /// Takes one token that is not whitespace.
    fn step(&mut self, token: &'t Token) -> Result<(), Rejection> {
        self.count += 1;
        bound(self.count, MAX_TOKENS, "it has too many tokens")?;
        match token {
            Token::LParen | Token::LBracket | Token::LBrace => {
                self.brackets += 1;
                bound(
                    self.brackets,
                    MAX_BRACKET_DEPTH,
                    "brackets are nested too deeply",
                )?;
            }
            Token::RParen | Token::RBracket | Token::RBrace => {
                self.brackets = self.brackets.saturating_sub(1);
            }
            Token::Lt if self.follows(&[Keyword::ARRAY, Keyword::STRUCT, Keyword::MAP]) => {
                self.type_angles += 1;
                bound(
                    self.type_angles,
                    MAX_TYPE_ANGLES,
                    "types are nested too deeply",
                )?;
            }
            Token::Word(word) => self.word(word)?,
            _ => {}
        }
        self.previous = Some(token);
        Ok(())
    }

    /// Checks a word token.
    fn word(&mut self, word: &Word) -> Result<(), Rejection> {
        if word.quote_style == Some('`') {
            return Err(Rejection::Unsupported(
                "backtick-quoted identifiers (use double quotes)".into(),
            ));
        }
        if word.keyword == Keyword::INTERVAL {
            self.intervals += 1;
            bound(self.intervals, MAX_INTERVALS, "it has too many INTERVALs")?;
        }
        if word.keyword == Keyword::ALL && self.follows(&[Keyword::LIMIT]) {
            return Err(Rejection::Limit("LIMIT ALL is not allowed".into()));
        }
        Ok(())
    }

    /// Whether the previous token is one of these keywords.
    fn follows(&self, keywords: &[Keyword]) -> bool {
        matches!(self.previous, Some(Token::Word(w)) if keywords.contains(&w.keyword))
    }
}

/// A rejection when `value` went over `max`.
fn bound(value: usize, max: usize, why: &str) -> Result<(), Rejection> {
    if value > max {
        return Err(Rejection::TooComplex(why.into()));
    }
    Ok(())
}

/// What a statement is, from its first words, for a message ("DROP TABLE", "EXPLAIN ANALYZE").
fn statement_kind(tokens: &[TokenWithSpan]) -> String {
    let mut words = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .map(|t| match &t.token {
            Token::Word(w) => w.value.to_uppercase(),
            other => other.to_string(),
        });
    let first = words.next().unwrap_or_default();
    let two_words = ["ALTER", "CREATE", "DROP", "EXPLAIN", "SHOW"].contains(&first.as_str());
    let second = two_words
        .then(|| words.find(|w| w != "OR" && w != "REPLACE"))
        .flatten();
    let kind = match second {
        Some(second) => format!("{first} {second}"),
        None => first,
    };
    shorten(&kind)
}

/// Walks the whole query with [`Checker`].
fn check_tree(query: &Query, policy: &GuardPolicy) -> Result<(), Rejection> {
    let mut checker = Checker {
        policy,
        root: query,
        scopes: Vec::new(),
        expr_depth: 0,
    };
    match query.visit(&mut checker) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(rejection) => Err(rejection),
    }
}

/// The rules, applied to every node of a parsed query. It keeps the CTE names in scope: a CTE's
/// body sees only the CTEs before it (and the enclosing queries' ones), the query body sees all.
/// Queries are told apart by address (`*const Query`), compared only, never dereferenced.
struct Checker<'p> {
    policy: &'p GuardPolicy,
    /// The outermost query (only it may carry FETCH, `LIMIT n, m` or LIMIT with OFFSET).
    root: *const Query,
    /// One entry per query being visited, innermost last.
    scopes: Vec<Scope>,
    expr_depth: usize,
}

/// The CTEs one query defines and how many of them are visible yet.
struct Scope {
    query: *const Query,
    ctes: Vec<CteName>,
    visible: usize,
}

/// A CTE's name (normalized like DataFusion: unquoted lower-cased) and its body.
struct CteName {
    name: String,
    body: *const Query,
}

impl Visitor for Checker<'_> {
    type Break = Rejection;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<Rejection> {
        flow(self.enter_query(query))
    }

    fn post_visit_query(&mut self, query: &Query) -> ControlFlow<Rejection> {
        self.leave_query(query);
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<Rejection> {
        flow(check_select(select))
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<Rejection> {
        flow(check_table_factor(factor))
    }

    fn pre_visit_relation(&mut self, name: &ObjectName) -> ControlFlow<Rejection> {
        flow(self.check_relation(name))
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<Rejection> {
        self.expr_depth += 1;
        flow(self.check_expr(expr))
    }

    fn post_visit_expr(&mut self, _expr: &Expr) -> ControlFlow<Rejection> {
        self.expr_depth = self.expr_depth.saturating_sub(1);
        ControlFlow::Continue(())
    }
}

/// A check result as visitor control flow.
fn flow(result: Result<(), Rejection>) -> ControlFlow<Rejection> {
    match result {
        Ok(()) => ControlFlow::Continue(()),
        Err(rejection) => ControlFlow::Break(rejection),
    }
}

impl Checker<'_> {
    /// Bounds expression nesting and checks function names.
    fn check_expr(&self, expr: &Expr) -> Result<(), Rejection> {
        bound(
            self.expr_depth,
            MAX_EXPR_DEPTH,
            "expressions are nested too deeply",
        )?;
        match expr {
            Expr::Function(function) => check_function_name(&function.name),
            _ => Ok(()),
        }
    }

    /// Checks a query's own clauses and opens its CTE scope.
    fn enter_query(&mut self, query: &Query) -> Result<(), Rejection> {
        bound(
            self.scopes.len() + 1,
            MAX_QUERY_DEPTH,
            "subqueries are nested too deeply",
        )?;
        check_query_clauses(query, std::ptr::eq(query, self.root))?;
        check_set_operations(&query.body)?;
        self.scopes.push(Scope::of(query)?);
        Ok(())
    }

    /// Closes the query's scope; a finished CTE body makes that CTE visible to what follows.
    fn leave_query(&mut self, query: &Query) {
        if self
            .scopes
            .last()
            .is_some_and(|s| std::ptr::eq(s.query, query))
        {
            self.scopes.pop();
        }
        if let Some(scope) = self.scopes.last_mut() {
            scope.body_done(query);
        }
    }

    /// A table name must be the lake's table (optionally `<database>.`) or a CTE in scope.
    fn check_relation(&self, name: &ObjectName) -> Result<(), Rejection> {
        let table = self.policy.table.as_str();
        let database = self.policy.database.as_deref();
        let allowed = match name.0.as_slice() {
            [ObjectNamePart::Identifier(t)] => self.is_cte(t) || same_name(t, table),
            [ObjectNamePart::Identifier(d), ObjectNamePart::Identifier(t)] => {
                database.is_some_and(|db| same_name(d, db)) && same_name(t, table)
            }
            _ => false,
        };
        if allowed {
            return Ok(());
        }
        Err(Rejection::ForbiddenTable {
            allowed: table.to_string(),
            found: shorten(&name.to_string()),
        })
    }

    /// Whether an unqualified name refers to a CTE visible here.
    fn is_cte(&self, ident: &Ident) -> bool {
        let name = normalized(ident);
        self.scopes.iter().any(|scope| {
            scope
                .ctes
                .iter()
                .take(scope.visible)
                .any(|cte| cte.name == name)
        })
    }
}

impl Scope {
    /// The scope of a query: its CTEs, none visible yet. Refuses WITH forms the engines differ on.
    fn of(query: &Query) -> Result<Scope, Rejection> {
        let mut ctes = Vec::new();
        if let Some(with) = &query.with {
            if with.recursive {
                return Err(Rejection::Unsupported("WITH RECURSIVE".into()));
            }
            for cte in &with.cte_tables {
                if cte.from.is_some() || cte.materialized.is_some() {
                    return Err(Rejection::Unsupported("MATERIALIZED CTEs".into()));
                }
                let body: &Query = &cte.query;
                ctes.push(CteName {
                    name: normalized(&cte.alias.name),
                    body,
                });
            }
        }
        Ok(Scope {
            query,
            ctes,
            visible: 0,
        })
    }

    /// Called after each query inside this one: if it was the next CTE body, that CTE is visible.
    fn body_done(&mut self, query: &Query) {
        if self
            .ctes
            .get(self.visible)
            .is_some_and(|cte| std::ptr::eq(cte.body, query))
        {
            self.visible += 1;
        }
    }
}

/// An identifier as DataFusion resolves it: quoted kept, unquoted ASCII-lower-cased.
fn normalized(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_ascii_lowercase(),
    }
}

/// Whether an identifier names `name`, ignoring ASCII case and quotes.
fn same_name(ident: &Ident, name: &str) -> bool {
    ident.value.eq_ignore_ascii_case(name)
}

/// Clauses of one query (any nesting level) that are refused.
fn check_query_clauses(query: &Query, is_root: bool) -> Result<(), Rejection> {
    if !query.locks.is_empty() {
        return Err(Rejection::NotSelect("SELECT … FOR UPDATE/SHARE".into()));
    }
    let refused = [
        (query.for_clause.is_some(), "FOR XML/JSON"),
        (query.settings.is_some(), "SETTINGS"),
        (query.format_clause.is_some(), "FORMAT"),
        (!query.pipe_operators.is_empty(), "pipe operators (|>)"),
    ];
    refuse_any(&refused)?;
    check_limit_clause(query.limit_clause.as_ref(), is_root)?;
    check_fetch(query.fetch.as_ref(), is_root)
}

/// The first refused feature, as [`Rejection::Unsupported`].
fn refuse_any(features: &[(bool, &str)]) -> Result<(), Rejection> {
    match features.iter().find(|(present, _)| *present) {
        Some((_, what)) => Err(Rejection::Unsupported((*what).into())),
        None => Ok(()),
    }
}

/// LIMIT must be a whole number; an OFFSET next to it only on the outermost query (Athena wants
/// OFFSET before LIMIT, which only the guard's own rendering of the outermost query gives).
fn check_limit_clause(clause: Option<&LimitClause>, is_root: bool) -> Result<(), Rejection> {
    let nested_offset = || Rejection::Unsupported("LIMIT with OFFSET in a subquery".into());
    match clause {
        None => Ok(()),
        Some(LimitClause::LimitOffset { limit_by, .. }) if !limit_by.is_empty() => {
            Err(Rejection::Unsupported("LIMIT … BY".into()))
        }
        Some(LimitClause::LimitOffset {
            limit: None,
            offset: None,
            ..
        }) => Err(Rejection::Limit("LIMIT ALL is not allowed".into())),
        Some(LimitClause::LimitOffset {
            limit: Some(_),
            offset: Some(_),
            ..
        }) if !is_root => Err(nested_offset()),
        Some(LimitClause::LimitOffset { limit, .. }) => limit
            .as_ref()
            .map_or(Ok(()), |l| literal_count(l).map(drop)),
        Some(LimitClause::OffsetCommaLimit { .. }) if !is_root => Err(nested_offset()),
        Some(LimitClause::OffsetCommaLimit { limit, .. }) => literal_count(limit).map(drop),
    }
}

/// `FETCH FIRST n ROWS ONLY` counts as `LIMIT n` on the outermost query; refused elsewhere
/// (DataFusion does not plan FETCH).
fn check_fetch(fetch: Option<&Fetch>, is_root: bool) -> Result<(), Rejection> {
    let Some(fetch) = fetch else {
        return Ok(());
    };
    if !is_root {
        return Err(Rejection::Unsupported(
            "FETCH FIRST in a subquery (use LIMIT)".into(),
        ));
    }
    if fetch.with_ties || fetch.percent {
        return Err(Rejection::Unsupported("FETCH … PERCENT / WITH TIES".into()));
    }
    fetch
        .quantity
        .as_ref()
        .map_or(Ok(()), |q| literal_count(q).map(drop))
}

/// A row count written as a plain whole number; larger than u64 counts as u64::MAX.
fn literal_count(expr: &Expr) -> Result<u64, Rejection> {
    let digits = match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(n, false) => Some(n.to_string()),
            _ => None,
        },
        _ => None,
    };
    match digits {
        Some(d) if !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(d.parse().unwrap_or(u64::MAX))
        }
        _ => Err(Rejection::Limit(
            "it must be a whole number of rows, e.g. LIMIT 100".into(),
        )),
    }
}

/// The body's set operations: at most [`MAX_SET_OPERATIONS`], and only of queries (walked
/// without recursion, so a long UNION chain cannot exhaust the stack here).
fn check_set_operations(body: &SetExpr) -> Result<(), Rejection> {
    let mut pending = vec![body];
    let mut operations = 0;
    while let Some(expr) = pending.pop() {
        match expr {
            SetExpr::SetOperation { left, right, .. } => {
                operations += 1;
                bound(
                    operations,
                    MAX_SET_OPERATIONS,
                    "it has too many set operations",
                )?;
                pending.extend([&**left, &**right]);
            }
            SetExpr::Select(_) | SetExpr::Query(_) | SetExpr::Values(_) => {}
            SetExpr::Insert(_) => return Err(Rejection::NotSelect("INSERT".into())),
            SetExpr::Update(_) => return Err(Rejection::NotSelect("UPDATE".into())),
            SetExpr::Delete(_) => return Err(Rejection::NotSelect("DELETE".into())),
            SetExpr::Merge(_) => return Err(Rejection::NotSelect("MERGE".into())),
            SetExpr::Table(_) => return Err(Rejection::Unsupported("TABLE <name>".into())),
        }
    }
    Ok(())
}

/// Clauses of one SELECT that are refused.
fn check_select(select: &Select) -> Result<(), Rejection> {
    if select.into.is_some() {
        return Err(Rejection::NotSelect("SELECT … INTO".into()));
    }
    let refused = [
        (
            select.flavor != SelectFlavor::Standard,
            "FROM before SELECT",
        ),
        (select.top.is_some(), "SELECT TOP (use LIMIT)"),
        (!select.optimizer_hints.is_empty(), "optimizer hints"),
        (select.select_modifiers.is_some(), "SELECT modifiers"),
        (
            !select.lateral_views.is_empty(),
            "LATERAL VIEW (use CROSS JOIN UNNEST)",
        ),
        (select.prewhere.is_some(), "PREWHERE"),
        (!select.connect_by.is_empty(), "CONNECT BY"),
        (!select.cluster_by.is_empty(), "CLUSTER BY"),
        (!select.distribute_by.is_empty(), "DISTRIBUTE BY"),
        (!select.sort_by.is_empty(), "SORT BY"),
        (select.qualify.is_some(), "QUALIFY"),
        (select.value_table_mode.is_some(), "SELECT AS STRUCT/VALUE"),
    ];
    refuse_any(&refused)
}

/// A FROM item: a plain table (its name is checked as a relation), a subquery, a parenthesized
/// join, or UNNEST over columns. Table functions and dialect-specific items are refused.
fn check_table_factor(factor: &TableFactor) -> Result<(), Rejection> {
    match factor {
        TableFactor::Table {
            name,
            args,
            with_hints,
            version,
            with_ordinality,
            partitions,
            json_path,
            sample,
            index_hints,
            ..
        } => {
            if args.is_some() {
                return Err(Rejection::TableFunction(shorten(&name.to_string())));
            }
            refuse_any(&[
                (!with_hints.is_empty(), "table hints"),
                (version.is_some(), "time travel"),
                (*with_ordinality, "WITH ORDINALITY on a table"),
                (!partitions.is_empty(), "PARTITION selection"),
                (json_path.is_some(), "JSON paths in FROM"),
                (sample.is_some(), "TABLESAMPLE"),
                (!index_hints.is_empty(), "index hints"),
            ])
        }
        TableFactor::Derived { sample, .. } => refuse_any(&[(sample.is_some(), "TABLESAMPLE")]),
        TableFactor::NestedJoin { .. } => Ok(()),
        TableFactor::UNNEST {
            array_exprs,
            with_offset,
            ..
        } => check_unnest(array_exprs, *with_offset),
        TableFactor::Function { name, .. } => {
            Err(Rejection::TableFunction(shorten(&name.to_string())))
        }
        TableFactor::TableFunction { .. } => Err(Rejection::TableFunction("TABLE(…)".into())),
        other => Err(Rejection::Unsupported(shorten(&format!(
            "{} in FROM",
            factor_kind(other)
        )))),
    }
}

/// The keyword of a FROM item the guard refuses.
fn factor_kind(factor: &TableFactor) -> &'static str {
    match factor {
        TableFactor::Pivot { .. } => "PIVOT",
        TableFactor::Unpivot { .. } => "UNPIVOT",
        TableFactor::MatchRecognize { .. } => "MATCH_RECOGNIZE",
        TableFactor::JsonTable { .. } => "JSON_TABLE",
        TableFactor::OpenJsonTable { .. } => "OPENJSON",
        TableFactor::XmlTable { .. } => "XMLTABLE",
        TableFactor::SemanticView { .. } => "SEMANTIC_VIEW",
        _ => "this kind of item",
    }
}

/// UNNEST reads nothing but its arguments, which must be columns.
fn check_unnest(array_exprs: &[Expr], with_offset: bool) -> Result<(), Rejection> {
    if with_offset {
        return Err(Rejection::Unsupported("UNNEST … WITH OFFSET".into()));
    }
    let columns = array_exprs
        .iter()
        .all(|e| matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_)));
    if columns && !array_exprs.is_empty() {
        return Ok(());
    }
    Err(Rejection::Unnest)
}

/// A function call must have a plain name that is not on [`DENIED_FUNCTIONS`].
fn check_function_name(name: &ObjectName) -> Result<(), Rejection> {
    let denied = match name.0.as_slice() {
        [ObjectNamePart::Identifier(ident)] => is_denied(&ident.value),
        _ => true,
    };
    if denied {
        return Err(Rejection::ForbiddenFunction(shorten(&name.to_string())));
    }
    Ok(())
}

/// Whether a function name matches [`DENIED_FUNCTIONS`] (Unicode lower case, so look-alike
/// letters that lower-case to ASCII are caught too).
fn is_denied(name: &str) -> bool {
    let lower = name.to_lowercase();
    DENIED_FUNCTIONS
        .iter()
        .any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => lower.starts_with(prefix),
            None => lower == *pattern,
        })
}

/// Takes the outermost query's LIMIT/OFFSET/FETCH out: the literal row count, if any, and the
/// offset to render before the new LIMIT.
fn take_limit(query: &mut Query) -> Result<(Option<u64>, Option<Offset>), Rejection> {
    let (mut count, offset) = match query.limit_clause.take() {
        None => (None, None),
        Some(LimitClause::LimitOffset { limit, offset, .. }) => {
            (limit.as_ref().map(literal_count).transpose()?, offset)
        }
        Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
            let offset = Offset {
                value: offset,
                rows: OffsetRows::None,
            };
            (Some(literal_count(&limit)?), Some(offset))
        }
    };
    if let Some(fetch) = query.fetch.take() {
        let rows = fetch.quantity.as_ref().map_or(Ok(1), literal_count)?;
        count = Some(count.map_or(rows, |c| c.min(rows)));
    }
    Ok((count, offset))
}

/// The query (without LIMIT/OFFSET/FETCH), then `OFFSET n` if any, then `LIMIT limit` — the
/// order both DataFusion and Athena (which refuses `LIMIT … OFFSET …`) accept.
fn render(query: &Query, offset: Option<&Offset>, limit: u64) -> String {
    let mut sql = query.to_string();
    if let Some(offset) = offset {
        sql.push(' ');
        sql.push_str(&offset.to_string());
    }
    sql.push_str(" LIMIT ");
    sql.push_str(&limit.to_string());
    sql
}

/// User text for a message: control characters blanked, at most [`MESSAGE_CHARS`] characters.
fn shorten(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(MESSAGE_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(MESSAGE_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests;
