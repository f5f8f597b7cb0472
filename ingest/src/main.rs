//! `dosm-rag-ingest`: load a CSV file with a header into dosm_rag as one source.
//!
//! The file is read and validated in full first (header, equal field counts, UTF-8), so a malformed
//! file changes nothing. Then, in one transaction: rows are copied into a temporary staging table
//! in chunks and each chunk goes through `dosm_rag.ingest_table`, which embeds only rows whose text
//! changed. Re-ingesting an unchanged file embeds nothing. After a file that replaced or deleted
//! rows, a VACUUM of the source's partition of `dosm_rag.embeddings` runs (outside the
//! transaction): pgvector's HNSW graph keeps dead rows until then, and rows inserted among many
//! of them can be out of the index's reach.

mod parquet_input;

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// CSV file with a header row (.csv, or .csv.gz), or a Parquet file (.parquet).
    #[arg(long, env = "INPUT_DATASET")]
    input: PathBuf,
    /// Source name (unique per dataset). Default: the file name without extension.
    #[arg(long)]
    source: Option<String>,
    /// Dataset title. Default: from MANIFEST.csv next to the file, if listed there.
    #[arg(long)]
    title: Option<String>,
    /// Source URL. Default: from MANIFEST.csv.
    #[arg(long)]
    url: Option<String>,
    /// Licence. Default: from MANIFEST.csv.
    #[arg(long)]
    licence: Option<String>,
    /// Write a JSON summary of the run to DIR/<source>.json.
    #[arg(long, value_name = "DIR")]
    metadata_dir: Option<PathBuf>,
    /// PostgreSQL connection string.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,
    /// Rows per staging chunk (progress is reported per chunk).
    #[arg(long, default_value_t = 1000)]
    chunk_rows: usize,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Skip the VACUUM that follows a file which replaced or deleted rows, and the ANALYZE that
    /// follows any change (leave both to autovacuum).
    #[arg(long)]
    no_vacuum: bool,
    /// The publisher's data-catalogue entry (JSON) for the file. Default: catalogue/<name>.json
    /// beside the file, or <name>.json beside it, when present.
    #[arg(long, value_name = "FILE")]
    catalogue: Option<PathBuf>,
    /// Sessions that embed the file's new rows in parallel before it is written (default: the
    /// number of CPUs). Their vectors wait in dosm_rag.embedding_cache; the file's rows are
    /// still written in one transaction.
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Columns without a header name at the end of the header are dropped; by default a file that
    /// holds values in them is refused (with the line). This loads the named columns anyway and
    /// reports the lines whose unnamed fields were dropped.
    #[arg(long)]
    drop_unnamed_columns: bool,
    /// Do not read a catalogue entry even if one is beside the file: infer the roles from the data.
    #[arg(long, conflicts_with = "catalogue")]
    no_catalogue: bool,
    /// After loading, re-embed the source's rows that another model version embedded
    /// (`CALL dosm_rag.reembed(source)`: committed in batches, resumable; progress on stderr).
    #[arg(long)]
    reembed: bool,
}

