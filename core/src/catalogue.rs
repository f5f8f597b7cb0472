//! The catalogue: what each dataset is, what its columns mean and which values they hold.
//!
//! Two shapes live here:
//! - [`Entry`]: a publisher's catalogue entry (the data-gov-my format OpenDOSM serves, current
//!   and 2023 layouts) read from JSON and checked against a file's columns, with column roles
//!   and units worked out ([`define`]). Ingestion stores the result in `dosm_rag.datasets` and
//!   `dosm_rag.columns`.
//! - [`Catalogue`]: the snapshot the answer engine reads (`dosm_rag.catalogue_snapshot()`):
//!   datasets, columns, their value dictionaries with every label (publisher translations,
//!   shipped code lists, aliases) and each dataset's periods.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::question::{stem, tokens};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Period,
    Dimension,
    Measure,
    /// Describes a row without identifying it (a unit column, a note): shown, never filtered.
    Attribute,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Frequency {
    Annual,
    Quarterly,
    Monthly,
    #[default]
    Other,
}

impl Frequency {
    pub fn parse(s: &str) -> Frequency {
        match s.trim().to_ascii_uppercase().as_str() {
            "YEARLY" | "ANNUAL" | "ANNUALLY" => Frequency::Annual,
            "QUARTERLY" => Frequency::Quarterly,
            "MONTHLY" => Frequency::Monthly,
            _ => Frequency::Other,
        }
    }

    /// From the period values themselves: all in January → annual; all in quarter-start months
    /// → quarterly; else monthly.
    pub fn infer(periods: &[String]) -> Frequency {
        let months: BTreeSet<u32> = periods
            .iter()
            .filter_map(|p| p.get(5..7).and_then(|m| m.parse().ok()))
            .collect();
        if periods.iter().all(|p| p.len() == 4) || months == BTreeSet::from([1]) {
            Frequency::Annual
        } else if months.iter().all(|m| [1, 4, 7, 10].contains(m)) && months.len() > 1 {
            Frequency::Quarterly
        } else if !months.is_empty() {
            Frequency::Monthly
        } else {
            Frequency::Other
        }
    }
}

/// One column of a publisher's entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub title_en: Option<String>,
    pub title_ms: Option<String>,
    pub description_en: Option<String>,
    pub description_ms: Option<String>,
}

/// A publisher's catalogue entry, either layout, reduced to what dosm_rag uses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub title_en: Option<String>,
    pub title_ms: Option<String>,
    pub description_en: Option<String>,
    pub description_ms: Option<String>,
    pub frequency: Option<String>,
    pub data_as_of: Option<String>,
    pub last_updated: Option<String>,
    pub next_update: Option<String>,
    pub source_url: Option<String>,
    pub publication_en: Option<String>,
    pub fields: Vec<Field>,
    /// Value (or code) → display label, per language.
    pub translations_en: BTreeMap<String, String>,
    pub translations_ms: BTreeMap<String, String>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.trim().is_empty() && s.trim() != "—" && s.trim() != "-" => {
            Some(s.trim().to_string())
        }
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Why an entry cannot be used for a file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EntryError {
    #[error("the catalogue entry is not a JSON object with a list of fields")]
    NotAnEntry,
    #[error("the catalogue entry does not match the file's columns: {}", describe_mismatch(.missing, .extra))]
    Mismatch {
        /// In the file, not in the entry.
        missing: Vec<String>,
        /// In the entry, not in the file.
        extra: Vec<String>,
    },
}

fn describe_mismatch(missing: &[String], extra: &[String]) -> String {
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("columns not in the entry: {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        parts.push(format!(
            "entry fields not in the file: {}",
            extra.join(", ")
        ));
    }
    parts.join("; ")
}

