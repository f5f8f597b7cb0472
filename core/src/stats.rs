//! Counters of the work done since the last reset: answers and abstentions by failure mode,
//! latency histograms of `rag_answer` and `embed_text`, model loads. The extension keeps one
//! [`Counters`] in shared memory for all backends; this module is its layout and arithmetic.
//!
//! Hand-written rather than a histogram crate: shared memory holds one fixed-size, `Copy` value
//! with no pointers (every backend maps it at its own address), which rules out heap-backed
//! histograms such as `hdrhistogram`.

use crate::compose::{
    AMBIGUOUS, INCOMPARABLE_UNITS, LOW_CONFIDENCE, NO_MATCH, PERIOD_NOT_AVAILABLE,
    VALUE_NOT_AVAILABLE,
};
use crate::rank::{FAILURE_EMPTY_QUERY, FAILURE_NO_DOCUMENTS};

/// The failure modes counted one by one; any other is counted as `other`.
pub const FAILURE_MODES: [&str; 8] = [
    NO_MATCH,
    PERIOD_NOT_AVAILABLE,
    AMBIGUOUS,
    LOW_CONFIDENCE,
    VALUE_NOT_AVAILABLE,
    INCOMPARABLE_UNITS,
    FAILURE_EMPTY_QUERY,
    FAILURE_NO_DOCUMENTS,
];

/// Buckets per doubling: a bucket spans a ratio of 2^(1/8) ≈ 1.09, so a reported quantile (the
/// bucket's geometric middle) is within ±4.5% of the true one.
const PER_DOUBLING: f64 = 8.0;
/// Bucket 0 holds latencies under 1 µs, the last one everything from 2^27 µs (134 s) up.
const BUCKETS: usize = 27 * 8 + 2;

/// A latency histogram in microseconds with log-spaced buckets.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C)]
pub struct Histogram {
    counts: [u64; BUCKETS],
    count: u64,
    sum_us: u64,
    max_us: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

fn bucket(us: u64) -> usize {
    if us == 0 {
        return 0;
    }
    // 1 µs is the start of bucket 1
    let b = 1 + ((us as f64).log2() * PER_DOUBLING).floor() as usize;
    b.min(BUCKETS - 1)
}

/// The geometric middle of bucket `b`, in microseconds.
fn middle(b: usize) -> f64 {
    if b == 0 {
        return 0.5;
    }
    2f64.powf((b as f64 - 0.5) / PER_DOUBLING)
}

impl Histogram {
    pub const fn new() -> Self {
        Self {
            counts: [0; BUCKETS],
            count: 0,
            sum_us: 0,
            max_us: 0,
        }
    }

    pub fn record(&mut self, us: u64) {
        self.counts[bucket(us)] += 1;
        self.count += 1;
        self.sum_us = self.sum_us.saturating_add(us);
        self.max_us = self.max_us.max(us);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The `q` quantile (0 < q ≤ 1) in milliseconds; None before the first observation.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (b, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                // never above the largest latency seen
                return Some(middle(b).min(self.max_us as f64) / 1000.0);
            }
        }
        unreachable!("the counts add up to count")
    }

    pub fn mean_ms(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_us as f64 / self.count as f64 / 1000.0)
    }

    pub fn max_ms(&self) -> Option<f64> {
        (self.count > 0).then(|| self.max_us as f64 / 1000.0)
    }
}

/// Everything counted since `reset_at` (Unix time in microseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C)]
pub struct Counters {
    pub reset_at_us: i64,
    answered: u64,
    abstained: [u64; FAILURE_MODES.len() + 1],
    rag_answer: Histogram,
    embed_text: Histogram,
    rows_embedded: u64,
    model_loads: u64,
    model_load_us: u64,
}

/// One figure of [`Counters::metrics`]: `label` qualifies it (a failure mode, a quantile).
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub metric: &'static str,
    pub label: Option<&'static str>,
    pub value: Option<f64>,
    pub unit: &'static str,
}

fn m(
    metric: &'static str,
    label: Option<&'static str>,
    value: Option<f64>,
    unit: &'static str,
) -> Metric {
    Metric {
        metric,
        label,
        value,
        unit,
    }
}

impl Counters {
    pub const fn new(reset_at_us: i64) -> Self {
        Self {
            reset_at_us,
            answered: 0,
            abstained: [0; FAILURE_MODES.len() + 1],
            rag_answer: Histogram::new(),
            embed_text: Histogram::new(),
            rows_embedded: 0,
            model_loads: 0,
            model_load_us: 0,
        }
    }

    /// One `rag_answer` call that returned: answered when `failure_mode` is None.
    pub fn answer(&mut self, failure_mode: Option<&str>, us: u64) {
        match failure_mode {
            None => self.answered += 1,
            Some(f) => {
                let i = FAILURE_MODES
                    .iter()
                    .position(|&k| k == f)
                    .unwrap_or(FAILURE_MODES.len());
                self.abstained[i] += 1;
            }
        }
        self.rag_answer.record(us);
    }

    /// One `embed_text` call.
    pub fn embed_text(&mut self, us: u64) {
        self.embed_text.record(us);
        self.rows_embedded += 1;
    }

    /// `n` texts embedded by a batch call (`embed_texts`, ingestion, re-embedding).
    pub fn embed_batch(&mut self, n: u64) {
        self.rows_embedded += n;
    }

    pub fn model_load(&mut self, us: u64) {
        self.model_loads += 1;
        self.model_load_us += us;
    }

