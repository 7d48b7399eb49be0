//! JSONata mappings through `jsonata-core`, with the bindings of a flow and
//! limits that keep a user's expression from hanging or crashing the engine.
//!
//! An [`Expression`] is parsed once (per flow version) and is `Send + Sync`.
//! Evaluation values are not `Send`, so a [`Mapper`] is built on the thread
//! that evaluates, from plain JSON, and evaluates any number of expressions
//! against the same scope.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonata_core::ast::{AstNode, BinaryOp, Stage, StepId};
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
    /// Evaluation would build more data than one mapping may
    /// ([`MEMORY_LIMIT`]); the code is [`MEMORY_LIMIT_CODE`].
    TooLarge,
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
        // A million items is far beyond what a flow maps (a 10 MiB response
        // holds a few hundred thousand objects at most) and takes about
        // 24 MiB; ten million, jsonata-core's own ceiling for a range, take
        // 240 MiB in one step, nearly all of a mapping's MEMORY_LIMIT.
        Limits { timeout: Duration::from_secs(2), max_depth: Some(2_000), max_sequence: Some(1_000_000) }
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
            Ok(mut ast) => {
                guard(&mut ast);
                Ok(Expression { source: source.into(), ast: Arc::new(ast) })
            }
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
    budget: Rc<Budget>,
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
        let budget = Rc::new(Budget::new(options.clone()));
        let mut evaluator = Evaluator::with_options(context, options);
        register_guards(&mut evaluator, &budget);
        Mapper { evaluator, input, budget }
    }

    /// Evaluates one expression. `Ok(None)` means the result is undefined (a
    /// path that matched nothing), which is not the same as JSON `null`.
    pub fn evaluate(&mut self, expression: &Expression) -> Result<Option<Value>, MappingError> {
        self.budget.reset();
        let result = with_stack(|| self.evaluator.evaluate(&expression.ast, &self.input)).map_err(evaluation_error)?;
        // The result is written out as JSON: a value that shares one large
        // part many times (`[$x, $x, ...]`) is small here and huge there.
        if !matches!(result, JValue::Undefined | JValue::Lambda(_) | JValue::Builtin { .. }) {
            self.budget.charge_text(&result, false, "the result").map_err(evaluation_error)?;
        }
        to_json(&result)
    }
}

// ---------------------------------------------------------------------------
// Memory bounds.
//
// jsonata-core bounds time (`timeout_ms`), depth (`max_stack_depth`) and the
// length of the sequences it builds (`max_sequence_length`, and 1e7 for a
// range), but not the size of the strings and lists an expression builds:
// `$pad("", 2147483647)` asks for 2 GiB in one call, `$x & $x` doubles a
// string each time a recursion or `$reduce` goes round, and `$string` (or
// `&`, or writing the result out) of a value that shares one part many times
// (`$a := [$x, $x]; $b := [$a, $a]; ...`) writes out exponentially more than
// the value holds. The process would be killed by the OS long before the
// time limit.
//
// So every evaluation has a budget, [`MEMORY_LIMIT`] bytes of data it may
// build, and every construct that builds text or long lists is charged before
// (where its size depends on an argument, not on how much it reads) or
// right after (where its output is at most a few times its input) it runs.
// An expression past the budget fails with [`MEMORY_LIMIT_CODE`], and no
// single step can allocate much more than the budget before the charge.
//
// How, given that jsonata-core's evaluator cannot be changed: the parsed
// tree is rewritten once, at parse time (`guard`), so that
// - each operand of `&` goes through `$__hookline_text`, which charges the
//   text the operand becomes (a string's length; a value's serialisation,
//   measured with a walk that stops at the budget);
// - `$string(x)` charges the text of `x` the same way;
// - `$join`, `$split` and `$replace` are called through host functions that
//   work out the size of the result from the arguments, charge it, and then
//   call the built-in itself (in a fresh evaluator, so exactly the built-in's
//   behaviour and errors);
// - the other built-ins that return new text (`$substring`, `$uppercase`,
//   `$base64encode`, `$formatNumber`, ...) and the range operator are
//   charged for what they returned (`$__hookline_built`);
// - `$fromMillis` and `$now` pictures are checked for width modifiers
//   (`[Y,2000000000]`) that would pad a component to a huge width;
// and `$pad`, which jsonata-core lets a host replace, is replaced by a
// function that charges the padded width before padding.
//
// A call is rewritten only where the name cannot mean anything but the
// built-in: an expression that binds `$join` (`$join := ...`, a parameter
// named `$join`) keeps its own meaning for it. The rewriting keeps every case
// of the official JSONata suite passing (tests/jsonata_suite.rs).
//
// What is not covered: expressions a mapping builds as text and runs with
// `$eval`, and built-ins passed by reference (`$map(x, $string)`,
// `$f := $join`), are bounded by the time, depth and sequence limits only.
//
// A global allocator that counts what each evaluation allocates was the
// alternative: it would cover everything, but it sits under every allocation
// of the process, and it still could not make an allocation fail gently (Rust
// aborts the process when an allocation fails), so the argument-dependent
// checks above would be needed anyway.
// ---------------------------------------------------------------------------

