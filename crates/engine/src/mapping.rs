//! JSONata mappings through `jsonata-core`, with the bindings of a flow and
//! limits that keep a user's expression from hanging or crashing the engine.
//!
//! An [`Expression`] is parsed once (per flow version) and is `Send + Sync`.
//! Evaluation values are not `Send`, so a [`Mapper`] is built on the thread
//! that evaluates, from plain JSON, and evaluates any number of expressions
//! against the same scope.

use std::sync::Arc;
use std::time::Duration;

use jsonata_core::ast::AstNode;
use jsonata_core::evaluator::{CancelToken, Context, Evaluator, EvaluatorError, EvaluatorOptions};
use jsonata_core::parser::{self, ParserError};
use jsonata_core::value::{with_stack, JArray, JValue};
use serde_json::{Number, Value};

/// Expressions longer than this are not scanned for the position of a syntax
/// error (the scan re-parses each prefix).
const LOCATE_LIMIT: usize = 4_000;

/// What kind of failure a mapping error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingErrorKind {
    /// The expression does not parse.
    Syntax,
    /// The expression parsed but failed against the data.
    Evaluation,
    /// Evaluation ran past its time limit.
    Timeout,
    /// Evaluation nested deeper than its depth limit (runaway recursion).
    TooDeep,
    /// The execution was cancelled while the expression ran.
    Cancelled,
    /// The expression produced a function, which is not data.
    NotData,
}

/// A failed parse or evaluation. `code` is the JSONata error code (`S0202`,
/// `T2001`, …) when the engine gave one; `position` is the character offset in
/// the expression where a syntax error was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}{}", .position.map(|p| format!(" (at position {p})")).unwrap_or_default())]
pub struct MappingError {
    pub kind: MappingErrorKind,
    pub code: Option<String>,
    pub message: String,
    pub position: Option<usize>,
}

/// Bounds on one evaluation.
#[derive(Debug, Clone)]
pub struct Limits {
    pub timeout: Duration,
    /// Maximum evaluation depth; `None` keeps jsonata-core's own ceiling, which
    /// still turns runaway recursion into an error rather than a crash.
    pub max_depth: Option<usize>,
    /// Maximum length of a sequence an expression may build, so `[1..1e9]`-style
    /// expressions fail instead of exhausting memory.
    pub max_sequence: Option<usize>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { timeout: Duration::from_secs(2), max_depth: Some(2_000), max_sequence: Some(10_000_000) }
    }
}

/// A parsed JSONata expression, shareable across threads.
#[derive(Debug, Clone)]
pub struct Expression {
    source: Arc<str>,
    ast: Arc<AstNode>,
}