impl Entry {
    /// Read either layout: the current one (`title_en`, `fields`, `translations_en`) or the
    /// 2023 one (`file` with `variables`, `description.en`, per-variable `catalog_data`).
    pub fn from_json(v: &Value) -> Result<Entry, EntryError> {
        if let Some(fields) = v.get("fields").and_then(Value::as_array) {
            return Ok(Entry {
                title_en: text(v, "title_en"),
                title_ms: text(v, "title_ms"),
                description_en: text(v, "description_en"),
                description_ms: text(v, "description_ms"),
                frequency: text(v, "frequency"),
                data_as_of: text(v, "data_as_of"),
                last_updated: text(v, "last_updated"),
                next_update: text(v, "next_update"),
                source_url: text(v, "link_csv").or_else(|| text(v, "link_parquet")),
                publication_en: text(v, "publication_en"),
                fields: fields
                    .iter()
                    .filter_map(|f| {
                        Some(Field {
                            name: text(f, "name")?,
                            title_en: text(f, "title_en"),
                            title_ms: text(f, "title_ms"),
                            description_en: text(f, "description_en"),
                            description_ms: text(f, "description_ms"),
                        })
                    })
                    .collect(),
                translations_en: string_map(v.get("translations_en")),
                translations_ms: string_map(v.get("translations_ms")),
            });
        }
        let file = v.get("file").ok_or(EntryError::NotAnEntry)?;
        let vars = file
            .get("variables")
            .and_then(Value::as_array)
            .ok_or(EntryError::NotAnEntry)?;
        let desc = file.get("description");
        let meta = vars
            .iter()
            .find_map(|x| x.get("catalog_data"))
            .cloned()
            .unwrap_or(Value::Null);
        let neutral = meta.get("metadata_neutral").cloned().unwrap_or(Value::Null);
        let title_en = match (
            text(file, "category_opendosm_en"),
            text(file, "subcategory_opendosm_en"),
        ) {
            (Some(a), Some(b)) if !a.contains(&b) => Some(format!("{a}: {b}")),
            (a, b) => a.or(b),
        };
        let title_ms = match (
            text(file, "category_opendosm_bm"),
            text(file, "subcategory_opendosm_bm"),
        ) {
            (Some(a), Some(b)) if !a.contains(&b) => Some(format!("{a}: {b}")),
            (a, b) => a.or(b),
        };
        let mut tr_en = BTreeMap::new();
        let mut tr_ms = BTreeMap::new();
        for x in vars {
            if let Some(t) = x.pointer("/catalog_data/translations") {
                tr_en.extend(string_map(t.get("en")));
                tr_ms.extend(string_map(t.get("bm")));
            }
        }
        Ok(Entry {
            title_en,
            title_ms,
            description_en: desc.and_then(|d| text(d, "en")),
            description_ms: desc.and_then(|d| text(d, "bm")),
            frequency: meta
                .pointer("/catalog_filters/frequency")
                .and_then(Value::as_str)
                .map(str::to_string),
            data_as_of: text(&neutral, "data_as_of"),
            last_updated: text(&neutral, "last_updated"),
            next_update: text(&neutral, "next_update"),
            source_url: text(file, "link_csv").or_else(|| text(file, "link_parquet")),
            publication_en: meta
                .pointer("/metadata_lang/en/publication")
                .and_then(Value::as_str)
                .map(str::to_string),
            fields: vars
                .iter()
                .filter_map(|f| {
                    Some(Field {
                        name: text(f, "name")?,
                        title_en: text(f, "title_en"),
                        title_ms: text(f, "title_bm").or_else(|| text(f, "title_ms")),
                        description_en: text(f, "desc_en").or_else(|| text(f, "description_en")),
                        description_ms: text(f, "desc_bm").or_else(|| text(f, "description_ms")),
                    })
                })
                .collect(),
            translations_en: tr_en,
            translations_ms: tr_ms,
        })
    }

    /// The entry must describe exactly the file's columns.
    pub fn check_columns(&self, header: &[String]) -> Result<(), EntryError> {
        let named: BTreeSet<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
        let have: BTreeSet<&str> = header.iter().map(String::as_str).collect();
        let missing: Vec<String> = header
            .iter()
            .filter(|h| !named.contains(h.as_str()))
            .cloned()
            .collect();
        let extra: Vec<String> = self
            .fields
            .iter()
            .filter(|f| !have.contains(f.name.as_str()))
            .map(|f| f.name.clone())
            .collect();
        if missing.is_empty() && extra.is_empty() {
            Ok(())
        } else {
            Err(EntryError::Mismatch { missing, extra })
        }
    }

    fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// What the data says about one column (gathered by ingestion from the stored rows).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnStats {
    pub name: String,
    pub distinct: i64,
    pub nulls: i64,
    pub rows: i64,
    /// Every non-empty value parses as a number.
    pub numeric: bool,
    /// ... and as a whole number.
    pub integral: bool,
    /// Every non-empty value is a date (YYYY-MM-DD, YYYY-MM) or a year.
    pub periodic: bool,
}

