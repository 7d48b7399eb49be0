//! How fast a step's mappings evaluate through Hookline's adapter
//! (`hookline_engine::mapping`). Expressions are parsed once, as a flow
//! version's are. Each case is measured two ways:
//!
//! - `evaluate`: one `Mapper` reused, as a step evaluates all its fields with
//!   one mapper;
//! - `new_mapper_and_evaluate`: a `Mapper` built from plain JSON (the trigger
//!   and the `$trigger`/`$steps`/`$params`/`$execution` bindings) for every
//!   evaluation, so the cost of building one is known.
//!
//! `infer_schema_50_samples` times inferring a step's output schema from 50
//! samples, as the mapping editor does for its source tree.
//!
//! Run with `cargo bench -p hookline-engine --bench mapping`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use hookline_engine::mapping::{Expression, Limits, Mapper};
use hookline_engine::schema::infer_schema;
use serde_json::{json, Value};

/// A webhook as a trigger delivers it: headers, query and a small body.
fn pet_webhook() -> Value {
    json!({
        "method": "POST",
        "path": "/hooks/pets",
        "headers": {
            "content-type": "application/json",
            "user-agent": "PetStore-Webhooks/2.1",
            "x-request-id": "9b2f6c1e-4d7a-4e0b-9a51-3c8d2f7e1a44"
        },
        "query": {"source": "store"},
        "body": {"petname": "Gromit", "species": "dog", "age": 4, "owner": {"name": "Wallace"}}
    })
}

/// An order webhook of about 1 KB: customer, shipping address and items.
fn order_webhook() -> Value {
    json!({
        "method": "POST",
        "path": "/hooks/orders",
        "headers": {"content-type": "application/json", "x-shop-topic": "orders/create"},
        "query": {},
        "body": {
            "id": "ord_01HZX3K9Q4T7M2",
            "number": 10482,
            "created_at": "2026-03-14T09:26:53Z",
            "currency": "EUR",
            "status": "paid",
            "customer": {
                "id": "cus_7731",
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": "Ada.Lovelace@Example.com",
                "phone": "+44 20 7946 0958",
                "tags": ["vip", "newsletter"],
                "orders_count": 12
            },
            "shipping_address": {
                "line1": "12 St James's Square",
                "line2": null,
                "city": "London",
                "postcode": "SW1Y 4JH",
                "country": "GB"
            },
            "items": [
                {"sku": "BK-ENG-001", "title": "Notes on the Analytical Engine", "price": 24.5, "quantity": 2, "category": "books"},
                {"sku": "PN-FTN-014", "title": "Fountain pen", "price": 39.0, "quantity": 1, "category": "stationery"},
                {"sku": "NB-A5-220", "title": "A5 notebook, dotted", "price": 8.75, "quantity": 4, "category": "stationery"},
                {"sku": "BK-MTH-007", "title": "Bernoulli numbers, a primer", "price": 17.25, "quantity": 1, "category": "books"}
            ],
            "discount_codes": [{"code": "SPRING10", "amount": 10}],
            "shipping": {"method": "express", "price": 7.5},
            "note": "Please gift wrap"
        }
    })
}

/// A 20-field mapping such as a "create invoice" step would have.
const ORDER_MAPPING: &str = r##"{
    "orderId": body.id,
    "orderNumber": "#" & $string(body.number),
    "placedAt": body.created_at,
    "customerId": body.customer.id,
    "customerName": body.customer.first_name & " " & body.customer.last_name,
    "email": $lowercase(body.customer.email),
    "vip": "vip" in body.customer.tags,
    "city": body.shipping_address.city,
    "country": body.shipping_address.country,
    "addressLine": body.shipping_address.line1 & ", " & body.shipping_address.postcode & " " & body.shipping_address.city,
    "itemCount": $count(body.items),
    "quantity": $sum(body.items.quantity),
    "subtotal": $sum(body.items.(price * quantity)),
    "total": $sum(body.items.(price * quantity)) + body.shipping.price - $sum(body.discount_codes.amount),
    "skus": body.items.sku,
    "books": body.items[category = "books"].title,
    "currency": body.currency,
    "crmContact": $steps.stp_lookup.contact.id,
    "region": $params.region,
    "trace": $execution.id & "/" & $trigger.headers."x-shop-topic"
}"##;

