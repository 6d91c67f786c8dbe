package local

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/fsys"
	"github.com/rxspark/rxspark/internal/formats"
)

// The file-system interface lives in package fsys (shared with the Spark
// context and package hdfs); these aliases keep local's API readable.
type (
	// File is an open input file (see [fsys.File]).
	File = fsys.File
	// FileInfo describes one entry of a FileSystem (see [fsys.FileInfo]).
	FileInfo = fsys.FileInfo
	// FileSystem is where input files live (see [fsys.FileSystem]).
	FileSystem = fsys.FileSystem
	// WritableFS is a FileSystem that outputs can be written to (see
	// [fsys.WritableFS]).
	WritableFS = fsys.WritableFS
)

// OS is the local file system.
var OS = fsys.OS

// DataFiles expands path into the data files to read: the file itself, or
// the files of a directory (recursively, sorted by path) whose names do not
// start with '_' or '.' and, when exts is not empty, end in one of exts
// (see [fsys.DataFiles]).
func DataFiles(ctx context.Context, fs FileSystem, path string, exts ...string) ([]FileInfo, error) {
	return fsys.DataFiles(ctx, fs, path, exts...)
}

// The readers live in an internal package shared with the Spark context
// (which sniffs schemas with them); these aliases are their public face.
type (
	// Chunk is one batch of rows handed to a scan callback: Index (the
	// chunk's position in the source's order), Worker (the goroutine, for
	// per-worker partial results), Record (numeric columns Float64,
	// factors Dictionary(int32 → String), logicals Boolean; released after
	// the callback returns: Retain to keep), Source and FirstLine (for
	// messages).
	Chunk = formats.Chunk
	// ScanOptions control a scan: Workers, Columns (nil reads all),
	// RowsPerChunk, Stats.
	ScanOptions = formats.ScanOptions
	// ScanStats are counters a scanner updates atomically while it runs.
	ScanStats = formats.ScanStats
	// Scanner reads a data source chunk by chunk, in parallel, with memory
	// bounded by the chunk size times the number of workers.
	Scanner = formats.Scanner
)

// LevelsKey is the Arrow field metadata key (and Parquet key-value metadata
// key prefix) under which factor levels are stored as a JSON array of
// strings, in code order.
const LevelsKey = "rxspark.levels"

// ErrBadInput is wrapped by errors about malformed input data.
var ErrBadInput = formats.ErrBadInput

// Open returns a scanner for src (CSV, Parquet or Arrow IPC), reading files
// through fsys. String columns of Parquet and Arrow IPC sources whose levels
// the files do not record are scanned for their levels here (see
// SkipLevelScan).
func Open(ctx context.Context, fsys FileSystem, src compute.DataSource) (Scanner, error) {
	return formats.Open(ctx, fsys, src)
}

// SkipLevelScan returns a context that makes Open of Parquet and Arrow IPC
// sources skip the pass that computes the levels of string columns whose
// levels are not recorded in the files: such columns appear in the schema
// without levels, and a Scan that reads them computes them first.
func SkipLevelScan(ctx context.Context) context.Context { return formats.SkipLevelScan(ctx) }

// FieldLevels returns the factor levels recorded in f's metadata, or nil.
func FieldLevels(f arrow.Field) ([]string, error) { return formats.FieldLevels(f) }

// LevelsMetadata returns field metadata recording levels.
func LevelsMetadata(levels []string) arrow.Metadata { return formats.LevelsMetadata(levels) }

// SchemaOf converts an Arrow schema to rxspark's statistical schema.
func SchemaOf(s *arrow.Schema) (*compute.Schema, error) { return formats.SchemaOf(s) }

// TypeOf maps an Arrow type to a statistical type.
func TypeOf(t arrow.DataType) compute.Type { return formats.TypeOf(t) }

// Reader helpers the writers share.
var csvDictType = formats.CSVDictType

func hasExt(name string, exts []string) bool       { return fsys.HasExt(name, exts) }
func parseNumber(b []byte) (float64, bool)         { return formats.ParseNumber(b) }
func parseLogical(b []byte) (v, ok bool)           { return formats.ParseLogical(b) }
func toFloat64(a arrow.Array) (arrow.Array, error) { return formats.ToFloat64(a) }
func validity(a arrow.Array) *memory.Buffer        { return formats.Validity(a) }
func readDatasetMeta(ctx context.Context, fs FileSystem, p string) (*compute.DatasetMeta, error) {
	return formats.ReadDatasetMeta(ctx, fs, p)
}

// progressEvery is how often scans report progress.
const progressEvery = 200 * time.Millisecond
