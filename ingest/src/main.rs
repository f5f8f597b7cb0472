//! `dosm-rag-ingest`: load a CSV file with a header into dosm_rag as one source.
//!
//! The file is read and validated in full first (header, equal field counts, UTF-8), so a malformed
//! file changes nothing. Then, in one transaction: rows are copied into a temporary staging table
//! in chunks and each chunk goes through `dosm_rag.ingest_table`, which embeds only rows whose text
//! changed. Re-ingesting an unchanged file embeds nothing. After a file that replaced or deleted
//! rows, `VACUUM dosm_rag.embeddings` runs (outside the transaction): pgvector's HNSW graph keeps
//! dead rows until then, and rows inserted among many of them can be out of the index's reach.

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
    /// CSV file with a header row.
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
    /// Skip the VACUUM that follows a file which replaced or deleted rows (leave it to autovacuum).
    #[arg(long)]
    no_vacuum: bool,
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
fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<csv::StringRecord>, String)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let sha = format!("{:x}", Sha256::digest(&bytes));
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes); // UTF-8 BOM
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let headers: Vec<String> = rdr
        .headers()
        .with_context(|| format!("{}: no valid header row", path.display()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
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
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.with_context(|| format!("{}: malformed CSV", path.display()))?;
        rows.push(rec);
    }
    Ok((headers, rows, sha))
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

fn run(args: Args) -> Result<serde_json::Value> {
    let started = Instant::now();
    let source = match &args.source {
        Some(s) => s.clone(),
        None => args
            .input
            .file_stem()
            .and_then(|s| s.to_str())
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
    let (headers, rows, sha) = read_csv(&args.input)?;

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
    let mut tx = client.transaction()?;
    let columns = headers
        .iter()
        .map(|h| format!("{} text", quote_ident(h)))
        .collect::<Vec<_>>()
        .join(", ");
    tx.batch_execute(&format!(
        "CREATE TEMP TABLE dosm_rag_stage ({columns}) ON COMMIT DROP"
    ))?;

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
    bar.set_message(source.clone());

    let mut totals = [0i64; 4]; // inserted, updated, unchanged, deleted
    let chunk_rows = args.chunk_rows.max(1);
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
    tx.commit()?;
    bar.finish_and_clear();

    // The rows are committed whatever happens here: a failed VACUUM is reported, not an error.
    let dead = totals[1] + totals[3];
    let vacuum = if dead == 0 || args.no_vacuum {
        serde_json::Value::Null
    } else {
        let t = Instant::now();
        warnings.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let done = client.batch_execute("VACUUM dosm_rag.embeddings");
        let skipped = warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .join("; ");
        match done {
            Ok(()) if skipped.is_empty() => {
                serde_json::json!({"seconds": seconds_since(t)})
            }
            outcome => {
                let why = outcome.err().map_or(skipped, |e| format!("{e:#}"));
                eprintln!("warning: the rows are committed, but VACUUM dosm_rag.embeddings did not run: {why}");
                eprintln!("hint: run VACUUM dosm_rag.embeddings as the table's owner; until then the HNSW index may miss rows inserted among the {dead} replaced or deleted ones");
                serde_json::json!({"error": why})
            }
        }
    };

    Ok(serde_json::json!({
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
                println!("VACUUM dosm_rag.embeddings after replaced or deleted rows ({s:.3} s)");
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
