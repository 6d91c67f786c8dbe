package formats

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	compute "github.com/rxspark/rxspark/context"
)

func init() { openers[compute.FormatArrow] = openArrow }

// arrowExts are the names of Arrow IPC files in a directory: the file
// format (.arrow, .feather v2, .ipc) and the stream format (.arrows).
var arrowExts = []string{".arrow", ".feather", ".ipc", ".arrows"}

// arrowFile is what the scanner knows of one Arrow IPC file.
type arrowFile struct {
	FileInfo
	stream  bool // stream format (else file format)
	batches int  // record batches (file format)
	schema  *arrow.Schema
	index   []int // per offered column: its field index in schema
}

// arrowScanner reads Arrow IPC data, one file or a directory of files, in
// the file format (random access: record batches are read by the workers in
// parallel) or the stream format (batches are read in sequence and handed
// to the workers). Batches are normalized like Parquet columns (see
// parquet.go) and cut into chunks of at most RowsPerChunk rows.
type arrowScanner struct {
	fsys    FileSystem
	files   []*arrowFile
	cols    []*normColumn
	out     *arrow.Schema
	skipped map[string]string
	rows    int
	total   int64
	mu      sync.Mutex // guards levels computed by Scan (SkipLevelScan), and out
	// levelScans counts computeLevels calls (Context.Stats), if not nil.
	levelScans *atomic.Int64
}

func openArrow(ctx context.Context, fsys FileSystem, src compute.DataSource) (Scanner, error) {
	infos, err := DataFiles(ctx, fsys, src.Path, arrowExts...)
	if err != nil {
		return nil, err
	}
	s := &arrowScanner{fsys: fsys, rows: src.RowsPerRead, skipped: map[string]string{}, levelScans: levelScanCounter(ctx)}
	s.files = make([]*arrowFile, len(infos))
	err = forEachUnit(ctx, runtime.GOMAXPROCS(0), len(infos), func(ctx context.Context, _, i int) error {
		af := &arrowFile{FileInfo: infos[i]}
		f, stream, err := openIPC(ctx, fsys, af.Path)
		if err != nil {
			return err
		}
		defer f.Close()
		af.stream = stream
		if stream {
			r, err := ipc.NewReader(f, ipc.WithAllocator(memory.DefaultAllocator))
			if err != nil {
				return fmt.Errorf("%s: not an Arrow IPC stream: %w: %w", af.Path, err, ErrBadInput)
			}
			af.schema = r.Schema()
			r.Release()
		} else {
			r, err := ipc.NewFileReader(f, ipc.WithAllocator(memory.DefaultAllocator))
			if err != nil {
				return fmt.Errorf("%s: not an Arrow IPC file: %w: %w", af.Path, err, ErrBadInput)
			}
			af.schema, af.batches = r.Schema(), r.NumRecords()
			r.Close()
		}
		s.files[i] = af
		return nil
	})
	if err != nil {
		return nil, err
	}
	first := s.files[0]
	var need []int
	for _, f := range first.schema.Fields() {
		c := newNormColumn(f)
		if c == nil {
			s.skipped[f.Name] = f.Type.String()
			continue
		}
		if _, dup := s.skipped[f.Name]; dup || s.offered(f.Name) {
			continue
		}
		k := len(s.cols)
		s.cols = append(s.cols, c)
		if c.kind != compute.Factor {
			continue
		}
		levels, err := FieldLevels(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", first.Path, err)
		}
		if levels == nil {
			need = append(need, k)
			continue
		}
		if err := c.setLevels(levels); err != nil {
			return nil, fmt.Errorf("%s: %w", first.Path, err)
		}
	}
	for _, af := range s.files {
		s.total += af.Size
		af.index = make([]int, len(s.cols))
		for k, c := range s.cols {
			idx := af.schema.FieldIndices(c.field.Name)
			if len(idx) == 0 {
				return nil, fmt.Errorf("%s: has no column %q (%s has)", af.Path, c.field.Name, first.Path)
			}
			if t := af.schema.Field(idx[0]).Type; normKind(t) != c.kind {
				return nil, fmt.Errorf("%s: column %q is %s, but %s in %s", af.Path, c.field.Name, t,
					first.schema.Field(first.schema.FieldIndices(c.field.Name)[0]).Type, first.Path)
			}
			af.index[k] = idx[0]
		}
	}
	if len(need) > 0 && !skipLevelScan(ctx) {
		if err := s.computeLevels(ctx, need); err != nil {
			return nil, err
		}
	}
	s.out = normSchema(s.cols)
	return s, nil
}