/// The catalogue entry for `input`: --catalogue, else catalogue/<stem>.json or <stem>.json beside
/// the file.
fn catalogue_path(args: &Args) -> Option<PathBuf> {
    if args.no_catalogue {
        return None;
    }
    if let Some(p) = &args.catalogue {
        return Some(p.clone());
    }
    let dir = args.input.parent()?;
    let name = args.input.file_name()?.to_str()?;
    let stem = name.split('.').next()?;
    [
        dir.join("catalogue").join(format!("{stem}.json")),
        dir.join(format!("{stem}.json")),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// Read the entry and check it against the header before anything is written.
fn read_entry(path: &Path, headers: &[String]) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the catalogue entry {}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not valid JSON", path.display()))?;
    let entry = dosm_rag_core::catalogue::Entry::from_json(&v)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    entry
        .check_columns(headers)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(v)
}

/// Dates as m/d/yyyy (as some copies of DOSM files have them) → yyyy-mm-dd, per column: a column
/// is converted when every non-empty value is such a date. d/m/yyyy is recognised when a first
/// part is above 12. Returns the converted columns' names.
fn normalise_dates(headers: &[String], rows: &mut [csv::StringRecord]) -> Vec<String> {
    let parse = |v: &str| -> Option<(u32, u32, u32)> {
        let mut it = v.split('/');
        let a = it.next()?.parse().ok()?;
        let b = it.next()?.parse().ok()?;
        let y: u32 = it.next()?.parse().ok()?;
        (it.next().is_none() && (1000..=9999).contains(&y)).then_some((a, b, y))
    };
    let mut converted = Vec::new();
    for (ci, name) in headers.iter().enumerate() {
        let vals: Vec<Option<(u32, u32, u32)>> = rows
            .iter()
            .filter_map(|r| r.get(ci))
            .filter(|v| !v.is_empty())
            .map(parse)
            .collect();
        if vals.is_empty() || vals.iter().any(Option::is_none) {
            continue;
        }
        let day_first = vals.iter().flatten().any(|&(a, _, _)| a > 12);
        let valid = vals.iter().flatten().all(|&(a, b, _)| {
            let (m, d) = if day_first { (b, a) } else { (a, b) };
            (1..=12).contains(&m) && (1..=31).contains(&d)
        });
        if !valid {
            continue;
        }
        for r in rows.iter_mut() {
            let fields: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(i, v)| match (i == ci, parse(v)) {
                    (true, Some((a, b, y))) => {
                        let (m, d) = if day_first { (b, a) } else { (a, b) };
                        format!("{y:04}-{m:02}-{d:02}")
                    }
                    _ => v.to_string(),
                })
                .collect();
            *r = csv::StringRecord::from(fields);
        }
        converted.push(name.clone());
    }
    converted
}

struct Manifest {
    title: Option<String>,
    url: Option<String>,
    licence: Option<String>,
}

/// Title, URL and licence for `file` from a MANIFEST.csv beside it (columns file, title,
/// source_url, licence), if there is one.
fn manifest_entry(input: &Path) -> Result<Option<Manifest>> {
    let Some(path) = input.parent().map(|d| d.join("MANIFEST.csv")) else {
        return Ok(None);
    };
    if !path.exists() {
        return Ok(None);
    }
    let name = input
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let mut rdr =
        csv::Reader::from_path(&path).with_context(|| format!("reading {}", path.display()))?;
    let headers = rdr.headers()?.clone();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (Some(file_col), title_col, url_col, lic_col) =
        (col("file"), col("title"), col("source_url"), col("licence"))
    else {
        return Ok(None);
    };
    for rec in rdr.records() {
        let rec = rec.with_context(|| format!("reading {}", path.display()))?;
        if rec.get(file_col) == Some(name) {
            let get = |c: Option<usize>| {
                c.and_then(|c| rec.get(c))
                    .filter(|s| !s.is_empty())
                    .map(String::from)
            };
            return Ok(Some(Manifest {
                title: get(title_col),
                url: get(url_col),
                licence: get(lic_col),
            }));
        }
    }
    Ok(None)
}

/// Read and validate the whole file: a header of unique, non-empty names and rows of equal length.
/// A file read in full: header, rows, the file's sha256, and the lines whose unnamed trailing
/// fields were dropped.
struct Table {
    headers: Vec<String>,
    rows: Vec<csv::StringRecord>,
    sha: String,
    dropped_lines: Vec<u64>,
}

