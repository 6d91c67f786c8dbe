package local

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	compute "github.com/rxspark/rxspark/context"
)

func init() { openers[compute.FormatArrow] = openArrow }

// arrowScanner reads Arrow IPC files (the random-access file format: .arrow,
// .feather v2, .ipc), one file or a directory of them. Work units are record
// batches, read on demand by the workers and cut into chunks of at most
// RowsPerChunk rows.
type arrowScanner struct {
	fsys    FileSystem
	files   []FileInfo
	batches []int // record batches per file
	schema  *arrow.Schema
	rows    int
	total   int64
}

func openArrow(ctx context.Context, fsys FileSystem, src compute.DataSource) (Scanner, error) {
	files, err := DataFiles(ctx, fsys, src.Path, ".arrow", ".feather", ".ipc")
	if err != nil {
		return nil, err
	}
	s := &arrowScanner{fsys: fsys, files: files, rows: src.RowsPerRead}
	for i, f := range files {
		r, closeFn, err := openArrowFile(ctx, fsys, f.Path)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			s.schema = r.Schema()
		} else if !sameColumns(s.schema, r.Schema()) {
			closeFn()
			return nil, fmt.Errorf("%s: its columns differ from those of %s", f.Path, files[0].Path)
		}
		s.batches = append(s.batches, r.NumRecords())
		s.total += f.Size
		closeFn()
	}
	return s, nil
}

func openArrowFile(ctx context.Context, fsys FileSystem, path string) (*ipc.FileReader, func(), error) {
	f, err := fsys.Open(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(memory.DefaultAllocator))
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: not an Arrow IPC file: %w: %w", path, err, ErrBadInput)
	}
	return r, func() { r.Close(); f.Close() }, nil
}

// Schema returns the columns of the first file.
func (s *arrowScanner) Schema() *arrow.Schema { return s.schema }

// Close releases nothing: files are opened per scan.
func (s *arrowScanner) Close() error { return nil }

// Scan reads the record batches in parallel.
func (s *arrowScanner) Scan(ctx context.Context, opts ScanOptions, fn func(ctx context.Context, c Chunk) error) error {
	var cols []int
	for _, name := range opts.Columns {
		idx := s.schema.FieldIndices(name)
		if len(idx) == 0 {
			return fmt.Errorf("%s: no column %q", s.files[0].Path, name)
		}
		cols = append(cols, idx[0])
	}
	rows := opts.RowsPerChunk
	if rows <= 0 {
		rows = s.rows
	}
	stats := opts.Stats
	if stats == nil {
		stats = &ScanStats{}
	}
	stats.Total = s.total
	type unit struct{ file, batch, index int }
	// A batch's chunks get indexes index, index+1, ...; batches may hold
	// any number of rows, so each unit reserves room for 1<<20 chunks.
	var units []unit
	for fi, n := range s.batches {
		for b := 0; b < n; b++ {
			units = append(units, unit{fi, b, len(units) << 20})
		}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan unit)
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
			var r *ipc.FileReader
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
						closeFn = nil
					}
					var err error
					if r, closeFn, err = openArrowFile(ctx, s.fsys, s.files[u.file].Path); err != nil {
						cancel(err)
						continue
					}
					open = u.file
				}
				rec, err := r.RecordBatchAt(u.batch)
				if err != nil {
					cancel(fmt.Errorf("%s: record batch %d: %w", s.files[u.file].Path, u.batch, err))
					continue
				}
				// Messages name the batch; rows are counted within it.
				src := fmt.Sprintf("%s (record batch %d)", s.files[u.file].Path, u.batch)
				if err := s.deliver(ctx, rec, cols, rows, u.index, w, src, stats, fn); err != nil {
					cancel(err)
				}
				rec.Release()
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

func (s *arrowScanner) deliver(ctx context.Context, rec arrow.RecordBatch, cols []int, rows, index, worker int, src string, stats *ScanStats, fn func(context.Context, Chunk) error) error {
	if cols != nil {
		fields := make([]arrow.Field, len(cols))
		arrs := make([]arrow.Array, len(cols))
		for k, c := range cols {
			fields[k] = rec.Schema().Field(c)
			arrs[k] = rec.Column(c)
		}
		rec = array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, rec.NumRows())
		defer rec.Release()
	}
	n := rec.NumRows()
	step := int64(rows)
	if step <= 0 {
		step = n
	}
	for lo := int64(0); lo < n || lo == 0; lo += step {
		hi := min(lo+step, n)
		part := rec.NewSlice(lo, hi)
		stats.Rows.Add(hi - lo)
		stats.Chunks.Add(1)
		err := fn(ctx, Chunk{Index: index, Worker: worker, Record: part, Source: src, FirstLine: 1 + lo})
		part.Release()
		if err != nil {
			return err
		}
		index++
		if n == 0 {
			break
		}
	}
	return nil
}
