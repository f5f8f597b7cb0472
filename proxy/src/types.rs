//! The proxy's answer types: what `/predict`, MCP's tools and the chat page send. Each derives
//! its JSON Schema (`schemars`) for MCP's `inputSchema`/`outputSchema`, so the documents cannot
//! drift from the code.
//!
//! `Prediction` mirrors `dosm_rag.rag_answer()`'s jsonb field for field (core's `compose::Answer`):
//! the same fields are left out when empty, and any field a newer extension adds is kept as it
//! came (`other`), so a prediction passes through unchanged.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One cited row.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Citation {
    /// The dataset (source) the row belongs to.
    pub source: String,
    /// The row as stored: its columns and values.
    pub snippet: String,
    /// The row's 0-based position in the published file (header excluded).
    pub page_or_row: i64,
    pub title: Option<String>,
    pub source_url: Option<String>,
    /// Cosine similarity of the question to the row (fuzzy leg); null for a row found by exact
    /// lookup.
    pub similarity: Option<f64>,
    /// The stored row's id.
    pub id: i64,
}

/// `dosm_rag.rag_answer(question, k)`: an extractive or computed answer with its citations, or
/// an abstention (`failure_mode`) that says what the data has.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Prediction {
    /// One sentence in the question's language; null when it abstains with nothing to say.
    pub answer: Option<String>,
    pub citations: Vec<Citation>,
    /// 0 to 1; below the configured threshold the answer abstains.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub confidence: f64,
    /// Null when answered; else why not: empty_query, no_documents, low_confidence, no_match,
    /// period_not_available, ambiguous, value_not_available, incomparable_units.
    pub failure_mode: Option<String>,
    /// The published cell the answer quotes; for a computed answer its headline number (the top
    /// value of a ranking, a change's difference, the first minus the second of a comparison, a
    /// series' last value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// The dataset answered from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<Dataset>,
    /// The measure column answered from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
    /// The dimension values the answer fixed ({"state": "Johor"}).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Map<String, Value>>,
    /// The query that fetched the rows, runnable in psql.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// "en" or "ms".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// lookup, ranking, change, comparison or series.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// A computed answer's numbers, each from a cited row, in order (ranking: best first;
    /// comparison: the question's order; change and series: by period): {period, value, row,
    /// member, label}. A series answer's values are the series, e.g. to draw it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Map<String, Value>>,
    /// What SQL computed from them: ranking {column, direction, n, period, ranked}; change
    /// {from, to, from_value, to_value, difference, percent, difference_unit}; comparison;
    /// series {count, first, last, min, max, …}. percent is null for a rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub periods: Vec<String>,
    /// What else the question could mean: ask again with one of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Map<String, Value>>,
    /// The periods nearest to the one asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub available_periods: Vec<String>,
    /// Assumptions made ("latest period", "all ages"), in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Fields of a newer extension, passed through as they came.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The dataset an answer comes from (every field present, null when unknown).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Dataset {
    pub id: String,
    pub title: Option<String>,
    pub title_ms: Option<String>,
    pub data_as_of: Option<String>,
    pub next_update: Option<String>,
    pub source_url: Option<String>,
    pub licence: Option<String>,
    /// "publisher" or "inferred from the data".
    pub catalogue: String,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The measure column an answer comes from.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Measure {
    pub column: String,
    pub title: Option<String>,
    pub title_ms: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `POST /predict`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct PredictResponse {
    pub prediction: Prediction,
    /// Time in the proxy, in milliseconds.
    #[schemars(range(min = 0.0))]
    pub latency_ms: f64,
    /// The model that embedded the question (all-MiniLM-L6-v2@<sha256 prefix>).
    pub model_version: String,
}

/// A dataset as `search_datasets` lists it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct DatasetSummary {
    /// The dataset's id (its source name): pass it to describe_dataset and get_series.
    pub id: String,
    pub title_en: Option<String>,
    pub title_ms: Option<String>,
    /// annual, quarterly, monthly or other.
    pub frequency: String,
    /// The publisher's geography tags (NATIONAL, STATE, DISTRICT, …), when catalogued.
    pub geography: Option<Vec<String>>,
    /// The first and last period of the data.
    pub coverage: Coverage,
    pub data_as_of: Option<String>,
    /// The measures' column names.
    pub measures: Vec<String>,
    /// How well it matches the query (words and meaning), 0 to about 2.
    pub score: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Coverage {
    pub first: Option<String>,
    pub last: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct DatasetList {
    pub datasets: Vec<DatasetSummary>,
}

/// A measure or dimension column of a dataset.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Column {
    pub name: String,
    pub title_en: Option<String>,
    pub title_ms: Option<String>,
    pub description_en: Option<String>,
    pub description_ms: Option<String>,
    /// Measures only.
    pub unit: Option<String>,
}

/// One value of a dimension, with the publisher's labels.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct DimensionValue {
    pub value: String,
    pub label_en: Option<String>,
    pub label_ms: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Dimension {
    #[serde(flatten)]
    pub column: Column,
    /// The number of distinct values.
    pub n_values: i64,
    /// The values, at most the first 200 in order (`truncated` says when there are more).
    pub values: Vec<DimensionValue>,
    pub truncated: bool,
}

/// `describe_dataset`: what a dataset holds.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct DatasetDescription {
    pub id: String,
    pub title_en: Option<String>,
    pub title_ms: Option<String>,
    pub description_en: Option<String>,
    pub description_ms: Option<String>,
    pub frequency: String,
    pub data_as_of: Option<String>,
    pub next_update: Option<String>,
    pub source_url: Option<String>,
    pub licence: Option<String>,
    /// True when no publisher entry was given and roles and labels were inferred from the data.
    pub inferred: bool,
    pub measures: Vec<Column>,
    pub dimensions: Vec<Dimension>,
    /// The periods, ascending (at most the last 500; `coverage` has the whole range).
    pub periods: Vec<String>,
    pub coverage: Coverage,
    pub rows: i64,
}