/// A column as dosm_rag stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDef {
    pub name: String,
    pub position: i32,
    pub role: Role,
    pub title_en: Option<String>,
    pub title_ms: Option<String>,
    pub description_en: Option<String>,
    pub description_ms: Option<String>,
    /// Where the role came from: "catalogue" or "inferred".
    pub role_from: String,
}

/// The type tag a DOSM description starts with: "[Float] …" → "float".
fn type_tag(desc: Option<&str>) -> Option<String> {
    let d = desc?.trim_start();
    let rest = d.strip_prefix('[')?;
    let end = rest.find(']')?;
    Some(rest[..end].to_ascii_lowercase())
}

const PERIOD_NAMES: &[&str] = &[
    "date", "year", "month", "quarter", "period", "tarikh", "tahun",
];

/// Roles and labels for a file's columns, from its entry (when there is one) and its data.
/// `header` is in file order; `stats` has one element per column.
pub fn define(
    header: &[String],
    entry: Option<&Entry>,
    stats: &[ColumnStats],
) -> Result<Vec<ColumnDef>, EntryError> {
    if let Some(e) = entry {
        e.check_columns(header)?;
    }
    let stat = |n: &str| stats.iter().find(|s| s.name == n);
    let mut out = Vec::new();
    let mut have_period = false;
    for (i, name) in header.iter().enumerate() {
        let f = entry.and_then(|e| e.field(name));
        let s = stat(name);
        let tag = type_tag(f.and_then(|f| f.description_en.as_deref()));
        let periodic = s.is_some_and(|s| s.periodic);
        let numeric = s.is_some_and(|s| s.numeric);
        let (role, from) = match tag.as_deref() {
            Some(t) if t.starts_with("date") && periodic => (Role::Period, "catalogue"),
            Some(t) if t.starts_with("attribute") => (Role::Attribute, "catalogue"),
            Some(t) if t.starts_with("categorical") || t.starts_with("string") => {
                (Role::Dimension, "catalogue")
            }
            Some(t)
                if ["float", "integer", "numeric", "int", "double"]
                    .iter()
                    .any(|k| t.starts_with(k))
                    && numeric =>
            {
                (Role::Measure, "catalogue")
            }
            _ if periodic && PERIOD_NAMES.contains(&name.to_ascii_lowercase().as_str()) => {
                (Role::Period, "inferred")
            }
            _ if numeric => (Role::Measure, "inferred"),
            _ => (Role::Dimension, "inferred"),
        };
        let role = if role == Role::Period && have_period {
            Role::Dimension
        } else {
            role
        };
        have_period |= role == Role::Period;
        out.push(ColumnDef {
            name: name.clone(),
            position: i as i32,
            role,
            title_en: f
                .and_then(|f| f.title_en.clone())
                .or_else(|| Some(name.replace('_', " "))),
            title_ms: f.and_then(|f| f.title_ms.clone()),
            description_en: f.and_then(|f| f.description_en.clone()),
            description_ms: f.and_then(|f| f.description_ms.clone()),
            role_from: from.to_string(),
        });
    }
    Ok(out)
}

/// Measures that could instead be part of a row's key (whole numbers with few distinct values,
/// like a percentile), best candidate first. Ingestion promotes them to dimensions one at a
/// time while the period and dimensions do not identify rows uniquely.
pub fn key_candidates(defs: &[ColumnDef], stats: &[ColumnStats]) -> Vec<String> {
    let mut c: Vec<&ColumnStats> = stats
        .iter()
        .filter(|s| {
            s.integral
                && s.distinct <= 200
                && s.nulls == 0
                && defs
                    .iter()
                    .any(|d| d.name == s.name && d.role == Role::Measure)
        })
        .collect();
    c.sort_by_key(|s| (s.distinct, s.name.clone()));
    c.into_iter().map(|s| s.name.clone()).collect()
}

// ---------------------------------------------------------------------------------------------
// The snapshot the answer engine reads.

