package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	compute "github.com/rxspark/rxspark/context"
)

// File is an open input file: sequential reads for CSV, random access for
// Parquet.
type File interface {
	io.Reader
	io.ReaderAt
	io.Seeker
	io.Closer
	Size() int64
}

// FileInfo describes one entry of a FileSystem.
type FileInfo struct {
	Path  string
	Size  int64
	IsDir bool
}

// FileSystem is where input files live: the machine's own file system
// ([OS]) or HDFS. Paths are as the user wrote them (hdfs:// URLs for HDFS).
type FileSystem interface {
	Open(ctx context.Context, path string) (File, error)
	Stat(ctx context.Context, path string) (FileInfo, error)
	// List returns the entries of a directory, sorted by path.
	List(ctx context.Context, dir string) ([]FileInfo, error)
}

// OS is the local file system.
var OS FileSystem = osFS{}

type osFS struct{}

type osFile struct{ *os.File }

// localFile marks osFile as a local file (see the Parquet page decoder).
func (osFile) localFile() {}

func (f osFile) Size() int64 {
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	return st.Size()
}

func (osFS) Open(_ context.Context, path string) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) Stat(_ context.Context, path string) (FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return FileInfo{}, err
	}
	return FileInfo{Path: path, Size: st.Size(), IsDir: st.IsDir()}, nil
}

func (osFS) List(_ context.Context, dir string) ([]FileInfo, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := make([]FileInfo, 0, len(entries))
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		out = append(out, FileInfo{Path: filepath.Join(dir, e.Name()), Size: info.Size(), IsDir: e.IsDir()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// WritableFS is a FileSystem that outputs can be written to (the local disk
// and HDFS implement it). Create makes a new file (an existing one is
// replaced or refused, as the file system does); Rename moves a file or a
// directory; RemoveAll deletes a path and everything under it (a missing
// path is not an error).
type WritableFS interface {
	FileSystem
	Create(ctx context.Context, path string) (io.WriteCloser, error)
	MkdirAll(ctx context.Context, path string) error
	Rename(ctx context.Context, from, to string) error
	RemoveAll(ctx context.Context, path string) error
}

var _ WritableFS = osFS{}

func (osFS) Create(_ context.Context, path string) (io.WriteCloser, error) {
	return os.Create(path)
}

func (osFS) MkdirAll(_ context.Context, path string) error { return os.MkdirAll(path, 0o755) }

func (osFS) Rename(_ context.Context, from, to string) error { return os.Rename(from, to) }

func (osFS) RemoveAll(_ context.Context, path string) error { return os.RemoveAll(path) }

// DataFiles expands path into the data files to read: the file itself, or
// the files of a directory (recursively, sorted by path) whose names do not
// start with '_' or '.' (Spark's _SUCCESS, Hadoop's .crc files) and, when
// exts is not empty, end in one of exts. A directory without data files is
// an error.
func DataFiles(ctx context.Context, fsys FileSystem, path string, exts ...string) ([]FileInfo, error) {
	st, err := fsys.Stat(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if !st.IsDir {
		return []FileInfo{st}, nil
	}
	var out []FileInfo
	var walk func(dir string) error
	walk = func(dir string) error {
		entries, err := fsys.List(ctx, dir)
		if err != nil {
			return fmt.Errorf("list %s: %w", dir, err)
		}
		for _, e := range entries {
			base := e.Path[strings.LastIndexAny(e.Path, "/\\")+1:]
			if strings.HasPrefix(base, "_") || strings.HasPrefix(base, ".") {
				continue
			}
			if e.IsDir {
				if err := walk(e.Path); err != nil {
					return err
				}
				continue
			}
			if len(exts) > 0 && !hasExt(base, exts) {
				continue
			}
			out = append(out, e)
		}
		return nil
	}
	if err := walk(path); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		want := "data files"
		if len(exts) > 0 {
			want = strings.Join(exts, ", ") + " files"
		}
		return nil, fmt.Errorf("%s: directory has no %s: %w", path, want, fs.ErrNotExist)
	}
	return out, nil
}

func hasExt(name string, exts []string) bool {
	lower := strings.ToLower(name)
	for _, e := range exts {
		if strings.HasSuffix(lower, strings.ToLower(e)) {
			return true
		}
	}
	return false
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

// progressEvery is how often scans report progress.
const progressEvery = 200 * time.Millisecond