/// One point of a series, with the row it comes from.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Point {
    pub period: Option<String>,
    pub value: Option<f64>,
    /// The cited row's source and 0-based row.
    pub source: String,
    pub row: i64,
}

/// `get_series`: the points of one series, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Series {
    pub dataset: String,
    pub measure: String,
    pub unit: Option<String>,
    /// Every dimension's value for this series.
    pub filters: Map<String, Value>,
    pub points: Vec<Point>,
    /// True when there were more points than `max_points`: the oldest are left out.
    pub truncated: bool,
    /// The SQL that fetched the points (or the answer's, for a question).
    pub sql: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_prediction_passes_through_unchanged() {
        let answer = json!({
            "answer": "The unemployment rate for Sabah was 5.7 percent in Q3 2025.",
            "citations": [{"source": "s", "snippet": "x", "page_or_row": 2, "title": null,
                           "source_url": null, "similarity": null, "id": 7}],
            "confidence": 0.825, "failure_mode": null, "value": 5.7, "unit": "percent",
            "period": "2025-Q3",
            "dataset": {"id": "s", "title": "T", "title_ms": null, "data_as_of": "2026-06",
                        "next_update": null, "source_url": null, "licence": null,
                        "catalogue": "publisher"},
            "measure": {"column": "value", "title": "Value", "title_ms": null},
            "filters": {"area": "Sabah"}, "sql": "SELECT 1", "lang": "en",
            "operation": "lookup", "notes": ["latest period"], "a_future_field": [1, 2]
        });
        let p: Prediction = serde_json::from_value(answer.clone()).unwrap();
        assert_eq!(p.other.get("a_future_field"), Some(&json!([1, 2])));
        assert_eq!(serde_json::to_value(&p).unwrap(), answer);
        let abstained = json!({"answer": null, "citations": [], "confidence": 0.0,
                               "failure_mode": "no_match"});
        let p: Prediction = serde_json::from_value(abstained.clone()).unwrap();
        assert_eq!(serde_json::to_value(&p).unwrap(), abstained);
    }

    #[test]
    fn schemas_name_their_fields() {
        let s = serde_json::to_value(schemars::schema_for!(Prediction)).unwrap();
        let props = s["properties"].as_object().unwrap();
        for f in [
            "answer",
            "value",
            "unit",
            "period",
            "citations",
            "failure_mode",
        ] {
            assert!(props.contains_key(f), "{f} missing from {s}");
        }
        let s = serde_json::to_value(schemars::schema_for!(Series)).unwrap();
        assert!(s["properties"]["points"].is_object());
    }
}