/// One value of a dimension column and every name it goes by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimValue {
    pub value: String,
    /// Display label in English and Malay (publisher translation or code list), if any.
    pub label_en: Option<String>,
    pub label_ms: Option<String>,
    /// Other names (aliases, code-list labels).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// A value meaning "not broken down" (overall, both sexes, all ages …).
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub role: Role,
    pub title_en: Option<String>,
    pub title_ms: Option<String>,
    pub description_en: Option<String>,
    pub description_ms: Option<String>,
    pub unit: Option<String>,
    pub unit_ms: Option<String>,
    #[serde(default)]
    pub values: Vec<DimValue>,
    /// Dimensions whose value fixes this one's (a district fixes its state), from the data.
    #[serde(default)]
    pub determined_by: Vec<String>,
    #[serde(default)]
    pub embedding: Option<Vec<f32>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    pub source: String,
    pub title_en: Option<String>,
    pub title_ms: Option<String>,
    pub description_en: Option<String>,
    pub description_ms: Option<String>,
    #[serde(default)]
    pub frequency: Frequency,
    pub data_as_of: Option<String>,
    pub next_update: Option<String>,
    pub source_url: Option<String>,
    pub licence: Option<String>,
    /// No publisher entry: roles and labels were inferred from the data.
    #[serde(default)]
    pub inferred: bool,
    pub columns: Vec<Column>,
    /// The period column's distinct values, ascending.
    #[serde(default)]
    pub periods: Vec<String>,
    #[serde(default)]
    pub embedding: Option<Vec<f32>>,
}

impl Column {
    /// A rate, a ratio or a percentage: its change is in percentage points (or in its own
    /// unit), never a percent of a percent.
    pub fn is_rate(&self) -> bool {
        let unit = self.unit.as_deref().unwrap_or("");
        let title_words = [&self.title_en, &self.title_ms]
            .into_iter()
            .flatten()
            .flat_map(|t| crate::question::tokens(t))
            .collect::<Vec<_>>();
        unit == "%"
            || unit.starts_with("per ")
            || title_words.iter().any(|t| {
                [
                    "rate",
                    "ratio",
                    "kadar",
                    "nisbah",
                    "inflation",
                    "inflasi",
                    "%",
                ]
                .contains(&t.as_str())
            })
    }
}

impl Dataset {
    /// Its titles and descriptions, English and Malay, those it has.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        [
            &self.title_en,
            &self.title_ms,
            &self.description_en,
            &self.description_ms,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
    }
    pub fn period_column(&self) -> Option<&Column> {
        self.columns.iter().find(|c| c.role == Role::Period)
    }
    pub fn dimensions(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.role == Role::Dimension)
    }
    pub fn measures(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.role == Role::Measure)
    }
    pub fn title(&self) -> &str {
        self.title_en.as_deref().unwrap_or(&self.source)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    pub datasets: Vec<Dataset>,
    /// Word → words it also means (shipped synonyms, e.g. "jobless" → "unemployment").
    #[serde(default)]
    pub synonyms: BTreeMap<String, Vec<String>>,
    /// Values that mean "not broken down" (dosm_rag.default_values): also the name of a wide
    /// table's aggregate column ("overall").
    #[serde(default)]
    pub defaults: Vec<String>,
}

impl Catalogue {
    /// Store the embedding of `source`'s texts (`column` None) or of one of its columns'; ignored
    /// when the catalogue has no such dataset or column.
    pub fn set_embedding(&mut self, source: &str, column: Option<&str>, v: Vec<f32>) {
        let Some(d) = self.datasets.iter_mut().find(|d| d.source == source) else {
            return;
        };
        match column {
            None => d.embedding = Some(v),
            Some(name) => {
                if let Some(c) = d.columns.iter_mut().find(|c| c.name == name) {
                    c.embedding = Some(v);
                }
            }
        }
    }

    /// Whether any dataset or column has an embedding.
    pub fn has_embeddings(&self) -> bool {
        self.datasets
            .iter()
            .any(|d| d.embedding.is_some() || d.columns.iter().any(|c| c.embedding.is_some()))
    }

    /// Cosine similarity of a question's (unit) vector `q` with a measure: the mean of its own
    /// and its dataset's, or whichever of the two is stored.
    pub fn similarity(&self, q: &[f32], dataset: usize, column: usize) -> Option<f64> {
        let dot = |v: &Vec<f32>| -> f64 { v.iter().zip(q).map(|(a, b)| (a * b) as f64).sum() };
        let d = self.datasets.get(dataset)?;
        let own = d
            .columns
            .get(column)
            .and_then(|c| c.embedding.as_ref())
            .map(dot);
        match (own, d.embedding.as_ref().map(dot)) {
            (Some(c), Some(d)) => Some((c + d) / 2.0),
            (c, d) => c.or(d),
        }
    }
}

