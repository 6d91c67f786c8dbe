package local

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	compute "github.com/rxspark/rxspark/context"
)

func init() { openers[compute.FormatParquet] = openParquet }

// parquetDefaultRows is the default number of rows per chunk.
const parquetDefaultRows = 1 << 16

// parquetScanner reads one Parquet file or a directory of them. Work units
// are row groups, spread over the workers; each worker opens its own reader
// of a file, so only the row groups being read are in memory.
type parquetScanner struct {
	fsys   FileSystem
	files  []FileInfo
	groups [][]int64 // rows of each row group, per file
	schema *arrow.Schema
	rows   int
	total  int64
	alloc  *poolAllocator // buffers of the fast path (parquet_fast.go)
}

func openParquet(ctx context.Context, fsys FileSystem, src compute.DataSource) (Scanner, error) {
	files, err := DataFiles(ctx, fsys, src.Path, ".parquet", ".parq")
	if err != nil {
		return nil, err
	}
	s := &parquetScanner{fsys: fsys, files: files, rows: src.RowsPerRead, alloc: newPoolAllocator()}
	for i, f := range files {
		pr, fr, closeFn, err := openParquetFile(ctx, fsys, f.Path)
		if err != nil {
			return nil, err
		}
		sch, err := fr.Schema()
		if err != nil {
			closeFn()
			return nil, fmt.Errorf("%s: reading the Parquet schema: %w", f.Path, err)
		}
		if i == 0 {
			s.schema = sch
		} else if !sameColumns(s.schema, sch) {
			closeFn()
			return nil, fmt.Errorf("%s: its columns differ from those of %s (%s vs %s)", f.Path, files[0].Path, sch, s.schema)
		}
		var rg []int64
		for g := 0; g < pr.NumRowGroups(); g++ {
			rg = append(rg, pr.MetaData().RowGroup(g).NumRows())
		}
		s.groups = append(s.groups, rg)
		s.total += f.Size
		closeFn()
	}
	return s, nil
}

func sameColumns(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.Fields() {
		if a.Field(i).Name != b.Field(i).Name || TypeOf(a.Field(i).Type) != TypeOf(b.Field(i).Type) {
			return false
		}
	}
	return true
}

func openParquetFile(ctx context.Context, fsys FileSystem, path string) (*file.Reader, *pqarrow.FileReader, func(), error) {
	f, err := fsys.Open(ctx, path)
	if err != nil {
		return nil, nil, nil, err
	}
	// Buffered column-chunk reads: a chunk is read 1 MiB at a time instead of
	// whole (less memory, fewer page faults).
	props := parquet.NewReaderProperties(memory.DefaultAllocator)
	props.BufferedStreamEnabled = true
	props.BufferSize = 1 << 20
	pr, err := file.NewParquetReader(f, file.WithReadProps(props))
	if err != nil {
		f.Close()
		return nil, nil, nil, fmt.Errorf("%s: not a Parquet file: %w: %w", path, err, ErrBadInput)
	}
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{BatchSize: parquetDefaultRows}, memory.DefaultAllocator)
	if err != nil {
		pr.Close()
		return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return pr, fr, func() { pr.Close() }, nil
}

// Schema returns the columns of the first file.
func (s *parquetScanner) Schema() *arrow.Schema { return s.schema }

// Close releases nothing: files are opened per scan.
func (s *parquetScanner) Close() error { return nil }

type pqUnit struct {
	file, group int
	index       int   // Chunk.Index of the unit's first batch
	firstRow    int64 // 1-based row number in the file of the unit's first row
}

// Scan reads the row groups in parallel, in batches of RowsPerChunk rows.
func (s *parquetScanner) Scan(ctx context.Context, opts ScanOptions, fn func(ctx context.Context, c Chunk) error) error {
	cols := make([]int, 0, s.schema.NumFields())
	if opts.Columns == nil {
		for i := range s.schema.Fields() {
			cols = append(cols, i)
		}
	} else {
		for _, name := range opts.Columns {
			idx := s.schema.FieldIndices(name)
			if len(idx) == 0 {
				return fmt.Errorf("%s: no column %q", s.files[0].Path, name)
			}
			cols = append(cols, idx[0])
		}
	}
	rows := opts.RowsPerChunk
	if rows <= 0 {
		rows = s.rows
	}
	if rows <= 0 {
		rows = parquetDefaultRows
	}
	stats := opts.Stats
	if stats == nil {
		stats = &ScanStats{}
	}
	stats.Total = s.total
	var units []pqUnit
	index := 0
	for fi, groups := range s.groups {
		first := int64(1)
		for g, n := range groups {
			units = append(units, pqUnit{file: fi, group: g, index: index, firstRow: first})
			index += int((n + int64(rows) - 1) / int64(rows))
			first += n
		}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan pqUnit)
	go func() {
		defer close(work)
		for _, u := range units {
			select {
			case work <- u:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range max(opts.Workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			open := -1
			var fr *pqarrow.FileReader
			var pr *file.Reader
			var leaves []int
			st := &fastState{}
			var closeFn func()
			defer func() {
				if closeFn != nil {
					closeFn()
				}
			}()
			for u := range work {
				if ctx.Err() != nil {
					continue
				}
				if u.file != open {
					if closeFn != nil {
						closeFn()
					}
					var err error
					pr, fr, closeFn, err = openParquetFile(ctx, s.fsys, s.files[u.file].Path)
					if err != nil {
						closeFn = nil
						cancel(err)
						continue
					}
					open = u.file
					leaves = s.fastColumns(pr, cols)
				}
				var err error
				if leaves != nil {
					err = s.readGroupFast(ctx, pr, leaves, u, cols, rows, w, st, stats, fn)
				} else {
					err = s.readGroup(ctx, fr, u, cols, rows, w, stats, fn)
				}
				if err != nil {
					cancel(err)
				}
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

func (s *parquetScanner) readGroup(ctx context.Context, fr *pqarrow.FileReader, u pqUnit, cols []int, rows, worker int, stats *ScanStats, fn func(context.Context, Chunk) error) error {
	fr.Props.BatchSize = int64(rows)
	rr, err := fr.GetRecordReader(ctx, cols, []int{u.group})
	if err != nil {
		return fmt.Errorf("%s: row group %d: %w", s.files[u.file].Path, u.group, err)
	}
	defer rr.Release()
	index, line := u.index, u.firstRow
	for rr.Next() {
		rec := rr.RecordBatch()
		n := rec.NumRows()
		stats.Rows.Add(n)
		stats.Chunks.Add(1)
		if err := fn(ctx, Chunk{Index: index, Worker: worker, Record: rec, Source: s.files[u.file].Path, FirstLine: line}); err != nil {
			return err
		}
		index++
		line += n
	}
	if err := rr.Err(); err != nil {
		return fmt.Errorf("%s: row group %d: %w", s.files[u.file].Path, u.group, err)
	}
	stats.Bytes.Add(s.files[u.file].Size / int64(max(len(s.groups[u.file]), 1)))
	return nil
}
