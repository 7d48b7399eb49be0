use std::time::Instant;
use hookline_engine::mapping::{to_jvalue, Expression, Limits, Mapper};
use jsonata_core::evaluator::{Context, Evaluator, EvaluatorOptions};
use serde_json::json;

#[path = "/tmp/bench_mod.rs"]
#[allow(dead_code, unused_imports)]
mod b;

fn main() {
    let trigger = b::order_webhook();
    let bindings = [
        ("trigger", trigger.clone()),
        ("steps", json!({"stp_lookup": {"contact": {"id": "crm_5521", "owner": "sales-eu", "score": 87}}})),
        ("params", json!({"region": "eu-west", "invoice_prefix": "INV"})),
        ("execution", json!({"id": "exe_01HZX3KA2B", "flow": "flw_orders", "version": 3, "attempt": 1})),
    ];
    let n = 200_000;
    let ast = jsonata_core::parser::parse(b::ORDER_MAPPING).unwrap();
    for timeout in [None, Some(2000)] {
        let mut ctx = Context::new();
        for (k, v) in &bindings { ctx.bind(k.to_string(), to_jvalue(v)); }
        let input = to_jvalue(&trigger);
        let mut ev = Evaluator::with_options(ctx, EvaluatorOptions { timeout_ms: timeout, max_stack_depth: Some(2000), ..Default::default() });
        for _ in 0..1000 { ev.evaluate(&ast, &input).unwrap(); }
        let t = Instant::now();
        for _ in 0..n { std::hint::black_box(ev.evaluate(&ast, &input).unwrap()); }
        println!("{:8.0} ns  jsonata-core only, timeout {timeout:?}", t.elapsed().as_nanos() as f64 / n as f64);
    }
    let e = Expression::parse(b::ORDER_MAPPING).unwrap();
    let mut mapper = Mapper::new(Some(&bindings[0].1), bindings.iter().map(|(n, v)| (*n, v)), &Limits::default(), None);
    let t = Instant::now();
    for _ in 0..n { std::hint::black_box(mapper.evaluate(&e).unwrap()); }
    println!("{:8.0} ns  adapter", t.elapsed().as_nanos() as f64 / n as f64);
}