impl Expression {
    /// Parses `source`; a syntax error carries its code and position.
    pub fn parse(source: &str) -> Result<Expression, MappingError> {
        // jsonata-core's parser is recursive; run it where the stack can grow, as
        // its evaluator does, so a pathological input cannot overflow the stack.
        match with_stack(|| parser::parse(source)) {
            Ok(ast) => Ok(Expression { source: source.into(), ast: Arc::new(ast) }),
            Err(err) => {
                let message = match plain_words_hint(source) {
                    Some(hint) => format!("{err}; {hint}"),
                    None => err.to_string(),
                };
                Err(MappingError {
                    kind: MappingErrorKind::Syntax,
                    code: code_of(&message).or_else(|| uncoded_syntax_code(&err)),
                    message,
                    position: locate_syntax_error(source),
                })
            }
        }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Ids of the steps this expression reads through `$steps.<id>`, in order of
    /// first appearance, without repeats.
    pub fn step_references(&self) -> Vec<String> {
        let mut found = Vec::new();
        if let Ok(tree) = serde_json::to_value(&*self.ast) {
            collect_step_references(&tree, &mut found);
        }
        found
    }
}

/// Operators people bring from JavaScript or Python that JSONata spells
/// otherwise, for a syntax error's message.
fn plain_words_hint(source: &str) -> Option<String> {
    const HINTS: [(&str, &str); 3] = [
        ("&&", "JSONata writes `and` where JavaScript writes `&&`"),
        ("||", "JSONata writes `or` where JavaScript writes `||`"),
        ("==", "JSONata compares with a single `=` (and `!=`), not `==`"),
    ];
    let found: Vec<&str> =
        HINTS.iter().filter(|(operator, _)| source.contains(operator)).map(|(_, hint)| *hint).collect();
    (!found.is_empty()).then(|| found.join("; "))
}

/// Walks the serialised syntax tree, which keeps this independent of the
/// crate's exact set of node types: a reference is a path whose first step
/// is the variable `$steps` and whose second is a field name.
fn collect_step_references(node: &Value, found: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(steps) = map.get("Path").and_then(|p| p.get("steps")).and_then(Value::as_array) {
                let var = steps.first().and_then(|s| s.get("node")).and_then(|n| n.get("Variable"));
                let name = steps.get(1).and_then(|s| s.get("node")).and_then(|n| n.get("Name")).and_then(Value::as_str);
                if let (Some(Value::String(var)), Some(name)) = (var, name) {
                    if var == "steps" && !found.iter().any(|f| f == name) {
                        found.push(name.to_string());
                    }
                }
            }
            map.values().for_each(|v| collect_step_references(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_step_references(v, found)),
        _ => {}
    }
}

/// The JSONata code of a message: at its start (`T2001: …`), or right after
/// the one label jsonata-core puts before some coded messages
/// (`Invalid syntax: T1006: …`, `Invalid number: S0102: …`,
/// `Signature validation failed: T0410: …`).
fn code_of(message: &str) -> Option<String> {
    let after_label = message.split_once(": ").map(|(_, rest)| rest);
    std::iter::once(message).chain(after_label).find_map(jsonata_core::evaluator::error_code_prefix).map(str::to_string)
}

/// The JSONata code of a syntax error jsonata-core reports without one.
fn uncoded_syntax_code(err: &ParserError) -> Option<String> {
    match err {
        // jsonata-js: "S0106: Comment has no closing tag".
        ParserError::UnclosedComment => Some("S0106".to_string()),
        _ => None,
    }
}

/// Finds where a syntax error is: the shortest prefix of the expression that
/// fails for a reason other than ending too early contains the offending
/// token, which ends at that prefix's end. When every prefix is merely
/// incomplete, the error is at the end of the expression.
fn locate_syntax_error(source: &str) -> Option<usize> {
    if source.len() > LOCATE_LIMIT {
        return None;
    }
    let ends: Vec<usize> = source.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
    for (chars, &end) in ends.iter().enumerate() {
        let prefix = &source[..end];
        if let Err(err) = with_stack(|| parser::parse(prefix)) {
            if !is_incomplete(&err) {
                return Some(chars);
            }
        }
    }
    Some(ends.len())
}

fn is_incomplete(err: &ParserError) -> bool {
    match err {
        ParserError::UnexpectedEnd
        | ParserError::UnclosedString
        | ParserError::UnclosedComment
        | ParserError::UnclosedBacktick => true,
        ParserError::UnexpectedToken(token) => token == "Eof",
        ParserError::Expected { found, .. } => found == "Eof" || found.contains("end of expression"),
        other => other.to_string().contains("end of expression"),
    }
}

/// Converts a JSON value into the evaluator's representation, as
/// jsonata-core's `From<serde_json::Value>` does but without first cloning
/// the whole value.
pub fn to_jvalue(value: &Value) -> JValue {
    match value {
        Value::Null => JValue::Null,
        Value::Bool(b) => JValue::Bool(*b),
        Value::Number(n) => JValue::Number(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => JValue::string(s.as_str()),
        Value::Array(items) => {
            // An array read from the input is "flat" when it holds no array.
            let flat = !items.iter().any(Value::is_array);
            let items = with_stack(|| items.iter().map(to_jvalue).collect());
            JValue::Array(JArray::new_flat(items, flat))
        }
        Value::Object(map) => {
            JValue::object(with_stack(|| map.iter().map(|(k, v)| (k.clone(), to_jvalue(v))).collect()))
        }
    }
}

/// Evaluates expressions against one input document and one set of bindings.
/// Not `Send`: build it on the thread that evaluates.
pub struct Mapper {
    evaluator: Evaluator,
    input: JValue,
}

impl Mapper {
    /// A mapper over `input` (`None` = undefined) with `$name` bindings.
    pub fn new<'a>(
        input: Option<&Value>,
        bindings: impl IntoIterator<Item = (&'a str, &'a Value)>,
        limits: &Limits,
        cancel: Option<CancelToken>,
    ) -> Mapper {
        let converted_input = input.map(to_jvalue).unwrap_or(JValue::Undefined);
        let mut context = Context::new();
        for (name, value) in bindings {
            // A step binds its input again as `$trigger`: share that conversion
            // (values are immutable and reference-counted) instead of redoing it.
            let value = match input {
                Some(input) if std::ptr::eq(input, value) => converted_input.clone(),
                _ => to_jvalue(value),
            };
            context.bind(name.to_string(), value);
        }
        Self::with_context(context, converted_input, limits, cancel)
    }

    /// A mapper over values already converted with [`to_jvalue`]; lets a caller
    /// convert a large scope once and reuse it.
    pub fn with_context(context: Context, input: JValue, limits: &Limits, cancel: Option<CancelToken>) -> Mapper {
        let options = EvaluatorOptions {
            timeout_ms: Some(limits.timeout.as_millis().max(1) as u64),
            cancel,
            max_stack_depth: limits.max_depth,
            max_sequence_length: limits.max_sequence,
        };
        Mapper { evaluator: Evaluator::with_options(context, options), input }
    }

    /// Evaluates one expression. `Ok(None)` means the result is undefined (a
    /// path that matched nothing), which is not the same as JSON `null`.
    pub fn evaluate(&mut self, expression: &Expression) -> Result<Option<Value>, MappingError> {
        let result = with_stack(|| self.evaluator.evaluate(&expression.ast, &self.input)).map_err(evaluation_error)?;
        to_json(&result)
    }
}

fn to_json(value: &JValue) -> Result<Option<Value>, MappingError> {
    match value {
        JValue::Undefined => Ok(None),
        JValue::Lambda(_) | JValue::Builtin { .. } => Err(MappingError {
            kind: MappingErrorKind::NotData,
            code: None,
            message: "the expression returns a function, not a value; call it with (…)".into(),
            position: None,
        }),
        other => Ok(Some(to_json_value(other))),
    }
}

/// Converts a result to JSON in one walk, as jsonata-core's
/// `From<&JValue> for serde_json::Value` does (undefined, a non-finite number,
/// a function or a regex inside the value becomes `null`), except that whole
/// numbers are written as integers: JSONata computes with doubles, and a
/// mapped `8` should be written `8`, not `8.0`.
fn to_json_value(value: &JValue) -> Value {
    match value {
        JValue::Bool(b) => Value::Bool(*b),
        JValue::Number(n) => json_number(*n),
        JValue::String(s) => Value::String(s.to_string()),
        JValue::Array(items) => Value::Array(with_stack(|| items.iter().map(to_json_value).collect())),
        JValue::Object(map) => {
            Value::Object(with_stack(|| map.iter().map(|(k, v)| (k.clone(), to_json_value(v))).collect()))
        }
        _ => Value::Null,
    }
}

fn json_number(n: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if n.fract() == 0.0 && n.abs() < EXACT {
        Value::from(n as i64)
    } else {
        Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

fn evaluation_error(err: EvaluatorError) -> MappingError {
    let message = err.message().to_string();
    let code = code_of(&message);
    let kind = match code.as_deref() {
        Some("D1012") => MappingErrorKind::Timeout,
        Some("D1011") | Some("U1001") | Some("U1002") => MappingErrorKind::TooDeep,
        Some("U1003") => MappingErrorKind::Cancelled,
        _ => MappingErrorKind::Evaluation,
    };
    MappingError { kind, code, message, position: None }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn eval(expr: &str, input: Value) -> Result<Option<Value>, MappingError> {
        let expr = Expression::parse(expr)?;
        let steps = json!({"stp_a": {"id": 7}});
        Mapper::new(Some(&input), [("steps", &steps)], &Limits::default(), None).evaluate(&expr)
    }

    #[test]
    fn paths_read_the_input_and_bindings_read_variables() {
        assert_eq!(eval("body.petname", json!({"body": {"petname": "Gromit"}})), Ok(Some(json!("Gromit"))));
        assert_eq!(eval("$steps.stp_a.id + 1", json!({})), Ok(Some(json!(8))));
    }

    #[test]
    fn a_path_that_matches_nothing_is_undefined_not_null() {
        assert_eq!(eval("body.missing", json!({"body": {}})), Ok(None));
        assert_eq!(eval("body.present", json!({"body": {"present": null}})), Ok(Some(Value::Null)));
    }

    #[test]
    fn syntax_errors_carry_code_and_position() {
        let err = Expression::parse("body.name +").unwrap_err();
        assert_eq!(err.kind, MappingErrorKind::Syntax);
        assert_eq!(err.position, Some(11), "incomplete expression: error at the end: {err}");
        let err = Expression::parse("a ! b").unwrap_err();
        assert_eq!(err.position, Some(2), "the stray operator is at offset 2: {err}");
        assert!(err.code.is_some(), "a JSONata code is reported: {err}");
        let err = Expression::parse("foo(]").unwrap_err();
        assert_eq!(err.position, Some(4), "the bracket is at offset 4: {err}");
        assert!(err.to_string().ends_with("(at position 4)"), "{err}");
    }

    #[test]
    fn whole_numbers_come_out_as_integers_and_bindings_may_share_the_input() {
        let out = eval("[1.5, 4 * 0.5, 2e300, {\"n\": -3}, body.n]", json!({"body": {"n": 7}})).unwrap().unwrap();
        assert_eq!(out, json!([1.5, 2, 2e300, {"n": -3}, 7]));
        assert!(out[1].is_i64() && out[3]["n"].is_i64() && out[2].is_f64(), "{out}");

        // The input bound again (one conversion, shared) behaves as a copy would.
        let trigger = json!({"body": {"items": [[1, 2], {"a": [3]}], "n": [4]}});
        let copy = trigger.clone();
        for source in [
            "[$trigger = $, $trigger.body.items[1].a, body.items[0]]",
            "$trigger.body.n",
            "$trigger",
            "$$.body.items[0]",
        ] {
            let expr = Expression::parse(source).unwrap();
            let shared = Mapper::new(Some(&trigger), [("trigger", &trigger)], &Limits::default(), None).evaluate(&expr);
            let copied = Mapper::new(Some(&trigger), [("trigger", &copy)], &Limits::default(), None).evaluate(&expr);
            assert_eq!(shared, copied, "{source}");
        }
    }

    #[test]
    fn operators_from_other_languages_get_a_plain_words_hint() {
        for (source, hint) in [
            ("a && b", "JSONata writes `and` where JavaScript writes `&&`"),
            ("a || b", "JSONata writes `or` where JavaScript writes `||`"),
            ("status == 'Sold'", "JSONata compares with a single `=`"),
        ] {
            let error = Expression::parse(source).unwrap_err();
            assert_eq!(error.kind, MappingErrorKind::Syntax, "{source}");
            assert!(error.message.contains(hint), "{source}: {}", error.message);
        }
        let error = Expression::parse("a +").unwrap_err();
        assert!(!error.message.contains("JSONata writes"), "no hint where none applies: {}", error.message);
        assert!(Expression::parse("a and b or c = 'x'").is_ok());
    }

    #[test]
    fn codes_behind_a_label_or_missing_from_jsonata_core_are_still_reported() {
        let code = |expr: &str| Expression::parse(expr).unwrap_err().code;
        assert_eq!(code("2()").as_deref(), Some("T1006"), "`Invalid syntax: T1006: …`");
        assert_eq!(code("10e1000").as_deref(), Some("S0102"), "`Invalid number: S0102: …`");
        assert_eq!(code("1 /* open").as_deref(), Some("S0106"), "an unclosed comment");
        let err = eval("function($a, $b)<nn:n>{$a}(1, 2, 3)", json!({})).unwrap_err();
        assert_eq!(err.code.as_deref(), Some("T0410"), "`Signature validation failed: T0410: …`: {err}");
    }

    #[test]
    fn runaway_expressions_stop_with_an_error_instead_of_hanging_or_crashing() {
        let limits = Limits { timeout: Duration::from_millis(200), ..Limits::default() };
        let expr = Expression::parse("($f := function($n){ $n > 0 ? $f($n) : 0 }; $f(1))").unwrap();
        let err = Mapper::new(None, [], &limits, None).evaluate(&expr).unwrap_err();
        assert!(matches!(err.kind, MappingErrorKind::Timeout | MappingErrorKind::TooDeep), "{err:?}");

        let deep = Expression::parse("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))").unwrap();
        let err = Mapper::new(None, [], &limits, None).evaluate(&deep).unwrap_err();
        assert_eq!(err.kind, MappingErrorKind::TooDeep, "{err:?}");

        let huge = Expression::parse("$count([1..100000000])").unwrap();
        assert!(Mapper::new(None, [], &limits, None).evaluate(&huge).is_err(), "a 1e8-long sequence is refused");
    }

    #[test]
    fn a_cancelled_token_stops_evaluation() {
        let token = CancelToken::new();
        token.cancel();
        let expr = Expression::parse("$sum([1..1000000])").unwrap();
        let err = Mapper::new(None, [], &Limits::default(), Some(token)).evaluate(&expr).unwrap_err();
        assert_eq!(err.kind, MappingErrorKind::Cancelled, "{err:?}");
    }

    #[test]
    fn a_function_result_is_reported_not_returned() {
        let err = eval("function($x){$x}", json!({})).unwrap_err();
        assert_eq!(err.kind, MappingErrorKind::NotData);
    }

    #[test]
    fn step_references_are_found_wherever_they_appear() {
        let expr = Expression::parse(r#"{"a": $steps.stp_a.id, "b": $count($steps.stp_b.items[x > $steps.stp_a.n])}"#)
            .unwrap();
        assert_eq!(expr.step_references(), ["stp_a", "stp_b"]);
        assert!(Expression::parse("$trigger.body.steps").unwrap().step_references().is_empty());
    }
}
