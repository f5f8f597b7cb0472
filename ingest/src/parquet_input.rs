//! Parquet input: OpenDOSM publishes every table as CSV and as Parquet. A file's columns and rows
//! come out as text, as the CSV reader gives them, so the rest of a load is the same.

use anyhow::{Context, Result};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// The header and rows of a Parquet file (`raw`, its bytes; `name` for messages). A null is an
/// empty field; a timestamp at midnight is its date (`2025-07-01`, as a CSV gives it), another
/// timestamp ISO 8601; numbers are printed as Arrow prints them (the shortest exact form).
pub fn read(raw: Vec<u8>, name: &str) -> Result<(Vec<String>, Vec<csv::StringRecord>)> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(raw))
        .with_context(|| format!("{name}: not a valid Parquet file"))?;
    let headers = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().trim().to_string())
        .collect();
    let batches = builder
        .with_batch_size(8192)
        .build()
        .with_context(|| format!("{name}: cannot read the Parquet file"))?;
    let options = FormatOptions::new()
        .with_null("")
        .with_timestamp_format(Some("%Y-%m-%dT%H:%M:%S"))
        .with_timestamp_tz_format(Some("%Y-%m-%dT%H:%M:%S%:z"));
    let mut rows = Vec::new();
    for batch in batches {
        let batch = batch.with_context(|| format!("{name}: a row group cannot be read"))?;
        let columns = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("{name}: a column has a type that cannot be read as text"))?;
        for i in 0..batch.num_rows() {
            rows.push(
                columns
                    .iter()
                    .map(|c| {
                        let v = c.value(i).to_string();
                        match v.strip_suffix("T00:00:00") {
                            Some(date) => date.to_string(),
                            None => v,
                        }
                    })
                    .collect(),
            );
        }
    }
    Ok((headers, rows))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{
        ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
        TimestampNanosecondArray,
    };
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;

    use super::read;

    /// A file as pandas writes OpenDOSM's tables: text, a nanosecond timestamp for the date,
    /// numbers with a null, snappy-compressed.
    fn file(compression: Compression) -> Vec<u8> {
        let columns: Vec<(&str, ArrayRef)> = vec![
            (
                "state",
                Arc::new(StringArray::from(vec!["Johor", "Pulau Pinang"])),
            ),
            (
                "date",
                Arc::new(TimestampNanosecondArray::from(vec![
                    1_577_836_800_000_000_000,                     // 2020-01-01
                    1_580_515_200_000_000_000 + 3_600_000_000_000, // 2020-02-01 01:00
                ])),
            ),
            ("day", Arc::new(Date32Array::from(vec![18262, 18293]))),
            (
                "population",
                Arc::new(Float64Array::from(vec![Some(4009.7), None])),
            ),
            ("rank", Arc::new(Int64Array::from(vec![1, 12]))),
        ];
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let props = WriterProperties::builder()
            .set_compression(compression)
            .build();
        let mut out = Vec::new();
        let mut w = ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        out
    }

    #[test]
    fn columns_and_rows_as_text() {
        for compression in [
            Compression::SNAPPY,
            Compression::UNCOMPRESSED,
            Compression::ZSTD(Default::default()),
            Compression::GZIP(Default::default()),
        ] {
            let (headers, rows) = read(file(compression), "t.parquet").unwrap();
            assert_eq!(headers, ["state", "date", "day", "population", "rank"]);
            let rows: Vec<Vec<&str>> = rows.iter().map(|r| r.iter().collect()).collect();
            assert_eq!(
                rows,
                [
                    ["Johor", "2020-01-01", "2020-01-01", "4009.7", "1"],
                    [
                        "Pulau Pinang",
                        "2020-02-01T01:00:00",
                        "2020-02-01",
                        "",
                        "12"
                    ],
                ],
                "{compression:?}"
            );
        }
    }

    #[test]
    fn a_file_that_is_not_parquet_is_refused() {
        let err = read(b"state,date\nJohor,2020-01-01\n".to_vec(), "x.parquet").unwrap_err();
        assert!(
            format!("{err:#}").contains("x.parquet: not a valid Parquet file"),
            "{err:#}"
        );
    }
}
