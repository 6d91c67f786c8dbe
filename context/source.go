package compute

import (
	"fmt"
	"path"
	"strings"
)

// Format is the storage format of a data source.
type Format int

// Formats. FormatAuto picks CSV, Parquet or Arrow IPC from the path's
// extension (a directory is read as Parquet unless its files say otherwise).
const (
	FormatAuto Format = iota
	FormatCSV
	FormatParquet
	FormatArrow
	// FormatTable is a table known to the compute context (a Spark table).
	FormatTable
	// FormatQuery is a SQL query run by the compute context (Spark only).
	FormatQuery
)

// String names the format.
func (f Format) String() string {
	switch f {
	case FormatCSV:
		return "csv"
	case FormatParquet:
		return "parquet"
	case FormatArrow:
		return "arrow"
	case FormatTable:
		return "table"
	case FormatQuery:
		return "query"
	}
	return "auto"
}

// DataSource describes data to analyse; it is a descriptor, opened by the
// compute context that runs a pass over it (RevoScaleR's RxTextData,
// RxParquetData, RxHiveData).
type DataSource struct {
	Format Format
	// Path is a file or a directory of files: a local path, or
	// hdfs://namenode:port/path (hdfs:///path uses the configured namenode).
	Path string
	// Table names a table (FormatTable); Query is SQL (FormatQuery).
	Table, Query string
	// CSV holds the options of text data.
	CSV CSVOptions
	// RowsPerRead is the number of rows per chunk; 0 lets the context choose.
	RowsPerRead int
}

// CSVOptions control how delimited text is read.
type CSVOptions struct {
	// Delimiter separates fields; 0 means ',' (or '\t' for .tsv and .tab
	// files, or when the header line has tabs and no commas).
	Delimiter rune
	// NoHeader says the first line is data; columns are then named V1, V2, ...
	NoHeader bool
	// NAStrings are the field values read as missing; nil means "NA" and "".
	NAStrings []string
	// ColInfo overrides the sniffed type of columns, by name.
	ColInfo map[string]ColInfo
	// SkipBadLines skips and counts ragged or unparsable lines instead of
	// failing on the first one.
	SkipBadLines bool
	// SniffRows is how many rows are read to guess column types; 0 means 1000.
	SniffRows int
}

// ColInfo is RevoScaleR's colInfo for one column.
type ColInfo struct {
	// Type forces the column type (Numeric, Factor or Logical); Unknown
	// keeps the sniffed type.
	Type Type
	// Levels are the factor levels in code order; values outside them are
	// read as missing. Nil means levels are discovered.
	Levels []string
	// NewName renames the column.
	NewName string
}

// CSV returns a delimited-text data source.
func CSV(path string) DataSource { return DataSource{Format: FormatCSV, Path: path} }

// Parquet returns a Parquet data source (a file or a directory of files).
func Parquet(path string) DataSource { return DataSource{Format: FormatParquet, Path: path} }

// Table returns a data source for a table of the compute context.
func Table(name string) DataSource { return DataSource{Format: FormatTable, Table: name} }

// Query returns a data source for the result of a SQL query.
func Query(sql string) DataSource { return DataSource{Format: FormatQuery, Query: sql} }

// File returns a data source whose format follows from the path's extension.
func File(path string) DataSource { return DataSource{Format: FormatAuto, Path: path} }

// ResolveFormat returns the source's format, deciding FormatAuto from the
// path's extension: .csv/.tsv/.txt/.tab (optionally compressed names are not
// supported) are CSV, .arrow/.arrows/.ipc/.feather are Arrow IPC, and everything else
// (including a directory) is Parquet.
func (d DataSource) ResolveFormat() Format {
	if d.Format != FormatAuto {
		return d.Format
	}
	switch strings.ToLower(path.Ext(strings.TrimSuffix(d.Path, "/"))) {
	case ".csv", ".tsv", ".txt", ".tab":
		return FormatCSV
	case ".arrow", ".arrows", ".ipc", ".feather":
		return FormatArrow
	}
	return FormatParquet
}

// String describes the source for messages.
func (d DataSource) String() string {
	switch d.Format {
	case FormatTable:
		return "table " + d.Table
	case FormatQuery:
		return fmt.Sprintf("query %q", d.Query)
	}
	return d.ResolveFormat().String() + " " + d.Path
}