/// Stemmed content tokens of a text.
pub fn words(text: &str) -> Vec<String> {
    tokens(text)
        .into_iter()
        .filter(|t| !crate::question::is_stop_word(t))
        .map(|t| stem(&t).to_string())
        .collect()
}

/// Descriptions start with a type tag and often a long explanation: the first sentence of what
/// follows the tag is what a column is.
pub fn description_head(desc: &str) -> &str {
    let d = desc.trim_start();
    let d = d
        .strip_prefix('[')
        .and_then(|r| r.find(']').map(|i| &r[i + 1..]))
        .unwrap_or(d);
    let end = d.find(". ").or_else(|| d.find("; ")).unwrap_or(d.len());
    d[..end].trim()
}

/// Inverse document frequency of every word over the catalogue's titles and descriptions
/// (datasets and columns), so that "rate", in many titles, counts less than "unemployment".
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    pub idf: HashMap<String, f64>,
    pub max_idf: f64,
    /// Words of any value label (places, categories): a question word among them is not
    /// unknown even when the chosen dataset does not have it.
    pub value_words: BTreeSet<String>,
}

impl Vocabulary {
    pub fn build(cat: &Catalogue) -> Vocabulary {
        let mut df: HashMap<String, usize> = HashMap::new();
        let mut docs = 0usize;
        let mut add = |text: &str| {
            let set: BTreeSet<String> = words(text).into_iter().collect();
            for w in set {
                *df.entry(w).or_default() += 1;
            }
        };
        let mut value_words = BTreeSet::new();
        for d in &cat.datasets {
            if d.title_en.is_none() {
                // no title: the source's name stands for it ("census_district")
                add(&d.source.replace('_', " "));
                docs += 1;
            }
            for t in d.texts() {
                add(t);
                docs += 1;
            }
            for c in &d.columns {
                let mut bag = String::new();
                for t in [&c.title_en, &c.title_ms].into_iter().flatten() {
                    bag.push_str(t);
                    bag.push(' ');
                }
                for t in [&c.description_en, &c.description_ms].into_iter().flatten() {
                    bag.push_str(description_head(t));
                    bag.push(' ');
                }
                bag.push_str(&c.name.replace('_', " "));
                add(&bag);
                docs += 1;
                for v in &c.values {
                    for l in v.labels() {
                        value_words.extend(words(l));
                    }
                }
            }
        }
        let n = docs.max(1) as f64;
        let idf: HashMap<String, f64> = df
            .into_iter()
            .map(|(w, f)| (w, (1.0 + n / f as f64).ln()))
            .collect();
        let max_idf = (1.0 + n).ln();
        Vocabulary {
            idf,
            max_idf,
            value_words,
        }
    }

    /// Weight of a question word: its idf, or the highest one for a word no title has.
    pub fn weight(&self, w: &str) -> f64 {
        self.idf.get(w).copied().unwrap_or(self.max_idf)
    }

    pub fn knows(&self, w: &str) -> bool {
        self.idf.contains_key(w) || self.value_words.contains(w)
    }
}