/// The most data, in bytes, one evaluation of an expression may build: text
/// (each string it makes, counted whole, even when it is dropped right away)
/// and the items of the lists it splits, ranges and builds. Far beyond what a
/// mapping of webhook payloads and API responses needs, and far below what
/// would put the machine at risk.
pub const MEMORY_LIMIT: usize = 256 << 20;

/// The error code of an expression stopped by [`MEMORY_LIMIT`]. Hookline's
/// own code (JSONata's codes start with S, T, D or U).
pub const MEMORY_LIMIT_CODE: &str = "H1001";

/// What one item of a list takes, for charging lists (a `JValue` and its
/// share of the list's storage).
const ITEM_BYTES: usize = 24;

const TEXT: &str = "__hookline_text";
const PRETTY_TEXT: &str = "__hookline_pretty_text";
const BUILT: &str = "__hookline_built";
const PICTURE: &str = "__hookline_picture";
const THEN: &str = "__hookline_then";
const ITEMS: &str = "__hookline_items";

/// Built-ins called through a host function that charges their result
/// before calling them.
const CHECKED_CALLS: [(&str, &str); 3] =
    [("join", "__hookline_join"), ("split", "__hookline_split"), ("replace", "__hookline_replace")];

/// Built-ins whose new text is charged once they return it.
const BUILT_TEXT: [&str; 15] = [
    "substring",
    "substringBefore",
    "substringAfter",
    "uppercase",
    "lowercase",
    "trim",
    "base64encode",
    "base64decode",
    "encodeUrl",
    "encodeUrlComponent",
    "decodeUrl",
    "decodeUrlComponent",
    "formatNumber",
    "formatBase",
    "formatInteger",
];

/// What is left of one evaluation's [`MEMORY_LIMIT`], and what a built-in
/// called in a nested evaluator needs to stay within the evaluation's limits.
#[derive(Debug)]
struct Budget {
    left: Cell<usize>,
    started: Cell<Instant>,
    /// How many nested evaluators are running (a `$replace` function calling
    /// `$replace` ...).
    nesting: Cell<usize>,
    options: EvaluatorOptions,
}

/// The most nested evaluators one evaluation may run at once.
const MAX_NESTING: usize = 64;

impl Budget {
    fn new(options: EvaluatorOptions) -> Budget {
        Budget { left: Cell::new(MEMORY_LIMIT), started: Cell::new(Instant::now()), nesting: Cell::new(0), options }
    }

    fn reset(&self) {
        self.left.set(MEMORY_LIMIT);
        self.started.set(Instant::now());
        self.nesting.set(0);
    }

    /// The evaluation's options, with the time that is left of its limit.
    fn nested_options(&self) -> EvaluatorOptions {
        let mut options = self.options.clone();
        if let Some(ms) = options.timeout_ms {
            let spent = self.started.get().elapsed().as_millis() as u64;
            options.timeout_ms = Some(ms.saturating_sub(spent).max(1));
        }
        options
    }

    fn charge(&self, bytes: usize, what: &str) -> Result<(), EvaluatorError> {
        match self.left.get().checked_sub(bytes) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => {
                self.left.set(0);
                Err(too_large(what))
            }
        }
    }

    /// Charges the text `value` becomes (`$string`, `&`, the written result).
    fn charge_text(&self, value: &JValue, pretty: bool, what: &str) -> Result<(), EvaluatorError> {
        match text_size(value, pretty, self.left.get()) {
            Some(bytes) => self.charge(bytes, what),
            None => self.charge(usize::MAX, what),
        }
    }

    /// Charges a value a built-in has just built: its text, or its items.
    fn charge_built(&self, value: &JValue, what: &str) -> Result<(), EvaluatorError> {
        match value {
            JValue::String(s) => self.charge(s.len(), what),
            JValue::Array(items) => self.charge(items.len().saturating_mul(ITEM_BYTES), what),
            _ => Ok(()),
        }
    }
}

fn too_large(what: &str) -> EvaluatorError {
    let mib = MEMORY_LIMIT >> 20;
    EvaluatorError::EvaluationError(format!(
        "{MEMORY_LIMIT_CODE}: {what} would build more data than a mapping may use ({mib} MiB per evaluation); \
         the expression stops here so that it cannot exhaust memory"
    ))
}