fn read_table(path: &Path, drop_unnamed: bool) -> Result<Table> {
    let raw = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let sha = format!("{:x}", Sha256::digest(&raw));
    if path.extension().is_some_and(|e| e == "parquet") {
        let (headers, rows) = parquet_input::read(raw, &path.display().to_string())?;
        check_headers(path, &headers)?;
        return Ok(Table {
            headers,
            rows,
            sha,
            dropped_lines: Vec::new(),
        });
    }
    // OpenDOSM also serves .csv.gz
    let bytes = if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&raw[..]), &mut out)
            .with_context(|| format!("{}: not a valid gzip file", path.display()))?;
        out
    } else {
        raw
    };
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes); // UTF-8 BOM
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let mut headers: Vec<String> = rdr
        .headers()
        .with_context(|| format!("{}: no valid header row", path.display()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    // unnamed columns at the end of the header (a trailing run of commas) are not the table's
    while headers.len() > 1 && headers.last().is_some_and(String::is_empty) {
        headers.pop();
    }
    let mut dropped_lines = Vec::new();
    check_headers(path, &headers)?;
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.with_context(|| format!("{}: malformed CSV", path.display()))?;
        let line = rec.position().map_or(0, |p| p.line());
        if rec.len() < headers.len() {
            bail!(
                "{}: line {line} has {} fields, the header has {}; nothing was loaded",
                path.display(),
                rec.len(),
                headers.len()
            );
        }
        if rec.len() > headers.len() {
            // fields beyond the header are accepted only when empty (a trailing comma run)
            if rec.iter().skip(headers.len()).any(|f| !f.is_empty()) {
                if !drop_unnamed {
                    bail!(
                        "{}: line {line} has values in {} fields beyond the header's {} named columns; nothing was loaded (--drop-unnamed-columns loads the named ones)",
                        path.display(),
                        rec.len() - headers.len(),
                        headers.len()
                    );
                }
                dropped_lines.push(line);
            }
            rows.push(rec.iter().take(headers.len()).collect());
            continue;
        }
        rows.push(rec);
    }
    Ok(Table {
        headers,
        rows,
        sha,
        dropped_lines,
    })
}

/// A header of unique, non-empty names.
fn check_headers(path: &Path, headers: &[String]) -> Result<()> {
    if headers.is_empty() || headers.iter().all(String::is_empty) {
        bail!("{}: the file is empty or has no header row", path.display());
    }
    let mut seen = HashSet::new();
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            bail!("{}: header column {} has no name", path.display(), i + 1);
        }
        if !seen.insert(h) {
            bail!("{}: header column {:?} appears twice", path.display(), h);
        }
    }
    Ok(())
}

/// `"name"` with embedded quotes doubled: PostgreSQL's identifier quoting. Hand-written because
/// the client crate has no identifier escaping; the names come from the file's header.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Seconds since `t`, to the millisecond, for the summary.
fn seconds_since(t: Instant) -> f64 {
    (t.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

/// Embed the file's rows in `jobs` parallel sessions into dosm_rag.embedding_cache (each chunk
/// committed on its own; rows the source or the cache already has are skipped by the server).
/// Returns how many rows were embedded.
#[allow(clippy::too_many_arguments)]
fn prefetch(
    config: &postgres::Config,
    jobs: usize,
    source: &str,
    title: &Option<String>,
    headers: &[String],
    rows: &[csv::StringRecord],
    chunk_rows: usize,
    bar: &ProgressBar,
) -> Result<i64> {
    let chunks: Vec<&[csv::StringRecord]> = rows.chunks(chunk_rows).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let embedded = std::sync::atomic::AtomicI64::new(0);
    let columns = headers
        .iter()
        .map(|h| format!("{} text", quote_ident(h)))
        .collect::<Vec<_>>()
        .join(", ");
    std::thread::scope(|scope| -> Result<()> {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                scope.spawn(|| -> Result<()> {
                    let mut client = config
                        .connect(postgres::NoTls)
                        .context("cannot connect to the database (check DATABASE_URL)")?;
                    client.batch_execute(&format!(
                        "CREATE TEMP TABLE dosm_rag_prefetch ({columns})"
                    ))?;
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(chunk) = chunks.get(i) else { break };
                        let mut tx = client.transaction()?;
                        tx.batch_execute("TRUNCATE dosm_rag_prefetch")?;
                        let mut writer = tx.copy_in("COPY dosm_rag_prefetch FROM STDIN (FORMAT csv)")?;
                        {
                            let mut out = csv::WriterBuilder::new()
                                .has_headers(false)
                                .from_writer(&mut writer);
                            for rec in *chunk {
                                out.write_record(rec)?;
                            }
                            out.flush()?;
                        }
                        writer.finish()?;
                        let n: i64 = tx
                            .query_one(
                                "SELECT dosm_rag.cache_embeddings('pg_temp.dosm_rag_prefetch'::regclass, $1, $2)",
                                &[&source, title],
                            )?
                            .get(0);
                        tx.commit()?;
                        embedded.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                        bar.inc(chunk.len() as u64);
                    }
                    Ok(())
                })
            })
            .collect();
        for w in workers {
            w.join()
                .map_err(|_| anyhow::anyhow!("an embedding session panicked"))??;
        }
        Ok(())
    })?;
    Ok(embedded.into_inner())
}