impl DimValue {
    /// Every name of the value: the value itself, its labels and aliases.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.value.as_str())
            .chain(self.label_en.as_deref())
            .chain(self.label_ms.as_deref())
            .chain(self.aliases.iter().map(String::as_str))
    }
    pub fn display(&self, lang: crate::question::Lang) -> &str {
        match lang {
            crate::question::Lang::Ms => self
                .label_ms
                .as_deref()
                .or(self.label_en.as_deref())
                .unwrap_or(&self.value),
            crate::question::Lang::En => self.label_en.as_deref().unwrap_or(&self.value),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn similarity_is_the_mean_of_the_measure_and_its_dataset() {
        let col = |name: &str| Column {
            name: name.into(),
            role: Role::Measure,
            title_en: None,
            title_ms: None,
            description_en: None,
            description_ms: None,
            unit: None,
            unit_ms: None,
            values: vec![],
            determined_by: vec![],
            embedding: None,
        };
        let mut cat = Catalogue {
            datasets: vec![Dataset {
                source: "t".into(),
                title_en: None,
                title_ms: None,
                description_en: None,
                description_ms: None,
                frequency: Frequency::Other,
                data_as_of: None,
                next_update: None,
                source_url: None,
                licence: None,
                inferred: true,
                columns: vec![col("a"), col("b")],
                periods: vec![],
                embedding: None,
            }],
            synonyms: BTreeMap::new(),
            defaults: vec![],
        };
        assert!(!cat.has_embeddings());
        assert_eq!(cat.similarity(&[1.0, 0.0], 0, 0), None);
        cat.set_embedding("t", Some("a"), vec![1.0, 0.0]);
        cat.set_embedding("elsewhere", None, vec![1.0, 0.0]);
        cat.set_embedding("t", Some("no such column"), vec![1.0, 0.0]);
        assert!(cat.has_embeddings());
        assert_eq!(cat.similarity(&[1.0, 0.0], 0, 0), Some(1.0));
        assert_eq!(cat.similarity(&[1.0, 0.0], 0, 1), None);
        cat.set_embedding("t", None, vec![0.0, 1.0]);
        assert_eq!(cat.similarity(&[1.0, 0.0], 0, 0), Some(0.5));
        assert_eq!(cat.similarity(&[1.0, 0.0], 0, 1), Some(0.0));
        assert_eq!(cat.similarity(&[1.0, 0.0], 1, 0), None);
    }

    use super::*;
    use serde_json::json;

    fn entry() -> Entry {
        Entry::from_json(&json!({
            "title_en": "Monthly CPI by Division (2-digit)",
            "frequency": "MONTHLY",
            "fields": [
                {"name": "date", "title_en": "Date", "description_en": "[Date] The date"},
                {"name": "division", "title_en": "Division", "description_en": "[String] 2-digit code"},
                {"name": "index", "title_en": "Index", "description_en": "[Float] Index value, with base 2010 = 100"}
            ],
            "translations_en": {"01": "Food & Beverages"}
        }))
        .unwrap()
    }

    fn stats(name: &str, numeric: bool, periodic: bool) -> ColumnStats {
        ColumnStats {
            name: name.into(),
            distinct: 10,
            rows: 100,
            numeric,
            integral: numeric,
            periodic,
            ..Default::default()
        }
    }

    #[test]
    fn roles_from_entry_tags() {
        let h: Vec<String> = ["date", "division", "index"].map(String::from).to_vec();
        let s = [
            stats("date", false, true),
            stats("division", false, false),
            stats("index", true, false),
        ];
        let defs = define(&h, Some(&entry()), &s).unwrap();
        let roles: Vec<Role> = defs.iter().map(|d| d.role).collect();
        assert_eq!(roles, vec![Role::Period, Role::Dimension, Role::Measure]);
        assert_eq!(entry().translations_en["01"], "Food & Beverages");
    }

    #[test]
    fn mismatch_names_the_columns() {
        let h: Vec<String> = ["date", "division", "value"].map(String::from).to_vec();
        let e = define(&h, Some(&entry()), &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the catalogue entry does not match the file's columns: columns not in the entry: value; entry fields not in the file: index"
        );
    }

    #[test]
    fn roles_inferred_without_entry() {
        let h: Vec<String> = ["year", "state", "rate"].map(String::from).to_vec();
        let s = [
            stats("year", true, true),
            stats("state", false, false),
            stats("rate", true, false),
        ];
        let defs = define(&h, None, &s).unwrap();
        assert_eq!(defs[0].role, Role::Period);
        assert_eq!(defs[1].role, Role::Dimension);
        assert_eq!(defs[2].role, Role::Measure);
        assert!(defs.iter().all(|d| d.role_from == "inferred"));
    }

    #[test]
    fn old_layout_is_read() {
        let e = Entry::from_json(&json!({"file": {
            "category_opendosm_en": "Gross Domestic Product", "subcategory_opendosm_en": "National GDP",
            "description": {"en": "Quarterly GDP", "bm": "KDNK suku tahunan"},
            "variables": [
                {"name": "date", "title_en": "Date", "title_bm": "Tarikh", "desc_en": "[Date] d"},
                {"name": "overall", "title_en": "Overall", "title_bm": "Keseluruhan", "desc_en": "[Integer] RM mil",
                 "catalog_data": {"catalog_filters": {"frequency": "QUARTERLY"},
                                  "metadata_neutral": {"data_as_of": "2023-06-30 23:59"}}}
            ]}}))
        .unwrap();
        assert_eq!(
            e.title_en.as_deref(),
            Some("Gross Domestic Product: National GDP")
        );
        assert_eq!(e.frequency.as_deref(), Some("QUARTERLY"));
        assert_eq!(e.data_as_of.as_deref(), Some("2023-06-30 23:59"));
        assert_eq!(e.fields[1].title_ms.as_deref(), Some("Keseluruhan"));
    }

    #[test]
    fn frequency_from_periods() {
        let p = |v: &[&str]| Frequency::infer(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(p(&["2020-01-01", "2021-01-01"]), Frequency::Annual);
        assert_eq!(
            p(&["2020-01-01", "2020-04-01", "2020-07-01"]),
            Frequency::Quarterly
        );
        assert_eq!(p(&["2020-01-01", "2020-02-01"]), Frequency::Monthly);
        assert_eq!(p(&["1970", "1980"]), Frequency::Annual);
    }

    #[test]
    fn description_head_drops_the_tag() {
        assert_eq!(
            description_head("[Float] Thousands of people ('000 people). More text"),
            "Thousands of people ('000 people)"
        );
    }
}

/// A shipped rule (`dosm_rag.unit_rules`): a column whose title or description contains
/// `needle` (case-insensitive) is measured in `unit_en` / `unit_ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitRule {
    pub needle: String,
    pub unit_en: String,
    pub unit_ms: Option<String>,
}

/// The unit of a column: the first rule (in priority order) that matches its title or the first
/// sentence of its description.
pub fn unit_of<'r>(def: &ColumnDef, rules: &'r [UnitRule]) -> Option<&'r UnitRule> {
    let hay = format!(
        "{} | {}",
        def.title_en.as_deref().unwrap_or(""),
        def.description_en.as_deref().unwrap_or("")
    )
    .to_lowercase();
    rules
        .iter()
        .find(|r| !r.needle.is_empty() && hay.contains(&r.needle.to_lowercase()))
}

