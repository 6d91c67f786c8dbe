package formats

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// How a scan runs: one reader goroutine reads each file sequentially into
// large buffers and cuts them, at record boundaries, into blocks of at most
// RowsPerChunk rows; it tracks quotes so that a newline inside a quoted
// field never ends a block, using bytes.IndexByte so that data without
// quotes is cut at memchr speed. Blocks go through a small queue to the
// workers; each parses its block into a record batch, calls the callback
// in its own goroutine and releases the record. Buffers are reference
// counted and recycled through a fixed pool, so memory is bounded by the
// buffer size times the number of workers.

// csvBuf is a read buffer shared by the blocks cut from it.
type csvBuf struct {
	data []byte
	refs atomic.Int32
	pool chan *csvBuf
}

func (b *csvBuf) retain() { b.refs.Add(1) }

func (b *csvBuf) release() {
	if b.refs.Add(-1) == 0 {
		b.pool <- b
	}
}

// csvPool hands out read buffers, allocating up to max of them.
type csvPool struct {
	free  chan *csvBuf
	n     int
	max   int
	size  int
	stats *ScanStats
}

func (p *csvPool) get(ctx context.Context) (*csvBuf, error) {
	var b *csvBuf
	select {
	case b = <-p.free:
	default:
		if p.n < p.max {
			p.n++
			b = &csvBuf{data: make([]byte, p.size), pool: p.free}
		} else {
			select {
			case b = <-p.free:
			case <-ctx.Done():
				return nil, context.Cause(ctx)
			}
		}
	}
	b.refs.Store(1)
	return b, nil
}

// csvBlock is a run of whole records of one file.
type csvBlock struct {
	buf       *csvBuf
	data      []byte
	file      int
	index     int
	firstLine int64
	firstRow  int64 // 0-based position in the file of the block's first record
	rows      int   // non-blank records
	quoted    bool  // data holds quotes
}