/// The length of the text `$string` makes of `value` (pretty printed when
/// `pretty`), or `None` when it passes `cap`. A part the value holds several
/// times counts each time, as writing it out does; a large value is measured
/// with each shared part walked once, so that a value holding one part 2^40
/// times is measured as fast as it was built.
fn text_size(value: &JValue, pretty: bool, cap: usize) -> Option<usize> {
    // Most values are small: walk them plainly.
    const PLAIN_STEPS: usize = 1 << 16;
    let mut steps = 0;
    let size = match value {
        // A string is its own text, unquoted.
        JValue::String(s) => s.len(),
        other => match with_stack(|| plain_size(other, 0, pretty, &mut steps, PLAIN_STEPS)) {
            Some(size) => size,
            None => with_stack(|| shared_size(other, 0, pretty, &mut HashMap::new())),
        },
    };
    (size <= cap).then_some(size)
}

fn quoted_size(s: &str) -> usize {
    // Quotes, and at most six bytes (`\u001f`) for a character JSON escapes.
    s.len() + 2 + s.bytes().filter(|b| *b < 0x20 || *b == b'"' || *b == b'\\').count() * 5
}

/// The text size of `value`, or `None` after `max_steps` values.
fn plain_size(value: &JValue, depth: usize, pretty: bool, steps: &mut usize, max_steps: usize) -> Option<usize> {
    *steps += 1;
    if *steps > max_steps {
        return None;
    }
    let indent = if pretty { 2 * depth + 1 } else { 0 };
    Some(match value {
        JValue::String(s) => quoted_size(s) + indent,
        JValue::Array(items) => {
            let mut total = 2 + indent;
            for item in items.iter() {
                let item = with_stack(|| plain_size(item, depth + 1, pretty, steps, max_steps))?;
                total = total.saturating_add(item + 1);
            }
            total
        }
        JValue::Object(map) => {
            let mut total = 2 + indent;
            for (key, item) in map.iter() {
                let item = with_stack(|| plain_size(item, depth + 1, pretty, steps, max_steps))?;
                total = total.saturating_add(quoted_size(key) + 2 + item);
            }
            total
        }
        // A number is at most 24 characters; true, false, null and functions fewer.
        _ => 24 + indent,
    })
}

/// The text size of `value`, each list and object measured once (per depth,
/// which pretty printing indents by).
fn shared_size(value: &JValue, depth: usize, pretty: bool, seen: &mut HashMap<(usize, usize), usize>) -> usize {
    let indent = if pretty { 2 * depth + 1 } else { 0 };
    let key = match value {
        JValue::Array(items) => (items.as_ptr() as usize, if pretty { depth } else { 0 }),
        JValue::Object(map) => (Rc::as_ptr(map) as *const u8 as usize, if pretty { depth } else { 0 }),
        JValue::String(s) => return quoted_size(s) + indent,
        _ => return 24 + indent,
    };
    if let Some(size) = seen.get(&key) {
        return *size;
    }
    let mut total = 2 + indent;
    match value {
        JValue::Array(items) => {
            for item in items.iter() {
                total =
                    total.saturating_add(with_stack(|| shared_size(item, depth + 1, pretty, seen)).saturating_add(1));
            }
        }
        JValue::Object(map) => {
            for (key, item) in map.iter() {
                let item = with_stack(|| shared_size(item, depth + 1, pretty, seen));
                total = total.saturating_add(item.saturating_add(quoted_size(key) + 2));
            }
        }
        _ => {}
    }
    seen.insert(key, total);
    total
}

/// The widest padding a `$fromMillis`/`$now` picture asks for: the numbers
/// in the width modifiers (`[Y,8]`, `[M,*-2]`) of its markers.
fn picture_width(picture: &str) -> usize {
    let mut total = picture.len();
    let mut in_marker = false;
    let mut after_comma = false;
    let mut number: usize = 0;
    for c in picture.chars() {
        match c {
            '[' => (in_marker, after_comma) = (true, false),
            ']' => in_marker = false,
            ',' if in_marker => after_comma = true,
            _ => {}
        }
        match c.to_digit(10) {
            Some(d) if in_marker && after_comma => number = number.saturating_mul(10).saturating_add(d as usize),
            _ => {
                total = total.saturating_add(number);
                number = 0;
            }
        }
    }
    total.saturating_add(number)
}

/// How many times `pattern` matches `text`, at most: exactly for a string
/// pattern, the number of places a match could start for a regex.
fn matches_at_most(text: &str, pattern: &JValue) -> usize {
    match pattern {
        JValue::String(p) if !p.is_empty() => text.matches(&**p).count(),
        _ => text.chars().count() + 1,
    }
}