    /// Every figure, in a fixed order: counts, then latencies (None before the first call).
    pub fn metrics(&self) -> Vec<Metric> {
        let answers = self.answered + self.abstained.iter().sum::<u64>();
        let mut out = vec![
            m(
                "since",
                None,
                Some(self.reset_at_us as f64 / 1e6),
                "unix_time",
            ),
            m("answers", None, Some(answers as f64), "count"),
            m("answered", None, Some(self.answered as f64), "count"),
        ];
        let labels = FAILURE_MODES.iter().copied().chain(["other"]);
        for (label, &n) in labels.zip(self.abstained.iter()) {
            out.push(m("abstentions", Some(label), Some(n as f64), "count"));
        }
        for (calls, latency, h) in [
            ("rag_answer_calls", "rag_answer_latency", &self.rag_answer),
            ("embed_text_calls", "embed_text_latency", &self.embed_text),
        ] {
            out.push(m(calls, None, Some(h.count() as f64), "count"));
            out.push(m(latency, Some("p50"), h.quantile_ms(0.50), "ms"));
            out.push(m(latency, Some("p99"), h.quantile_ms(0.99), "ms"));
            out.push(m(latency, Some("mean"), h.mean_ms(), "ms"));
            out.push(m(latency, Some("max"), h.max_ms(), "ms"));
        }
        out.push(m(
            "rows_embedded",
            None,
            Some(self.rows_embedded as f64),
            "count",
        ));
        out.push(m(
            "model_loads",
            None,
            Some(self.model_loads as f64),
            "count",
        ));
        out.push(m(
            "model_load_time",
            Some("total"),
            Some(self.model_load_us as f64 / 1000.0),
            "ms",
        ));
        out.push(m(
            "model_load_time",
            Some("mean"),
            (self.model_loads > 0)
                .then(|| self.model_load_us as f64 / self.model_loads as f64 / 1000.0),
            "ms",
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(c: &Counters, metric: &str, label: Option<&str>) -> Option<f64> {
        c.metrics()
            .into_iter()
            .find(|x| x.metric == metric && x.label == label)
            .unwrap_or_else(|| panic!("no {metric} {label:?}"))
            .value
    }

    #[test]
    fn quantiles_are_within_a_bucket() {
        let mut h = Histogram::new();
        assert_eq!(h.quantile_ms(0.5), None);
        // 1..=1000 ms, one each: p50 = 500 ms, p99 = 990 ms
        for ms in 1..=1000u64 {
            h.record(ms * 1000);
        }
        let p50 = h.quantile_ms(0.5).unwrap();
        let p99 = h.quantile_ms(0.99).unwrap();
        assert!((p50 / 500.0 - 1.0).abs() < 0.045, "{p50}");
        assert!((p99 / 990.0 - 1.0).abs() < 0.045, "{p99}");
        assert_eq!(h.max_ms(), Some(1000.0));
        assert!((h.mean_ms().unwrap() - 500.5).abs() < 1e-9);
    }

    #[test]
    fn a_quantile_never_exceeds_the_largest_latency() {
        let mut h = Histogram::new();
        h.record(1_900);
        // 1.9 ms is in the bucket [1.878, 2.048) ms, whose middle (1.961) is above it
        assert_eq!(h.quantile_ms(0.99), Some(1.9));
        // zero and enormous latencies land in the end buckets
        h.record(0);
        h.record(u64::MAX / 2);
        assert_eq!(h.count(), 3);
        assert_eq!(h.quantile_ms(1.0 / 3.0), Some(0.0005));
    }

    #[test]
    fn answers_and_abstentions_are_counted_by_failure_mode() {
        let mut c = Counters::new(1_700_000_000_000_000);
        c.answer(None, 2_000);
        c.answer(None, 3_000);
        c.answer(Some(NO_MATCH), 1_000);
        c.answer(Some(PERIOD_NOT_AVAILABLE), 1_000);
        c.answer(Some("something_new"), 1_000);
        assert_eq!(value(&c, "answers", None), Some(5.0));
        assert_eq!(value(&c, "answered", None), Some(2.0));
        assert_eq!(value(&c, "abstentions", Some(NO_MATCH)), Some(1.0));
        assert_eq!(
            value(&c, "abstentions", Some(PERIOD_NOT_AVAILABLE)),
            Some(1.0)
        );
        assert_eq!(value(&c, "abstentions", Some(AMBIGUOUS)), Some(0.0));
        assert_eq!(value(&c, "abstentions", Some("other")), Some(1.0));
        assert_eq!(value(&c, "rag_answer_calls", None), Some(5.0));
        assert_eq!(value(&c, "since", None), Some(1_700_000_000.0));
        // no embed_text call yet: its latencies are unknown, not zero
        assert_eq!(value(&c, "embed_text_calls", None), Some(0.0));
        assert_eq!(value(&c, "embed_text_latency", Some("p50")), None);
        assert_eq!(value(&c, "model_load_time", Some("mean")), None);
    }

    #[test]
    fn embeddings_and_model_loads_add_up() {
        let mut c = Counters::new(0);
        c.embed_text(4_400);
        c.embed_batch(64);
        c.model_load(300_000);
        c.model_load(100_000);
        assert_eq!(value(&c, "embed_text_calls", None), Some(1.0));
        assert_eq!(value(&c, "rows_embedded", None), Some(65.0));
        assert_eq!(value(&c, "model_loads", None), Some(2.0));
        assert_eq!(value(&c, "model_load_time", Some("total")), Some(400.0));
        assert_eq!(value(&c, "model_load_time", Some("mean")), Some(200.0));
        assert_eq!(value(&c, "embed_text_latency", Some("max")), Some(4.4));
    }
}