/// A 20-field mapping of the kind the mapping editor writes when fields are
/// picked from the sample tree: mostly paths, a few variables.
const ORDER_PATHS: &str = r##"{
    "orderId": body.id,
    "orderNumber": body.number,
    "placedAt": body.created_at,
    "currency": body.currency,
    "status": body.status,
    "customerId": body.customer.id,
    "firstName": body.customer.first_name,
    "lastName": body.customer.last_name,
    "email": body.customer.email,
    "phone": body.customer.phone,
    "line1": body.shipping_address.line1,
    "city": body.shipping_address.city,
    "postcode": body.shipping_address.postcode,
    "country": body.shipping_address.country,
    "shippingMethod": body.shipping.method,
    "shippingPrice": body.shipping.price,
    "note": body.note,
    "firstSku": body.items[0].sku,
    "crmContact": $steps.stp_lookup.contact.id,
    "region": $params.region
}"##;

/// The bindings a step sees, as the executor builds them.
fn step_bindings(trigger: Value) -> [(&'static str, Value); 4] {
    [
        ("trigger", trigger),
        ("steps", json!({"stp_lookup": {"contact": {"id": "crm_5521", "owner": "sales-eu", "score": 87}}})),
        ("params", json!({"region": "eu-west", "invoice_prefix": "INV"})),
        ("execution", json!({"id": "exe_01HZX3KA2B", "flow": "flw_orders", "version": 3, "attempt": 1})),
    ]
}

fn new_mapper(bindings: &[(&'static str, Value); 4], limits: &Limits) -> Mapper {
    Mapper::new(Some(&bindings[0].1), bindings.iter().map(|(name, value)| (*name, value)), limits, None)
}

fn bench_case(c: &mut Criterion, name: &str, source: &str, trigger: Value) {
    let expression = Expression::parse(source).expect("the benchmark expression parses");
    let bindings = step_bindings(trigger);
    let limits = Limits::default();
    let check = new_mapper(&bindings, &limits).evaluate(&expression).expect("evaluates");
    assert!(check.is_some(), "{name} maps to a value");

    let mut group = c.benchmark_group(name);
    let mut mapper = new_mapper(&bindings, &limits);
    group.bench_function("evaluate", |b| b.iter(|| mapper.evaluate(black_box(&expression)).unwrap()));
    group.bench_function("new_mapper_and_evaluate", |b| {
        b.iter(|| new_mapper(black_box(&bindings), &limits).evaluate(black_box(&expression)).unwrap())
    });
    group.finish();
}

fn mapping(c: &mut Criterion) {
    bench_case(c, "simple_path", "body.petname", pet_webhook());
    bench_case(c, "object_20_fields", ORDER_MAPPING, order_webhook());
    bench_case(c, "object_20_paths", ORDER_PATHS, order_webhook());
}

/// The mapping editor's source tree: a schema inferred from 50 samples of an
/// order webhook whose fields vary (some absent, some null).
fn inference(c: &mut Criterion) {
    let samples: Vec<Value> = (0..50)
        .map(|n| {
            let mut sample = order_webhook();
            let body = sample["body"].as_object_mut().unwrap();
            if n % 3 == 0 {
                body.remove("note");
            }
            if n % 5 == 0 {
                body.insert("discount_codes".into(), Value::Null);
            }
            body.insert("number".into(), json!(n));
            sample
        })
        .collect();
    let schema = infer_schema(&samples);
    assert!(schema["properties"]["body"]["properties"]["note"].is_object(), "the union holds every field");
    c.bench_function("infer_schema_50_samples", |b| b.iter(|| infer_schema(black_box(&samples))));
}

criterion_group!(benches, mapping, inference);
criterion_main!(benches);