thread_local! {
    /// `$name($a0, $a1, ...)`, parsed once per built-in and argument count.
    static CALLS: RefCell<HashMap<(&'static str, usize), Rc<AstNode>>> = RefCell::new(HashMap::new());
}

/// Calls the built-in `name` with `args`, exactly as an expression would, in
/// a nested evaluator with what is left of the evaluation's limits. A
/// function among the arguments (a `$replace` replacement) runs there too,
/// so the nested evaluator has the guards as well.
fn call_builtin(budget: &Rc<Budget>, name: &'static str, args: &[JValue]) -> Result<JValue, EvaluatorError> {
    if budget.nesting.get() >= MAX_NESTING {
        return Err(EvaluatorError::EvaluationError(format!(
            "U1001: Stack overflow error: ${name} calls nest more than {MAX_NESTING} deep"
        )));
    }
    let call = CALLS.with(|calls| {
        let mut calls = calls.borrow_mut();
        let call = calls.entry((name, args.len())).or_insert_with(|| {
            let params: Vec<String> = (0..args.len()).map(|i| format!("$a{i}")).collect();
            let source = format!("${name}({})", params.join(", "));
            Rc::new(parser::parse(&source).expect("a call of a built-in parses"))
        });
        Rc::clone(call)
    });
    let mut context = Context::new();
    for (i, arg) in args.iter().enumerate() {
        context.bind(format!("a{i}"), arg.clone());
    }
    let mut evaluator = Evaluator::with_options(context, budget.nested_options());
    if args.iter().any(JValue::is_function) {
        register_guards(&mut evaluator, budget);
    }
    budget.nesting.set(budget.nesting.get() + 1);
    let result = evaluator.evaluate(&call, &JValue::Undefined);
    budget.nesting.set(budget.nesting.get() - 1);
    result
}

fn first(args: &[JValue]) -> JValue {
    args.first().cloned().unwrap_or(JValue::Undefined)
}

/// A host function of the guarded tree.
type GuardFn = dyn Fn(&[JValue]) -> Result<JValue, EvaluatorError>;

/// Registers the host functions the guarded tree calls (see above).
fn register_guards(evaluator: &mut Evaluator, budget: &Rc<Budget>) {
    let mut register = |name: &str, f: Box<GuardFn>| {
        evaluator.register_fn(name, move |args: &[JValue]| f(args)).expect("guard names are not built-ins");
    };

    let b = Rc::clone(budget);
    register(
        TEXT,
        Box::new(move |args| {
            let value = first(args);
            b.charge_text(&value, false, "turning a value into text (`&`, $string)")?;
            Ok(value)
        }),
    );
    let b = Rc::clone(budget);
    register(
        PRETTY_TEXT,
        Box::new(move |args| {
            let value = first(args);
            b.charge_text(&value, true, "$string")?;
            Ok(value)
        }),
    );
    let b = Rc::clone(budget);
    register(
        BUILT,
        Box::new(move |args| {
            let value = first(args);
            b.charge_built(&value, "a built-in function")?;
            Ok(value)
        }),
    );
    let b = Rc::clone(budget);
    register(
        PICTURE,
        Box::new(move |args| {
            let value = first(args);
            if let JValue::String(picture) = &value {
                b.charge(picture_width(picture), "a date picture")?;
            }
            Ok(value)
        }),
    );
    register(THEN, Box::new(|args| Ok(args.last().cloned().unwrap_or(JValue::Undefined))));
    let b = Rc::clone(budget);
    register(
        ITEMS,
        Box::new(move |args| {
            let value = first(args);
            if let JValue::Array(items) = &value {
                b.charge(items.len().saturating_mul(ITEM_BYTES), "`[...]`")?;
            }
            Ok(value)
        }),
    );

    let b = Rc::clone(budget);
    register(
        "__hookline_join",
        Box::new(move |args| {
            if let Some(JValue::Array(items)) = args.first() {
                let text: usize = items.iter().map(|item| if let JValue::String(s) = item { s.len() } else { 0 }).sum();
                let separator = match args.get(1) {
                    Some(JValue::String(s)) => s.len(),
                    _ => 0,
                };
                let gaps = items.len().saturating_sub(1);
                b.charge(text.saturating_add(separator.saturating_mul(gaps)), "$join")?;
            }
            call_builtin(&b, "join", args)
        }),
    );
    let b = Rc::clone(budget);
    register(
        "__hookline_split",
        Box::new(move |args| {
            if let (Some(JValue::String(text)), Some(separator)) = (args.first(), args.get(1)) {
                let mut pieces = match separator {
                    JValue::String(s) if s.is_empty() => text.chars().count(),
                    other => matches_at_most(text, other) + 1,
                };
                if let Some(JValue::Number(limit)) = args.get(2) {
                    pieces = pieces.min(limit.max(0.0) as usize);
                }
                b.charge(text.len().saturating_add(pieces.saturating_mul(ITEM_BYTES + 16)), "$split")?;
            }
            call_builtin(&b, "split", args)
        }),
    );
    let b = Rc::clone(budget);
    register(
        "__hookline_replace",
        Box::new(move |args| {
            if let (Some(JValue::String(text)), Some(pattern)) = (args.first(), args.get(1)) {
                if let Some(JValue::String(replacement)) = args.get(2) {
                    let mut matches = matches_at_most(text, pattern);
                    if let Some(JValue::Number(limit)) = args.get(3) {
                        matches = matches.min(limit.max(0.0) as usize);
                    }
                    // Each `$n` in the replacement repeats a part of a match;
                    // the matches do not overlap, so all of them together
                    // repeat the text at most once per `$`.
                    let groups = replacement.matches('$').count();
                    let size = text
                        .len()
                        .saturating_add(matches.saturating_mul(replacement.len()))
                        .saturating_add(groups.saturating_mul(text.len()));
                    b.charge(size, "$replace")?;
                }
            }
            let result = call_builtin(&b, "replace", args)?;
            // A function's replacements are known only now.
            if matches!(args.get(2), Some(r) if r.is_function()) {
                b.charge_built(&result, "$replace")?;
            }
            Ok(result)
        }),
    );

    let b = Rc::clone(budget);
    evaluator
        .register_fn_override("pad", move |args: &[JValue]| {
            if let (Some(JValue::String(text)), Some(JValue::Number(width))) = (args.first(), args.get(1)) {
                // As the built-in reads the width (saturating at 2^31).
                let width = (*width as i32).unsigned_abs() as usize;
                let widest_char = match args.get(2) {
                    Some(JValue::String(p)) if !p.is_empty() => p.chars().map(char::len_utf8).max().unwrap_or(1),
                    _ => 1,
                };
                b.charge(text.len().saturating_add(width.saturating_mul(widest_char)), "$pad")?;
            }
            call_builtin(&b, "pad", args)
        })
        .expect("$pad may be replaced");
}

// The rewriting of the parsed tree (see "Memory bounds" above).

fn call(name: &str, args: Vec<AstNode>) -> AstNode {
    AstNode::Function { name: name.to_string(), args, is_builtin: true }
}

fn wrap(node: &mut AstNode, name: &str) {
    let inner = std::mem::replace(node, AstNode::Null);
    *node = call(name, vec![inner]);
}

/// Wraps an argument, unless it is a literal (which builds nothing) or a
/// `?` placeholder (which must stay where it is).
fn wrap_argument(node: &mut AstNode, name: &str) {
    if !matches!(
        node,
        AstNode::String(_) | AstNode::Number(_) | AstNode::Boolean(_) | AstNode::Null | AstNode::Placeholder
    ) {
        wrap(node, name);
    }
}

/// Rewrites a parsed expression so that what it builds is charged.
fn guard(ast: &mut AstNode) {
    let mut bound = HashSet::new();
    with_stack(|| collect_bound(ast, &mut bound));
    with_stack(|| guard_node(ast, &bound));
}

/// The names the expression binds anywhere: an assignment's, a parameter's,
/// a focus or index variable's.
fn collect_bound(node: &AstNode, bound: &mut HashSet<String>) {
    if let AstNode::Binary { op: BinaryOp::ColonEqual, lhs, .. } = node {
        if let AstNode::Variable(name) = &**lhs {
            bound.insert(name.clone());
        }
    }
    if let AstNode::Lambda { params, .. } = node {
        bound.extend(params.iter().cloned());
    }
    if let AstNode::Path { steps } = node {
        for step in steps {
            bound.extend(step.focus.iter().cloned());
            bound.extend(step.index_var.iter().cloned());
            for stage in &step.stages {
                if let Stage::Index(name) = stage {
                    bound.insert(name.clone());
                }
            }
        }
    }
    for_each_child(node, &mut |child| with_stack(|| collect_bound(child, bound)));
}

fn for_each_child(node: &AstNode, f: &mut dyn FnMut(&AstNode)) {
    match node {
        AstNode::Path { steps } => {
            for step in steps {
                f(&step.node);
                for stage in &step.stages {
                    if let Stage::Filter(filter) = stage {
                        f(filter);
                    }
                }
            }
        }
        AstNode::Binary { lhs, rhs, .. } => {
            f(lhs);
            f(rhs);
        }
        AstNode::Unary { operand, .. } => f(operand),
        AstNode::Function { args, .. } => args.iter().for_each(&mut *f),
        AstNode::Call { procedure, args } => {
            f(procedure);
            args.iter().for_each(&mut *f);
        }
        AstNode::Lambda { body, .. } => f(body),
        AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => items.iter().for_each(&mut *f),
        AstNode::Object(pairs) => pairs.iter().for_each(|(k, v)| {
            f(k);
            f(v);
        }),
        AstNode::ObjectTransform { input, pattern } => {
            f(input);
            pattern.iter().for_each(|(k, v)| {
                f(k);
                f(v);
            });
        }
        AstNode::Conditional { condition, then_branch, else_branch } => {
            f(condition);
            f(then_branch);
            if let Some(e) = else_branch {
                f(e);
            }
        }
        AstNode::FunctionApplication(inner) => f(inner),
        AstNode::Sort { input, terms } => {
            f(input);
            terms.iter().for_each(|(t, _)| f(t));
        }
        AstNode::Transform { location, update, delete } => {
            f(location);
            f(update);
            if let Some(d) = delete {
                f(d);
            }
        }
        AstNode::String(_)
        | AstNode::Name(_)
        | AstNode::Number(_)
        | AstNode::Boolean(_)
        | AstNode::Null
        | AstNode::Undefined
        | AstNode::Placeholder
        | AstNode::Regex { .. }
        | AstNode::Variable(_)
        | AstNode::ParentVariable(_)
        | AstNode::Wildcard
        | AstNode::Descendant
        | AstNode::Parent(_) => {}
    }
}

fn guard_children(node: &mut AstNode, bound: &HashSet<String>) {
    let g = |child: &mut AstNode| with_stack(|| guard_node(child, bound));
    match node {
        AstNode::Path { steps } => {
            for step in steps.iter_mut() {
                let before = step.node.clone();
                g(&mut step.node);
                if step.node != before {
                    // A changed step is a new step to the evaluator's cache.
                    step.id = StepId::default();
                }
                for stage in step.stages.iter_mut() {
                    if let Stage::Filter(filter) = stage {
                        g(filter);
                    }
                }
            }
        }
        AstNode::Binary { lhs, rhs, .. } => {
            g(lhs);
            g(rhs);
        }
        AstNode::Unary { operand, .. } => g(operand),
        AstNode::Function { args, .. } => args.iter_mut().for_each(g),
        AstNode::Call { procedure, args } => {
            g(procedure);
            args.iter_mut().for_each(g);
        }
        AstNode::Lambda { body, .. } => g(body),
        AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => items.iter_mut().for_each(g),
        AstNode::Object(pairs) => pairs.iter_mut().for_each(|(k, v)| {
            g(k);
            g(v);
        }),
        AstNode::ObjectTransform { input, pattern } => {
            g(input);
            pattern.iter_mut().for_each(|(k, v)| {
                g(k);
                g(v);
            });
        }
        AstNode::Conditional { condition, then_branch, else_branch } => {
            g(condition);
            g(then_branch);
            if let Some(e) = else_branch {
                g(e);
            }
        }
        AstNode::FunctionApplication(inner) => g(inner),
        AstNode::Sort { input, terms } => {
            g(input);
            terms.iter_mut().for_each(|(t, _)| g(t));
        }
        AstNode::Transform { location, update, delete } => {
            g(location);
            g(update);
            if let Some(d) = delete {
                g(d);
            }
        }
        AstNode::String(_)
        | AstNode::Name(_)
        | AstNode::Number(_)
        | AstNode::Boolean(_)
        | AstNode::Null
        | AstNode::Undefined
        | AstNode::Placeholder
        | AstNode::Regex { .. }
        | AstNode::Variable(_)
        | AstNode::ParentVariable(_)
        | AstNode::Wildcard
        | AstNode::Descendant
        | AstNode::Parent(_) => {}
    }
}

/// An array written in place, which an enclosing `[...]` keeps whole
/// (jsonata-core's own test, which the wrapping must not change).
fn is_array_constructor(node: &AstNode) -> bool {
    match node {
        AstNode::Array(_) => true,
        AstNode::Path { steps } => matches!(steps.as_slice(), [step] if matches!(step.node, AstNode::Array(_))),
        _ => false,
    }
}

/// Whether `node` calls the built-in `name` (with `$`, not rebound by the
/// expression, no `?` placeholder).
fn builtin_call<'a>(node: &'a AstNode, bound: &HashSet<String>) -> Option<&'a str> {
    match node {
        AstNode::Function { name, args, is_builtin: true }
            if !bound.contains(name) && !args.iter().any(|a| matches!(a, AstNode::Placeholder)) =>
        {
            Some(name.as_str())
        }
        _ => None,
    }
}

