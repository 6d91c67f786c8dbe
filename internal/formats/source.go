// Package formats holds rxspark's readers of data files — CSV/TSV, Parquet
// and Arrow IPC, local or on HDFS through an [fsys.FileSystem] — which turn
// a data source into Arrow record batches, chunk by chunk and in parallel,
// and sniff its schema (column types, factor levels). The local compute
// context runs passes over these scanners; the Spark context uses them to
// learn a source's schema exactly as the local context sees it. Package
// local re-exports the public part (Open, Scanner, Chunk, ...).
package formats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/fsys"
)

// The file-system types, as the readers name them.
type (
	// File is an open input file.
	File = fsys.File
	// FileInfo describes one entry of a FileSystem.
	FileInfo = fsys.FileInfo
	// FileSystem is where input files live.
	FileSystem = fsys.FileSystem
)

// DataFiles expands path into the data files to read (see
// [fsys.DataFiles]).
func DataFiles(ctx context.Context, fs FileSystem, path string, exts ...string) ([]FileInfo, error) {
	return fsys.DataFiles(ctx, fs, path, exts...)
}

// Chunk is one batch of rows handed to a scan callback.
type Chunk struct {
	// Index is the chunk's position in the source's order (0, 1, ...);
	// callbacks run out of order, so a consumer that needs order sorts by it.
	Index int
	// Worker is the goroutine running the callback, 0 ≤ Worker < workers:
	// a consumer keeps one partial result per worker.
	Worker int
	// Record holds the rows. Numeric columns are Float64, factors are
	// Dictionary arrays of int32 indices into a String dictionary (for
	// Parquet and Arrow sources the column's levels, the same in every
	// chunk), logical columns are Boolean.
	// The scanner releases it after the callback returns: Retain to keep.
	Record arrow.RecordBatch
	// Source names the file, for messages; FirstLine is the 1-based line
	// number (CSV) or row number (other formats) of the chunk's first row.
	Source    string
	FirstLine int64
	// FirstRow is the 0-based position of the chunk's first row among the
	// rows of its file (Source): with the file's base name, the identity of
	// a row that rowhash() hashes, the same in every compute context.
	FirstRow int64
}

// ScanOptions control a scan.
type ScanOptions struct {
	// Workers is the number of goroutines calling the callback (≥ 1).
	Workers int
	// Columns restricts the scan to these columns (by name); nil reads all.
	Columns []string
	// RowsPerChunk is the target number of rows per chunk; 0 means the
	// scanner's default.
	RowsPerChunk int
	// Stats, if not nil, receives counts as the scan proceeds.
	Stats *ScanStats
}

// ScanStats are counters a scanner updates atomically while it runs.
type ScanStats struct {
	Rows     atomic.Int64 // rows delivered
	Chunks   atomic.Int64 // chunks delivered
	Bytes    atomic.Int64 // input bytes consumed
	BadLines atomic.Int64 // malformed lines skipped (CSV, SkipBadLines)
	Total    int64        // total input bytes (set before the first chunk)
}

// Scanner reads a data source chunk by chunk, in parallel. Memory use is
// bounded by the chunk size times the number of workers, never by the size
// of the input.
type Scanner interface {
	// Schema is the Arrow schema of the chunks (all columns). Factor
	// columns carry their levels, when known, in field metadata
	// (see [LevelsKey]).
	Schema() *arrow.Schema
	// Scan calls fn for every chunk, from opts.Workers goroutines. The
	// first error (from fn, from reading, or ctx's) stops the scan and is
	// returned.
	Scan(ctx context.Context, opts ScanOptions, fn func(ctx context.Context, c Chunk) error) error
	// Close releases the scanner's resources.
	Close() error
}

// LevelsKey is the Arrow field metadata key (and Parquet key-value metadata
// key prefix) under which factor levels are stored as a JSON array of
// strings, in code order.
const LevelsKey = "rxspark.levels"

// FieldLevels returns the factor levels recorded in f's metadata, or nil.
func FieldLevels(f arrow.Field) ([]string, error) {
	i := f.Metadata.FindKey(LevelsKey)
	if i < 0 {
		return nil, nil
	}
	var levels []string
	if err := json.Unmarshal([]byte(f.Metadata.Values()[i]), &levels); err != nil {
		return nil, fmt.Errorf("column %s: bad %s metadata: %w", f.Name, LevelsKey, err)
	}
	return levels, nil
}

// LevelsMetadata returns field metadata recording levels.
func LevelsMetadata(levels []string) arrow.Metadata {
	b, _ := json.Marshal(levels)
	return arrow.NewMetadata([]string{LevelsKey}, []string{string(b)})
}

// SchemaOf converts an Arrow schema to rxspark's statistical schema.
func SchemaOf(s *arrow.Schema) (*compute.Schema, error) {
	out := &compute.Schema{}
	for _, f := range s.Fields() {
		t := TypeOf(f.Type)
		if t == compute.Unknown {
			// Columns of other types (dates, nested) are not offered.
			continue
		}
		field := compute.Field{Name: f.Name, Type: t}
		if t == compute.Factor {
			lv, err := FieldLevels(f)
			if err != nil {
				return nil, err
			}
			field.Levels = lv
		}
		out.Fields = append(out.Fields, field)
	}
	return out, nil
}

// TypeOf maps an Arrow type to a statistical type.
func TypeOf(t arrow.DataType) compute.Type {
	switch t.ID() {
	case arrow.FLOAT64, arrow.FLOAT32, arrow.FLOAT16, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64, arrow.DECIMAL128, arrow.DECIMAL256:
		return compute.Numeric
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return compute.Factor
	case arrow.DICTIONARY:
		return TypeOf(t.(*arrow.DictionaryType).ValueType)
	case arrow.BOOL:
		return compute.Logical
	}
	return compute.Unknown
}

// ErrBadInput is wrapped by errors about malformed input data.
var ErrBadInput = errors.New("bad input")

// openFunc opens a scanner for one format; the readers register theirs.
type openFunc func(ctx context.Context, fsys FileSystem, src compute.DataSource) (Scanner, error)

var openers = map[compute.Format]openFunc{}

// Open returns a scanner for src, reading files through fsys.
func Open(ctx context.Context, fsys FileSystem, src compute.DataSource) (Scanner, error) {
	f := src.ResolveFormat()
	open, ok := openers[f]
	if !ok {
		return nil, fmt.Errorf("the local compute context cannot read %s data (%s)", f, src)
	}
	return open(ctx, fsys, src)
}