// Scan reads the files in order, calling fn for every chunk from
// opts.Workers goroutines.
func (s *csvScanner) Scan(ctx context.Context, opts ScanOptions, fn func(ctx context.Context, c Chunk) error) error {
	proj, schema, err := s.projection(opts.Columns)
	if err != nil {
		return err
	}
	workers := max(opts.Workers, 1)
	rows := opts.RowsPerChunk
	if rows <= 0 {
		rows = s.rows
	}
	if rows <= 0 {
		rows = csvDefaultRows
	}
	stats := opts.Stats
	if stats == nil {
		stats = &ScanStats{}
	}
	stats.Total = s.total

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	blocks := make(chan *csvBlock, workers)
	pool := &csvPool{free: make(chan *csvBuf, 2*workers+2), max: 2*workers + 2, size: s.blockSize, stats: stats}
	var wg sync.WaitGroup
	wg.Add(1 + workers)
	go func() {
		defer wg.Done()
		defer close(blocks)
		r := csvReader{s: s, blocks: blocks, pool: pool, target: rows, stats: stats}
		if err := r.run(ctx); err != nil {
			cancel(err)
		}
	}()
	for w := range workers {
		go func() {
			defer wg.Done()
			p := s.newParser(proj, schema)
			for b := range blocks {
				if ctx.Err() == nil {
					if err := p.deliver(ctx, b, w, fn, stats); err != nil {
						cancel(err)
					}
				}
				b.buf.release()
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

// csvReader cuts files into blocks.
type csvReader struct {
	s      *csvScanner
	blocks chan<- *csvBlock
	pool   *csvPool
	target int
	stats  *ScanStats
	index  int
}

func (r *csvReader) run(ctx context.Context) error {
	for i := range r.s.files {
		if err := r.file(ctx, i); err != nil {
			return err
		}
	}
	return nil
}

// file cuts one file into blocks.
func (r *csvReader) file(ctx context.Context, fi int) error {
	f := &r.s.files[fi]
	file, err := r.s.fsys.Open(ctx, f.path)
	if err != nil {
		return fmt.Errorf("open %s: %w", f.path, err)
	}
	defer file.Close()
	cur, err := r.pool.get(ctx)
	if err != nil {
		return err
	}
	defer func() { cur.release() }()

	var (
		filled     int   // bytes of cur.data read
		pos        int   // start of the next record
		eof        bool  // the file has been read to its end
		line       int64 = 1
		blockStart int
		blockLine  int64 = 1
		rows       int
		fileRows   int64 // records in the blocks cut so far
		quoted     bool
		headerDone = !r.s.header
		bomDone    bool
		// q is the first '"' at or after qFrom in cur.data[:qTo], or -1
		// if there is none there.
		q, qTo = -1, 0
	)
	skipped := func(n int) { r.stats.Bytes.Add(int64(n)) }

	cut := func() error {
		b := &csvBlock{buf: cur, data: cur.data[blockStart:pos:pos], file: fi, index: r.index,
			firstLine: blockLine, firstRow: fileRows, rows: rows, quoted: quoted || r.s.allQuoted}
		cur.retain()
		select {
		case r.blocks <- b:
		case <-ctx.Done():
			cur.release()
			return context.Cause(ctx)
		}
		r.index++
		fileRows += int64(rows)
		blockStart, blockLine, rows, quoted = pos, line, 0, false
		return nil
	}

	// more reads more of the file, first making room by cutting the block
	// so far (if it fills the buffer), moving the unfinished part to a
	// fresh buffer, or growing the buffer for a record longer than it.
	more := func() error {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		if filled == len(cur.data) {
			if blockStart == 0 && rows > 0 {
				if err := cut(); err != nil {
					return err
				}
			}
			if blockStart == 0 {
				// One record fills the buffer: grow it (no block uses it).
				if len(cur.data) >= csvMaxRecord {
					return &csvError{f.path, line, fmt.Sprintf("record longer than %d bytes (an unterminated quote?)", csvMaxRecord)}
				}
				nd := make([]byte, 2*len(cur.data))
				copy(nd, cur.data[:filled])
				cur.data = nd
			} else {
				nb, err := r.pool.get(ctx)
				if err != nil {
					return err
				}
				if len(nb.data) < len(cur.data) {
					nb.data = make([]byte, len(cur.data))
				}
				if q >= 0 && q < pos {
					q, qTo = -1, pos // a stale quote must not shift below 0
				}
				off := blockStart
				filled = copy(nb.data, cur.data[blockStart:filled])
				cur.release()
				cur = nb
				pos -= off
				blockStart = 0
				qTo -= off
				if q >= 0 {
					q -= off
				}
			}
		}
		for tries := 0; ; tries++ {
			n, err := file.Read(cur.data[filled:])
			filled += n
			if err == io.EOF {
				eof = true
				return nil
			}
			if err != nil {
				return fmt.Errorf("read %s: %w", f.path, err)
			}
			if n > 0 || tries > 100 {
				return nil
			}
		}
	}

	for {
		if rows == r.target {
			if err := cut(); err != nil {
				return err
			}
		}
		if !bomDone {
			if filled-pos < len(bom) && !eof {
				if err := more(); err != nil {
					return err
				}
				continue
			}
			bomDone = true
			if bytes.HasPrefix(cur.data[pos:filled], bom) {
				pos += len(bom)
				blockStart = pos
				skipped(len(bom))
			}
		}
		e := bytes.IndexByte(cur.data[pos:filled], '\n')
		if e < 0 && !eof {
			if err := more(); err != nil {
				return err
			}
			continue
		}
		if e < 0 && pos == filled {
			break // end of file
		}
		end := filled // of the record, if it has no quotes
		if e >= 0 {
			end = pos + e + 1
		}
		// Does the line hold a quote?
		if q >= 0 && q < pos {
			q, qTo = -1, pos
		}
		if q < 0 && qTo < filled {
			from := max(qTo, pos)
			if j := bytes.IndexByte(cur.data[from:filled], '"'); j >= 0 {
				q = from + j
			}
			qTo = filled
		}
		n, lines := end-pos, 0
		if e >= 0 {
			lines = 1
		}
		hasQuote := q >= 0 && q < end
		if hasQuote {
			var st recStatus
			n, lines, st = recordEnd(cur.data[pos:filled], f.delim, eof)
			switch st {
			case recMore:
				if err := more(); err != nil {
					return err
				}
				continue
			case recUnterminated:
				return &csvError{f.path, line, "unterminated quoted field (the file ends inside quotes)"}
			}
		}
		blank := !hasQuote && blankRecord(bytes.TrimSuffix(cur.data[pos:pos+n], nlByte))
		pos += n
		line += int64(lines)
		switch {
		case !headerDone:
			if !blank {
				headerDone = true
			}
			skipped(pos - blockStart)
			blockStart, blockLine = pos, line
		case blank:
			if rows == 0 {
				skipped(pos - blockStart)
				blockStart, blockLine = pos, line
			}
		default:
			rows++
			quoted = quoted || hasQuote
		}
	}
	if rows > 0 {
		return cut()
	}
	skipped(pos - blockStart)
	return nil
}

// deliver parses a block and calls fn with it.
func (p *csvParser) deliver(ctx context.Context, b *csvBlock, worker int, fn func(context.Context, Chunk) error, stats *ScanStats) (err error) {
	rec, bad, err := p.parse(b)
	if err != nil {
		return err
	}
	defer rec.Release()
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	if bad > 0 {
		stats.BadLines.Add(bad)
	}
	f := &p.s.files[b.file]
	if err := fn(ctx, Chunk{Index: b.index, Worker: worker, Record: rec, Source: f.path, FirstLine: b.firstLine, FirstRow: b.firstRow}); err != nil {
		return err
	}
	stats.Rows.Add(rec.NumRows())
	stats.Chunks.Add(1)
	stats.Bytes.Add(int64(len(b.data)))
	return nil
}