/// Labels a description gives for coded values: "Either both sexes ('both'), male ('male') or
/// female ('female')" → both = "both sexes", male = "male", female = "female".
pub fn labels_from_description(desc: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = desc;
    let mut consumed = 0usize;
    while let Some(open) = rest.find("('").or_else(|| rest.find("(\"")) {
        let after = &rest[open + 2..];
        let Some(close) = after.find(['\'', '"']) else {
            break;
        };
        let value = after[..close].trim().to_string();
        // the label: the text since the previous delimiter
        let before = &desc[consumed..consumed + open];
        let start = [
            ",",
            ";",
            ":",
            "]",
            " or ",
            " either ",
            " Either ",
            " atau ",
            " ataupun ",
        ]
        .iter()
        .filter_map(|d| before.rfind(d).map(|i| i + d.len()))
        .max()
        .unwrap_or(0);
        let label = before[start..].trim().trim_start_matches("either ").trim();
        if !value.is_empty() && !label.is_empty() && label.len() <= 60 {
            out.push((value, label.to_string()));
        }
        let step = open + 2 + close + 1;
        consumed += step;
        rest = &rest[step..];
    }
    out
}

#[cfg(test)]
mod description_tests {
    use super::labels_from_description;

    #[test]
    fn coded_values_get_their_words() {
        let l = labels_from_description(
            "[String] Series type, either absolute values ('abs'), year-on-year growth ('growth_yoy') or month-on-month growth ('growth_mom')",
        );
        assert_eq!(
            l,
            vec![
                ("abs".into(), "absolute values".into()),
                ("growth_yoy".into(), "year-on-year growth".into()),
                ("growth_mom".into(), "month-on-month growth".into())
            ]
        );
        let l = labels_from_description(
            "[Categorical] Either both sexes ('both'), male ('male') or female ('female')",
        );
        assert_eq!(l[0], ("both".into(), "both sexes".into()));
        assert_eq!(l[2], ("female".into(), "female".into()));
        assert!(labels_from_description("[Float] Index value, with base 2010 = 100").is_empty());
    }
}
