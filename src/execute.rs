//! Runs a plan: the one place in the answer path that executes catalogue-driven SQL. The texts
//! are the core's constants (dosm_rag_core::plan), each prepared once per backend; values are
//! parameters. Read-only SPI, so answers work on a hot standby.

use std::cell::RefCell;
use std::collections::HashMap;
use std::mem::ManuallyDrop;

use dosm_rag_core::compose::Row;
use dosm_rag_core::intent::Operation;
use dosm_rag_core::plan::Plan;
use pgrx::prelude::*;
use pgrx::spi::OwnedPreparedStatement;
use pgrx::{JsonB, PgBuiltInOids, PgOid};

thread_local! {
    static PLANS: ManuallyDrop<RefCell<HashMap<&'static str, OwnedPreparedStatement>>> =
        ManuallyDrop::new(RefCell::new(HashMap::new()));
}

pub fn run(plan: &Plan) -> Vec<Row> {
    Spi::connect(|client| {
        PLANS.with(|cell| {
            let mut plans = cell.borrow_mut();
            if !plans.contains_key(plan.sql) {
                let text = PgOid::BuiltIn(PgBuiltInOids::TEXTOID);
                let types = vec![text; plan.params.len()];
                let prepared = client
                    .prepare(plan.sql, &types)
                    .unwrap_or_else(|e| pgrx::error!("dosm_rag lookup failed: {e}"));
                plans.insert(plan.sql, prepared.keep());
            }
            let stmt = plans.get(plan.sql).expect("prepared above");
            let args: Vec<pgrx::datum::DatumWithOid> = plan
                .params
                .iter()
                .map(|p| match p {
                    Some(p) => p.as_str().into(),
                    None => pgrx::datum::DatumWithOid::null::<String>(),
                })
                .collect();
            let computed = plan.op != Operation::Lookup;
            let rows = client
                .select(stmt, None, &args)
                .unwrap_or_else(|e| pgrx::error!("dosm_rag lookup failed: {e}"));
            rows.map(|r| Row {
                id: r.get::<i64>(1).ok().flatten().unwrap_or_default(),
                row_ref: r.get::<i64>(2).ok().flatten().unwrap_or_default(),
                content: r.get::<String>(3).ok().flatten().unwrap_or_default(),
                metadata: r
                    .get::<JsonB>(4)
                    .ok()
                    .flatten()
                    .and_then(|j| j.0.as_object().cloned())
                    .unwrap_or_default(),
                period: r.get::<String>(5).ok().flatten(),
                member: computed
                    .then(|| r.get::<String>(6).ok().flatten())
                    .flatten(),
                value: computed
                    .then(|| r.get::<String>(7).ok().flatten())
                    .flatten(),
                computed: computed
                    .then(|| r.get::<JsonB>(8).ok().flatten())
                    .flatten()
                    .and_then(|j| j.0.as_object().cloned()),
            })
            .collect()
        })
    })
}
