package formats

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	compute "github.com/rxspark/rxspark/context"
)

// What the writers of package local share with the readers.

// CSVDictType is the Arrow type of factor columns in chunks:
// Dictionary(int32 → String).
var CSVDictType = csvDictType

// ParseNumber parses a CSV field as a number, as the CSV reader does.
func ParseNumber(b []byte) (float64, bool) { return parseNumber(b) }

// ParseLogical parses a CSV field as a logical (TRUE/T/true/True,
// FALSE/F/false/False), as the CSV reader does.
func ParseLogical(b []byte) (v, ok bool) { return parseLogical(b) }

// ToFloat64 converts a numeric Arrow array (any integer, floating point or
// decimal type) to Float64, nulls kept.
func ToFloat64(a arrow.Array) (arrow.Array, error) { return toFloat64(a) }

// Validity returns the validity bitmap buffer of a (nil without nulls).
func Validity(a arrow.Array) *memory.Buffer { return validity(a) }

// ReadDatasetMeta reads a dataset description file (compute.DatasetMetaFile).
func ReadDatasetMeta(ctx context.Context, fsys FileSystem, p string) (*compute.DatasetMeta, error) {
	return readDatasetMeta(ctx, fsys, p)
}

// readDatasetMeta reads a dataset description file.
func readDatasetMeta(ctx context.Context, fsys FileSystem, p string) (*compute.DatasetMeta, error) {
	f, err := fsys.Open(ctx, p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	var meta compute.DatasetMeta
	if err := json.Unmarshal(b, &meta); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if meta.Version != 1 {
		return nil, fmt.Errorf("%s: unsupported version %d (want 1)", p, meta.Version)
	}
	return &meta, nil
}

// joinPath joins a directory and a name in the style of the directory
// (URLs and plain paths).
func joinPath(dir, name string) string {
	if strings.Contains(dir, "://") {
		return strings.TrimRight(dir, "/") + "/" + name
	}
	return filepath.Join(dir, name)
}

// grow returns b resized to n elements, reallocated (contents not kept)
// when its capacity is short.
func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}

// WithLevelScanCounter makes the scanners opened with ctx count their level
// scans (passes over string columns to find their levels) in n.
func WithLevelScanCounter(ctx context.Context, n *atomic.Int64) context.Context {
	return context.WithValue(ctx, levelScanKey{}, n)
}

type levelScanKey struct{}

// levelScanCounter returns the counter of level scans attached to ctx, or
// nil. Scanners keep it from Open, so that a level scan put off to a Scan
// (SkipLevelScan) is counted too.
func levelScanCounter(ctx context.Context) *atomic.Int64 {
	n, _ := ctx.Value(levelScanKey{}).(*atomic.Int64)
	return n
}

// countLevelScan adds one to n, if not nil.
func countLevelScan(n *atomic.Int64) {
	if n != nil {
		n.Add(1)
	}
}