fn run(args: Args) -> Result<serde_json::Value> {
    let started = Instant::now();
    let source = match &args.source {
        Some(s) => s.clone(),
        // the name before its first dot: "cpi_2d.csv.gz" is cpi_2d
        None => args
            .input
            .file_name()
            .and_then(|s| s.to_str())
            .and_then(|s| s.split('.').next())
            .filter(|s| !s.is_empty())
            .context("cannot derive a source name from the file name; pass --source")?
            .to_string(),
    };
    let manifest = manifest_entry(&args.input)?;
    let title = args
        .title
        .clone()
        .or_else(|| manifest.as_ref().and_then(|m| m.title.clone()));
    let url = args
        .url
        .clone()
        .or_else(|| manifest.as_ref().and_then(|m| m.url.clone()));
    let licence = args
        .licence
        .clone()
        .or_else(|| manifest.as_ref().and_then(|m| m.licence.clone()));
    let Table {
        headers,
        mut rows,
        sha,
        dropped_lines,
    } = read_table(&args.input, args.drop_unnamed_columns)?;
    if !dropped_lines.is_empty() {
        eprintln!(
            "warning: {}: values beyond the named columns were dropped on {} lines (first: {})",
            args.input.display(),
            dropped_lines.len(),
            dropped_lines[0]
        );
    }
    let dates_converted = normalise_dates(&headers, &mut rows);
    let entry_path = catalogue_path(&args);
    let entry = entry_path
        .as_deref()
        .map(|p| read_entry(p, &headers))
        .transpose()?;
    // the publisher's title names the rows' dataset in their text (and so in their embeddings)
    let title = title.or_else(|| {
        entry
            .as_ref()
            .and_then(|e| dosm_rag_core::catalogue::Entry::from_json(e).ok())
            .and_then(|e| e.title_en)
    });

    let mut config: postgres::Config = args
        .database_url
        .parse()
        .context("DATABASE_URL is not a valid connection string")?;
    // The server's notices reach the user; its warnings are also kept, so that a VACUUM which
    // skipped the table (a role that does not own it) is not reported as done.
    let warnings: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&warnings);
    config.notice_callback(move |n| {
        eprintln!("{}: {}", n.severity().to_lowercase(), n.message());
        if n.severity() == "WARNING" {
            seen.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(n.message().to_string());
        }
    });
    let mut client = config
        .connect(postgres::NoTls)
        .context("cannot connect to the database (check DATABASE_URL)")?;
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(rows.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} rows, {per_sec}, eta {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let chunk_rows = args.chunk_rows.max(1);
    let prefetched = if jobs > 1 && rows.len() > chunk_rows {
        bar.set_message(format!("{source}: embedding in {jobs} sessions"));
        let n = prefetch(
            &config,
            jobs,
            &source,
            &title,
            &headers,
            &rows,
            chunk_rows.min(500),
            &bar,
        )?;
        bar.set_position(0);
        n
    } else {
        0
    };
    // With dosm_rag.partition_by_source on, the source's own partition of dosm_rag.embeddings
    // (created, or its rows moved there) in a short transaction of its own: the load's long one
    // then holds no lock on the partitioned table beyond its rows.
    client.query_one(
        "SELECT CASE WHEN coalesce(pg_catalog.current_setting('dosm_rag.partition_by_source', true), 'off')::bool \
         THEN dosm_rag.partition_source($1)::text END",
        &[&source],
    )?;
    let mut tx = client.transaction()?;
    let columns = headers
        .iter()
        .map(|h| format!("{} text", quote_ident(h)))
        .collect::<Vec<_>>()
        .join(", ");
    tx.batch_execute(&format!(
        "CREATE TEMP TABLE dosm_rag_stage ({columns}) ON COMMIT DROP"
    ))?;

    bar.set_message(source.clone());

    let mut totals = [0i64; 4]; // inserted, updated, unchanged, deleted
    let n_chunks = rows.len().div_ceil(chunk_rows).max(1);
    for chunk_no in 0..n_chunks {
        let chunk = rows.chunks(chunk_rows).nth(chunk_no).unwrap_or(&[]);
        tx.batch_execute("TRUNCATE dosm_rag_stage")?;
        let mut writer = tx.copy_in("COPY dosm_rag_stage FROM STDIN (FORMAT csv)")?;
        {
            let mut csv_out = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(&mut writer);
            for rec in chunk {
                csv_out.write_record(rec)?;
            }
            csv_out.flush()?;
        }
        writer.flush()?;
        writer.finish()?;
        let offset = (chunk_no * chunk_rows) as i64;
        let complete = chunk_no + 1 == n_chunks;
        let row = tx.query_one(
            "SELECT dosm_rag.ingest_table('pg_temp.dosm_rag_stage'::regclass, $1, $2, $3, $4, $5, $6)::text",
            &[&source, &title, &url, &licence, &offset, &complete],
        )?;
        let counts: serde_json::Value = serde_json::from_str(row.get::<_, &str>(0))?;
        for (i, key) in ["inserted", "updated", "unchanged", "deleted"]
            .iter()
            .enumerate()
        {
            totals[i] += counts[key].as_i64().unwrap_or(0);
        }
        bar.inc(chunk.len() as u64);
    }
    // the catalogue: roles, labels, periods, the exact-lookup table (same transaction)
    let row = tx.query_one(
        "SELECT dosm_rag.refresh_catalogue($1, $2::text::jsonb, $3)::text",
        &[&source, &entry.as_ref().map(|e| e.to_string()), &headers],
    )?;
    let catalogue: serde_json::Value = serde_json::from_str(row.get::<_, &str>(0))?;
    tx.commit()?;
    bar.finish_and_clear();

    // Rows of an older model version (unchanged content keeps its vector): moved to this one.
    let reembed = if args.reembed {
        let t = Instant::now();
        client.execute("CALL dosm_rag.reembed($1::text)", &[&source])?;
        serde_json::json!({"seconds": seconds_since(t)})
    } else {
        serde_json::Value::Null
    };

    // The rows are committed whatever happens here: a failed VACUUM is reported, not an error.
    let dead = totals[1] + totals[3];
    let vacuum = if dead == 0 || args.no_vacuum {
        serde_json::Value::Null
    } else {
        let t = Instant::now();
        warnings.lock().unwrap_or_else(|e| e.into_inner()).clear();
        // the partition holding the source: its own, or the default one
        let partition: String = client
            .query_one("SELECT dosm_rag.partition_of($1)::text", &[&source])?
            .get(0);
        // INDEX_CLEANUP ON: a plain VACUUM skips the indexes when few pages have dead rows
        // (PostgreSQL 14+), which would leave the replaced rows in the HNSW graph.
        let done = client.batch_execute(&format!("VACUUM (INDEX_CLEANUP ON) {partition}"));
        let skipped = warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .join("; ");
        match done {
            Ok(()) if skipped.is_empty() => {
                serde_json::json!({"seconds": seconds_since(t), "table": partition})
            }
            outcome => {
                let why = outcome.err().map_or(skipped, |e| format!("{e:#}"));
                eprintln!(
                    "warning: the rows are committed, but VACUUM {partition} did not run: {why}"
                );
                eprintln!("hint: run VACUUM {partition} as the table's owner; until then the HNSW index may miss rows inserted among the {dead} replaced or deleted ones");
                serde_json::json!({"error": why})
            }
        }
    };

    // Fresh statistics for the planner: right after a load the table's are of its old size and
    // sources (autovacuum analyses later), and a plan built on them can take seconds instead of
    // milliseconds (measured: 6.8 s against 0.16 s for one question on the CI eval's 96 000 rows).
    let changed = totals[0] + totals[1] + totals[3];
    let analyze = if changed == 0 || args.no_vacuum {
        serde_json::Value::Null
    } else {
        let t = Instant::now();
        warnings.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let partition: String = client
            .query_one("SELECT dosm_rag.partition_of($1)::text", &[&source])?
            .get(0);
        let done = client.batch_execute(&format!("ANALYZE {partition}, dosm_rag.facts"));
        let skipped = warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .join("; ");
        match done {
            Ok(()) if skipped.is_empty() => {
                serde_json::json!({"seconds": seconds_since(t), "tables": [partition, "dosm_rag.facts"]})
            }
            outcome => {
                let why = outcome.err().map_or(skipped, |e| format!("{e:#}"));
                eprintln!("warning: the rows are committed, but ANALYZE did not run: {why}");
                eprintln!("hint: run ANALYZE {partition}, dosm_rag.facts as their owner; until autovacuum does, questions may be planned on old statistics");
                serde_json::json!({"error": why})
            }
        }
    };

    Ok(serde_json::json!({
        "reembed": reembed,
        "analyze": analyze,
        "source": source,
        "file": args.input.display().to_string(),
        "sha256": sha,
        "title": title,
        "source_url": url,
        "licence": licence,
        "columns": headers,
        "rows": rows.len(),
        "inserted": totals[0],
        "updated": totals[1],
        "unchanged": totals[2],
        "deleted": totals[3],
        "vacuum": vacuum,
        "jobs": jobs,
        "embedded_in_parallel": prefetched,
        "catalogue_entry": entry_path.map(|p| p.display().to_string()),
        "catalogue": catalogue,
        "dates_converted": dates_converted,
        "unnamed_fields_dropped_on_lines": dropped_lines,
        "seconds": seconds_since(started),
    }))
}