func (s *arrowScanner) offered(name string) bool {
	for _, c := range s.cols {
		if c.field.Name == name {
			return true
		}
	}
	return false
}

// openIPC opens an Arrow IPC file and tells its format from its first
// bytes: the file format starts with the magic "ARROW1".
func openIPC(ctx context.Context, fsys FileSystem, path string) (File, bool, error) {
	f, err := fsys.Open(ctx, path)
	if err != nil {
		return nil, false, err
	}
	magic := make([]byte, 6)
	n, err := f.ReadAt(magic, 0)
	if err != nil && err != io.EOF {
		f.Close()
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	return f, string(magic[:n]) != "ARROW1", nil
}

// Schema returns the offered columns, normalized.
func (s *arrowScanner) Schema() *arrow.Schema {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out
}

// Close releases nothing: files are opened per scan.
func (s *arrowScanner) Close() error { return nil }

// ipcPos is where a record batch starts: its first chunk's index and its
// first row's number within its file.
type ipcPos struct {
	index int
	file  int
	row   int64
}

// ipcTask is one record batch to process: batch of a file-format file, or
// rec already read from a stream. Tasks are handed out in order; each takes
// its position from its predecessor (in) and passes on its successor's
// (out) as soon as it knows its number of rows, before its callbacks run.
type ipcTask struct {
	file  int
	batch int
	rec   arrow.RecordBatch
	in    <-chan ipcPos
	out   chan<- ipcPos
}

// position waits for the task's position and passes on the next one.
func (t *ipcTask) position(ctx context.Context, chunks int, rows int64) (ipcPos, error) {
	var p ipcPos
	select {
	case p = <-t.in:
	case <-ctx.Done():
		return p, context.Cause(ctx)
	}
	if p.file != t.file {
		p.file, p.row = t.file, 1
	}
	t.out <- ipcPos{index: p.index + chunks, file: t.file, row: p.row + rows}
	return p, nil
}

// scanBatches calls fn for every record batch, from workers goroutines. The
// stats, when not nil, count the bytes read.
func (s *arrowScanner) scanBatches(ctx context.Context, workers int, stats *ScanStats, fn func(ctx context.Context, w int, t *ipcTask, rec arrow.RecordBatch) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	tasks := make(chan *ipcTask)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(tasks)
		in := make(chan ipcPos, 1)
		in <- ipcPos{file: -1}
		send := func(t *ipcTask) bool {
			out := make(chan ipcPos, 1)
			t.in, t.out, in = in, out, out
			select {
			case tasks <- t:
				return true
			case <-ctx.Done():
				if t.rec != nil {
					t.rec.Release()
				}
				return false
			}
		}
		for fi, af := range s.files {
			if !af.stream {
				for b := range af.batches {
					if !send(&ipcTask{file: fi, batch: b}) {
						return
					}
				}
				continue
			}
			if err := s.readStream(ctx, fi, stats, send); err != nil {
				cancel(err)
				return
			}
		}
	}()
	for w := range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			open := -1
			var fr *ipc.FileReader
			var f File
			closeFile := func() {
				if fr != nil {
					fr.Close()
					f.Close()
					fr, f = nil, nil
				}
			}
			defer closeFile()
			for t := range tasks {
				if ctx.Err() != nil {
					if t.rec != nil {
						t.rec.Release()
					}
					continue
				}
				rec := t.rec
				af := s.files[t.file]
				if rec == nil {
					if open != t.file {
						closeFile()
						var err error
						if f, _, err = openIPC(ctx, s.fsys, af.Path); err != nil {
							cancel(err)
							continue
						}
						if fr, err = ipc.NewFileReader(f, ipc.WithAllocator(memory.DefaultAllocator)); err != nil {
							f.Close()
							f = nil
							cancel(fmt.Errorf("%s: not an Arrow IPC file: %w: %w", af.Path, err, ErrBadInput))
							continue
						}
						open = t.file
					}
					var err error
					if rec, err = fr.RecordBatchAt(t.batch); err != nil {
						cancel(fmt.Errorf("%s: record batch %d: %w: %w", af.Path, t.batch, err, ErrBadInput))
						continue
					}
					if stats != nil {
						stats.Bytes.Add(af.Size / int64(max(af.batches, 1)))
					}
				}
				err := fn(ctx, w, t, rec)
				rec.Release()
				if err != nil {
					cancel(err)
				}
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

// countingReader counts the bytes read from a stream.
type countingReader struct {
	r     io.Reader
	stats *ScanStats
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.stats.Bytes.Add(int64(n))
	return n, err
}

// readStream reads the record batches of a stream-format file in order and
// sends them as tasks.
func (s *arrowScanner) readStream(ctx context.Context, fi int, stats *ScanStats, send func(*ipcTask) bool) error {
	af := s.files[fi]
	f, _, err := openIPC(ctx, s.fsys, af.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	if stats != nil {
		r = countingReader{f, stats}
	}
	rd, err := ipc.NewReader(r, ipc.WithAllocator(memory.DefaultAllocator))
	if err != nil {
		return fmt.Errorf("%s: not an Arrow IPC stream: %w: %w", af.Path, err, ErrBadInput)
	}
	defer rd.Release()
	for rd.Next() {
		rec := rd.RecordBatch()
		rec.Retain()
		if !send(&ipcTask{file: fi, batch: -1, rec: rec}) {
			return nil
		}
	}
	if err := rd.Err(); err != nil {
		return fmt.Errorf("%s: %w: %w", af.Path, err, ErrBadInput)
	}
	return nil
}

// computeLevels reads the factor columns need of every batch and sets their
// levels to their sorted distinct values.
func (s *arrowScanner) computeLevels(ctx context.Context, need []int) error {
	countLevelScan(s.levelScans)
	workers := runtime.GOMAXPROCS(0)
	sets := make([][]levelSet, workers)
	for w := range sets {
		sets[w] = make([]levelSet, len(need))
		for j := range need {
			sets[w][j] = levelSet{}
		}
	}
	err := s.scanBatches(ctx, workers, nil, func(ctx context.Context, w int, t *ipcTask, rec arrow.RecordBatch) error {
		af := s.files[t.file]
		for j, k := range need {
			if err := sets[w][j].add(rec.Column(af.index[k])); err != nil {
				return fmt.Errorf("%s: column %s: %w", af.Path, s.cols[k].field.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finding the levels of string columns: %w", err)
	}
	for j, k := range need {
		col := make([]levelSet, workers)
		for w := range sets {
			col[w] = sets[w][j]
		}
		if err := s.cols[k].setLevels(sortedLevels(col)); err != nil {
			return err
		}
	}
	return nil
}

// Scan reads the record batches in parallel and delivers them in chunks of
// at most RowsPerChunk rows.
func (s *arrowScanner) Scan(ctx context.Context, opts ScanOptions, fn func(ctx context.Context, c Chunk) error) error {
	sel, err := selectColumns(s.cols, s.skipped, opts.Columns, s.files[0].Path)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if need := missingLevels(s.cols, sel); len(need) > 0 {
		if err = s.computeLevels(ctx, need); err == nil {
			s.out = normSchema(s.cols)
		}
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	cols := make([]*normColumn, len(sel))
	for k, c := range sel {
		cols[k] = s.cols[c]
	}
	rows := int64(opts.RowsPerChunk)
	if rows <= 0 {
		rows = int64(s.rows)
	}
	if rows <= 0 {
		rows = parquetDefaultRows
	}
	stats := opts.Stats
	if stats == nil {
		stats = &ScanStats{}
	}
	stats.Total = s.total
	workers := max(opts.Workers, 1)
	norms := make([]*normalizer, workers)
	for w := range norms {
		norms[w] = newNormalizer(cols)
	}
	defer func() {
		for _, n := range norms {
			n.release()
		}
	}()
	return s.scanBatches(ctx, workers, stats, func(ctx context.Context, w int, t *ipcTask, rec arrow.RecordBatch) error {
		af := s.files[t.file]
		n := rec.NumRows()
		pos, err := t.position(ctx, int((n+rows-1)/rows), n)
		if err != nil {
			return err
		}
		arrs := make([]arrow.Array, len(sel))
		for k, c := range sel {
			arrs[k] = rec.Column(af.index[c])
		}
		out, err := norms[w].record(arrs, n)
		if err != nil {
			return fmt.Errorf("%s: rows %d-%d: %w", af.Path, pos.row, pos.row+n-1, err)
		}
		defer out.Release()
		index := pos.index
		for lo := int64(0); lo < n; lo += rows {
			if err := ctx.Err(); err != nil {
				return err
			}
			hi := min(lo+rows, n)
			part := out.NewSlice(lo, hi)
			stats.Rows.Add(hi - lo)
			stats.Chunks.Add(1)
			err := fn(ctx, Chunk{Index: index, Worker: w, Record: part, Source: af.Path, FirstLine: pos.row + lo, FirstRow: pos.row + lo - 1})
			part.Release()
			if err != nil {
				return err
			}
			index++
		}
		return nil
	})
}