fn guard_node(node: &mut AstNode, bound: &HashSet<String>) {
    // `x ~> $f(...)` calls `$f` with `x` first: the call's node must stay a
    // call of `$f`, so its guard goes around the chain or on `x`.
    if let AstNode::Binary { op: BinaryOp::ChainPipe, lhs, rhs } = node {
        with_stack(|| guard_node(lhs, bound));
        if let AstNode::Function { args, .. } = &mut **rhs {
            args.iter_mut().for_each(|a| with_stack(|| guard_node(a, bound)));
        } else {
            with_stack(|| guard_node(rhs, bound));
        }
        match builtin_call(rhs, bound) {
            Some("string") => wrap_argument(lhs, TEXT),
            Some(name) if BUILT_TEXT.contains(&name) => wrap(node, BUILT),
            Some(name) => {
                if let Some((_, checked)) = CHECKED_CALLS.iter().find(|(b, _)| *b == name) {
                    if let AstNode::Function { name, .. } = &mut **rhs {
                        *name = checked.to_string();
                    }
                }
            }
            None => {}
        }
        return;
    }
    guard_children(node, bound);
    guard_node_itself(node, bound);
}

/// Guards `node` itself, its children being guarded already.
fn guard_node_itself(node: &mut AstNode, bound: &HashSet<String>) {
    match node {
        AstNode::Binary { op: BinaryOp::Concatenate, lhs, rhs } => {
            wrap_argument(lhs, TEXT);
            wrap_argument(rhs, TEXT);
        }
        AstNode::Binary { op: BinaryOp::Range, .. } => wrap(node, BUILT),
        // `[$v, $v]` copies the items of each list it is given (a list
        // written in place, `[[1, 2], 3]`, is kept whole and not wrapped, so
        // it stays one).
        AstNode::Array(items) => {
            // A range in it was charged already.
            let charged = |item: &AstNode| matches!(item, AstNode::Function { name, .. } if name == BUILT);
            for item in items.iter_mut().filter(|item| !is_array_constructor(item) && !charged(item)) {
                wrap_argument(item, ITEMS);
            }
        }
        _ => match builtin_call(node, bound) {
            Some("string") => {
                let AstNode::Function { args, .. } = node else { unreachable!() };
                match args.len() {
                    0 => {
                        // `$string()` reads the context: charge it, then call.
                        let original = std::mem::replace(node, AstNode::Null);
                        *node = call(THEN, vec![call(TEXT, vec![AstNode::Variable(String::new())]), original]);
                    }
                    1 => wrap_argument(&mut args[0], TEXT),
                    _ => wrap_argument(&mut args[0], PRETTY_TEXT),
                }
            }
            Some("fromMillis") | Some("now") => {
                let AstNode::Function { name, args, .. } = node else { unreachable!() };
                let picture = if name == "now" { 0 } else { 1 };
                // Literal pictures too: `"[Y,2000000000]"` is the attack.
                if let Some(arg) = args.get_mut(picture).filter(|a| !matches!(a, AstNode::Placeholder)) {
                    wrap(arg, PICTURE);
                }
            }
            Some(name) if BUILT_TEXT.contains(&name) => wrap(node, BUILT),
            Some(name) => {
                if let Some((_, checked)) = CHECKED_CALLS.iter().find(|(b, _)| *b == name) {
                    if let AstNode::Function { name, .. } = node {
                        *name = checked.to_string();
                    }
                }
            }
            None => {}
        },
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
        Some(MEMORY_LIMIT_CODE) => MappingErrorKind::TooLarge,
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

    /// Evaluates with the default limits and asserts that the expression is
    /// stopped by the memory limit, well before the time limit.
    fn assert_too_large(source: &str) -> MappingError {
        // A generous time limit, so that what stops it is the memory limit
        // even on a busy machine.
        let limits = Limits { timeout: Duration::from_secs(20), ..Limits::default() };
        let started = std::time::Instant::now();
        let expr = Expression::parse(source).unwrap();
        let err = Mapper::new(None, [], &limits, None).evaluate(&expr).expect_err(source);
        assert_eq!(err.kind, MappingErrorKind::TooLarge, "{source}: {err:?}");
        assert_eq!(err.code.as_deref(), Some(MEMORY_LIMIT_CODE), "{source}");
        assert!(err.message.contains("256 MiB"), "{source}: {}", err.message);
        assert!(started.elapsed() < limits.timeout, "{source} took {:?}", started.elapsed());
        err
    }

    #[test]
    fn expressions_that_would_build_gigabytes_fail_with_a_memory_error() {
        let err = assert_too_large(r#"$pad("", 2147483647)"#);
        assert!(err.message.starts_with("H1001: $pad would build more data than a mapping may use"), "{err}");
        assert_too_large(r#"$pad("x", -2147483647, "💩")"#);
        assert_too_large(r#"($p := $pad; "" ~> $p(400000000))"#);
        // A string that doubles each time round a loop or a recursion.
        assert_too_large(r#"$reduce([1..64], function($acc, $i){ $acc & $acc }, "ab")"#);
        assert_too_large(r#"($f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; $f("ab", 64))"#);
        assert_too_large(r#"$reduce([1..200], function($acc, $i){ $base64encode($acc) }, "ab")"#);
        // A value that holds one part 2^40 times, written out.
        let doubled = r#"$d := function($v, $n){ $n = 0 ? $v : $d({"l": $v, "r": $v}, $n - 1) }"#;
        assert_too_large(&format!(r#"({doubled}; $string($d("abc", 40)))"#));
        assert_too_large(&format!(r#"({doubled}; $d("abc", 40) ~> $string())"#));
        assert_too_large(&format!(r#"({doubled}; $d({{"a": "b"}}, 40).$string())"#));
        assert_too_large(&format!(r#"({doubled}; $string($d("abc", 40), true))"#));
        assert_too_large(&format!(r#"({doubled}; "" & $d("abc", 40))"#));
        assert_too_large(&format!(r#"({doubled}; {{"result": $d("abc", 40)}})"#));
        // A list that doubles each time round (`[$v, $v]` copies `$v`'s items).
        assert_too_large(r#"($f := function($v, $n){ $n = 0 ? $count($v) : $f([$v, $v], $n - 1) }; $f([1], 64))"#);
        // One large string joined, split, replaced or copied many times.
        assert_too_large(r#"($x := $pad("", 100000); $join([1..100000].$x))"#);
        assert_too_large(r#"$join(["a", "b", "c"], $pad("", 200000000))"#);
        assert_too_large(r#"$split($pad("", 20000000), "")"#);
        assert_too_large(r#"$pad("", 20000000, ",") ~> $split(",")"#);
        assert_too_large(r#"$replace($pad("", 100000, "a"), "a", $pad("", 100000))"#);
        assert_too_large(r#"$replace($pad("", 100000, "a"), /a/, function($m){ $pad("", 100000) })"#);
        assert_too_large(r#"($x := $pad("", 10000000); $map([1..100], function(){ $uppercase($x) }))"#);
        assert_too_large(r#"$map([1..1000], function(){ [1..1000000] })"#);
        // Date pictures that pad a component to a huge width.
        assert_too_large(r#"$fromMillis(0, "[Y,2000000000]")"#);
        assert_too_large(r#"$now("[M,*-2000000000]")"#);
    }

    #[test]
    fn long_sequences_are_refused_before_they_are_built() {
        for source in ["[1..100000000]", "$count([1..2000000])", "$sum([1..2000].([1..1000].($)))"] {
            let err = eval(source, json!({})).expect_err(source);
            assert!(matches!(err.code.as_deref(), Some("D2014" | "D2015")), "{source}: {err:?}");
        }
    }

    #[test]
    fn the_guards_leave_ordinary_expressions_alone() {
        let input = json!({"items": [{"name": "a", "tags": ["x", "y"]}, {"name": "b", "tags": []}]});
        for (source, want) in [
            (r#"$pad("7", -3, "0")"#, json!("007")),
            (r#"$join(items.name, ", ")"#, json!("a, b")),
            (r#"items.name ~> $join("-")"#, json!("a-b")),
            (r#"$split("a,b,c", ",", 2)"#, json!(["a", "b"])),
            (r#"$replace("a-b-c", "-", "+")"#, json!("a+b+c")),
            (r#"$replace("abc", /b/, function($m){ $uppercase($m.match) })"#, json!("aBc")),
            (r#"items[0].$string()"#, json!(r#"{"name":"a","tags":["x","y"]}"#)),
            (r#"$string(items[1], true)"#, json!("{\n  \"name\": \"b\",\n  \"tags\": []\n}")),
            (r#"items.(name & ":" & $count(tags))"#, json!(["a:2", "b:0"])),
            (r#"$map(items, function($i){ $i.name & "!" })"#, json!(["a!", "b!"])),
            (r#"($join := function($a){ "mine" }; $join(items.name))"#, json!("mine")),
            (r#"$fromMillis(0, "[Y0001]-[M01]")"#, json!("1970-01")),
            (r#"$count([1..1000000])"#, json!(1_000_000)),
            (r#"$length($pad("", 10000000))"#, json!(10_000_000)),
        ] {
            assert_eq!(eval(source, input.clone()), Ok(Some(want)), "{source}");
        }
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