fn main() {
    let args = Args::parse();
    let metadata_dir = args.metadata_dir.clone();
    match run(args) {
        Ok(summary) => {
            println!(
                "{}: {} rows — {} inserted, {} updated, {} unchanged, {} deleted ({} s)",
                summary["source"].as_str().unwrap_or_default(),
                summary["rows"],
                summary["inserted"],
                summary["updated"],
                summary["unchanged"],
                summary["deleted"],
                summary["seconds"]
            );
            if let Some(s) = summary["vacuum"]["seconds"].as_f64() {
                let table = summary["vacuum"]["table"].as_str().unwrap_or_default();
                println!("VACUUM {table} after replaced or deleted rows ({s:.3} s)");
            }
            if let Some(dir) = metadata_dir {
                let path = dir.join(format!(
                    "{}.json",
                    summary["source"].as_str().unwrap_or("source")
                ));
                let written = std::fs::create_dir_all(&dir).and_then(|_| {
                    std::fs::write(
                        &path,
                        serde_json::to_vec_pretty(&summary).unwrap_or_default(),
                    )
                });
                if let Err(e) = written {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    std::process::exit(1);
                }
            }
        }
        Err(e) => {
            // {:#} prints the whole cause chain on one line, including the server's message.
            eprintln!("error: {e:#}");
            if let Some(db) = e
                .chain()
                .find_map(|c| c.downcast_ref::<postgres::Error>())
                .and_then(|e| e.as_db_error())
            {
                if let Some(hint) = db.hint() {
                    eprintln!("hint: {hint}");
                }
            }
            eprintln!("nothing was changed for this file");
            std::process::exit(1);
        }
    }
}
