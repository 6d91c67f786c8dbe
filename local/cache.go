package local

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/rxspark/rxspark/local/kernel"
)

// The column cache of a prepared source (see Prepare and
// compute.CacheForPasses).
//
// A source prepared with the Cache option keeps, after a pass, the decoded
// chunks that pass read (its columns only, copied out of the scanner's
// buffers, with their Index, Source, FirstLine and FirstRow), provided that
// they fit the context's cache memory (CacheMemory). A later pass whose
// columns are all among the cached ones runs from memory: the same chunks,
// in the same order, with the same metadata, so the same rows, the same row
// identities (rowhash) and, for the same assignment of chunks to workers
// (one worker), bitwise the same aggregates as a pass over the files.
//
// A pass that needs a column the cache does not hold streams from the files
// and replaces the cache with the chunks of its own columns (the columns of
// an iterative fit's passes are those of its first pass, so this happens at
// most once or twice per fit). If a pass's chunks outgrow the budget while
// they are being kept, what was kept is dropped, the pass completes from the
// files, and every later pass of the source streams (no error). When the
// filling pass skipped malformed CSV lines (SkipBadLines), which lines are
// malformed depends on the columns parsed, so only passes over exactly the
// cached columns run from the cache.
//
// The budget is the context's: the sources prepared on one context share
// it. Close frees a source's cache (once the passes still reading it end).

// CacheMemory sets the memory budget, in bytes, of the column caches of
// sources prepared with compute.CacheForPasses (shared by the sources of
// the context): 0 means the default, a quarter of the physical memory; a
// negative value disables the cache, so that every pass reads the files.
func CacheMemory(bytes int64) Option {
	return func(c *Context) { c.cacheMem = bytes }
}

// CacheBudget returns the context's cache memory in bytes (0: no cache).
func (c *Context) CacheBudget() int64 {
	switch {
	case c.cacheMem < 0:
		return 0
	case c.cacheMem == 0:
		return defaultCacheMemory()
	}
	return c.cacheMem
}

// fallbackCacheMemory is the default budget where the physical memory
// cannot be read (1 GiB).
const fallbackCacheMemory = 1 << 30

// defaultCacheMemory is a quarter of the physical memory (MemTotal of
// /proc/meminfo), or fallbackCacheMemory where it cannot be read.
var defaultCacheMemory = sync.OnceValue(func() int64 {
	if n := memTotal(); n > 0 {
		return n / 4
	}
	return fallbackCacheMemory
})

// memTotal returns the machine's physical memory in bytes from
// /proc/meminfo, or 0.
func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		// MemTotal:       16315508 kB
		rest, ok := bytes.CutPrefix(s.Bytes(), []byte("MemTotal:"))
		if !ok {
			continue
		}
		fields := bytes.Fields(rest)
		if len(fields) == 0 {
			return 0
		}
		n, err := strconv.ParseInt(string(fields[0]), 10, 64)
		if err != nil {
			return 0
		}
		if len(fields) > 1 && string(fields[1]) == "kB" {
			n *= 1024
		}
		return n
	}
	return 0
}

// cachedChunk is one chunk kept by a column cache.
type cachedChunk struct {
	index     int
	rec       arrow.RecordBatch
	source    string
	firstLine int64
	firstRow  int64
	bytes     int64 // decoded size
}

// colCache is the decoded chunks of a source's columns, in chunk order.
// It is reference counted: the prepared source holds one reference, each
// pass reading it another; the last release frees the records and gives
// the bytes back to the context's budget.
type colCache struct {
	c        *Context
	cols     map[string]bool
	schema   *arrow.Schema // of the records
	chunks   []cachedChunk
	bytes    int64
	badLines int64 // skipped by the pass that filled it
	refs     atomic.Int32
}

func (cc *colCache) retain() { cc.refs.Add(1) }

func (cc *colCache) release() {
	if cc.refs.Add(-1) != 0 {
		return
	}
	for _, ch := range cc.chunks {
		forgetFinite(ch.rec)
		ch.rec.Release()
	}
	cc.chunks = nil
	cc.c.stats.cacheBytes.Add(-cc.bytes)
}

// finiteCols holds the Float64 columns of cached chunks (their
// arrow.ArrayData) that have no null, NaN or ±Inf: a pass reading one from
// the cache takes it as complete without checking it again (see
// evaluator.fromArrow). Entries live as long as the cached chunk.
var finiteCols sync.Map

// noteFinite records the complete Float64 columns of a cached record.
func noteFinite(rec arrow.RecordBatch) {
	for _, col := range rec.Columns() {
		if f, ok := col.(*array.Float64); ok && f.NullN() == 0 && kernel.AllFinite(f.Float64Values()) {
			finiteCols.Store(col.Data(), struct{}{})
		}
	}
}

// forgetFinite removes a record's columns from finiteCols.
func forgetFinite(rec arrow.RecordBatch) {
	for _, col := range rec.Columns() {
		finiteCols.Delete(col.Data())
	}
}

// knownFinite reports whether a is a cached column recorded by noteFinite.
func knownFinite(a arrow.Array) bool {
	_, ok := finiteCols.Load(a.Data())
	return ok
}

// serves reports whether a pass over cols can run from the cache.
func (cc *colCache) serves(cols []string) bool {
	if cc.badLines > 0 && len(cols) != len(cc.cols) {
		return false
	}
	for _, c := range cols {
		if !cc.cols[c] {
			return false
		}
	}
	return true
}

// scanner returns a Scanner over the cache's chunks restricted to cols.
func (cc *colCache) scanner(cols []string) *cacheScanner {
	s := &cacheScanner{cc: cc, schema: cc.schema}
	if len(cols) < len(cc.schema.Fields()) {
		// The projection of each distinct chunk schema (the chunks of one
		// source normally share one).
		s.proj = map[*arrow.Schema]projection{}
		for _, ch := range cc.chunks {
			if sc := ch.rec.Schema(); s.proj[sc].schema == nil {
				s.proj[sc] = project(sc, cols)
			}
		}
		s.schema = project(cc.schema, cols).schema
	}
	return s
}

// projection is a chunk schema restricted to some columns: the schema and
// the indices of its columns in the chunk.
type projection struct {
	schema *arrow.Schema
	pick   []int
}

func project(sc *arrow.Schema, cols []string) projection {
	var p projection
	var fields []arrow.Field
	for i, f := range sc.Fields() {
		if slices.Contains(cols, f.Name) {
			fields = append(fields, f)
			p.pick = append(p.pick, i)
		}
	}
	md := sc.Metadata()
	p.schema = arrow.NewSchema(fields, &md)
	return p
}

// cacheScanner is a Scanner over a column cache: the cached chunks (their
// records projected on the pass's columns), handed to the workers in chunk
// order.
type cacheScanner struct {
	cc     *colCache
	schema *arrow.Schema
	// proj projects the records of each chunk schema (nil: every column)
	proj map[*arrow.Schema]projection
}

func (s *cacheScanner) Schema() *arrow.Schema { return s.schema }
func (s *cacheScanner) Close() error          { return nil }

// Scan calls fn for every cached chunk from opts.Workers goroutines, which
// take the chunks in order. opts.Columns and opts.RowsPerChunk are those of
// the cache (see prepared.scanner); Stats count decoded bytes.
func (s *cacheScanner) Scan(ctx context.Context, opts ScanOptions, fn func(ctx context.Context, c Chunk) error) error {
	chunks := s.cc.chunks
	stats := opts.Stats
	if stats == nil {
		stats = &ScanStats{}
	}
	stats.Total = s.cc.bytes
	workers := max(opts.Workers, 1)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(chunks) || ctx.Err() != nil {
					return
				}
				ch := &chunks[i]
				rec := ch.rec
				if s.proj != nil {
					p := s.proj[rec.Schema()]
					cols := make([]arrow.Array, len(p.pick))
					for k, j := range p.pick {
						cols[k] = rec.Column(j)
					}
					rec = array.NewRecordBatch(p.schema, cols, ch.rec.NumRows())
				} else {
					rec.Retain()
				}
				err := fn(ctx, Chunk{Index: ch.index, Worker: w, Record: rec, Source: ch.source, FirstLine: ch.firstLine, FirstRow: ch.firstRow})
				rec.Release()
				if err != nil {
					once.Do(func() { first = err })
					cancel(err)
					return
				}
				stats.Rows.Add(ch.rec.NumRows())
				stats.Chunks.Add(1)
				stats.Bytes.Add(ch.bytes)
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	stats.BadLines.Add(s.cc.badLines)
	return nil
}

// cacheFill keeps the chunks of one pass, within the context's budget.
type cacheFill struct {
	c      *Context
	budget int64
	mu     sync.Mutex
	chunks []cachedChunk
	schema *arrow.Schema
	bytes  int64
	over   bool // the budget was exceeded: nothing more is kept
	err    error
	// dicts are the factor dictionaries counted so far (those of Parquet
	// and Arrow sources are shared by the chunks: counted once).
	dicts map[arrow.ArrayData]bool
}

// keep copies chunk ch into the fill unless the budget is exhausted.
func (f *cacheFill) keep(ch Chunk) {
	f.mu.Lock()
	over := f.over || f.err != nil
	f.mu.Unlock()
	if over {
		return
	}
	rec, size, dicts, err := copyRecord(ch.Record)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		f.err = err
		return
	}
	if f.over {
		rec.Release()
		return
	}
	for _, d := range dicts {
		if !f.dicts[d] {
			if f.dicts == nil {
				f.dicts = map[arrow.ArrayData]bool{}
			}
			f.dicts[d] = true
			size += dataSize(d)
		}
	}
	if f.c.stats.cacheBytes.Add(size) > f.budget {
		f.c.stats.cacheBytes.Add(-size)
		rec.Release()
		f.over = true
		f.drop()
		return
	}
	if f.schema == nil {
		f.schema = rec.Schema()
	}
	f.bytes += size
	noteFinite(rec)
	f.chunks = append(f.chunks, cachedChunk{index: ch.Index, rec: rec, source: ch.Source, firstLine: ch.FirstLine, firstRow: ch.FirstRow, bytes: size})
}

// drop releases what the fill kept; f.mu is held.
func (f *cacheFill) drop() {
	for _, ch := range f.chunks {
		forgetFinite(ch.rec)
		ch.rec.Release()
	}
	f.chunks = nil
	f.c.stats.cacheBytes.Add(-f.bytes)
	f.bytes = 0
}

// finish turns a complete fill into a cache over cols (nil if the budget
// was exceeded or a copy failed: then nothing is held).
func (f *cacheFill) finish(cols []string, badLines int64) *colCache {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.over || f.err != nil {
		f.drop()
		return nil
	}
	sort.Slice(f.chunks, func(i, j int) bool { return f.chunks[i].index < f.chunks[j].index })
	cc := &colCache{c: f.c, cols: map[string]bool{}, schema: f.schema, chunks: f.chunks, bytes: f.bytes, badLines: badLines}
	for _, c := range cols {
		cc.cols[c] = true
	}
	if cc.schema == nil { // no rows at all: the cache is empty
		cc.schema = arrow.NewSchema(nil, nil)
	}
	cc.refs.Store(1)
	f.chunks, f.bytes = nil, 0
	return cc
}

// abort releases a fill whose pass failed.
func (f *cacheFill) abort() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.drop()
}

// copyRecord returns a compact copy of rec in Go memory, independent of
// the scanner's buffers (pooled, page-sized or shared between chunks), its
// size in bytes without the factor dictionaries, and those dictionaries,
// which the copy shares with rec (they are immutable; for Parquet and
// Arrow sources every chunk has the same).
func copyRecord(rec arrow.RecordBatch) (arrow.RecordBatch, int64, []arrow.ArrayData, error) {
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	var size int64
	var dicts []arrow.ArrayData
	for i, a := range rec.Columns() {
		var out arrow.Array
		if d, ok := a.(*array.Dictionary); ok {
			idx, err := array.Concatenate([]arrow.Array{d.Indices()}, memory.DefaultAllocator)
			if err != nil {
				return nil, 0, nil, fmt.Errorf("column %s: %w", rec.ColumnName(i), err)
			}
			dict := d.Dictionary().Data()
			data := array.NewDataWithDictionary(d.DataType(), idx.Len(), idx.Data().Buffers(), idx.NullN(), 0, dict.(*array.Data))
			idx.Release()
			out = array.MakeFromData(data)
			data.Release()
			dicts = append(dicts, dict)
		} else {
			var err error
			if out, err = array.Concatenate([]arrow.Array{a}, memory.DefaultAllocator); err != nil {
				return nil, 0, nil, fmt.Errorf("column %s: %w", rec.ColumnName(i), err)
			}
		}
		cols[i] = out
		for _, b := range out.Data().Buffers() {
			if b != nil {
				size += int64(b.Len())
			}
		}
	}
	return array.NewRecordBatch(rec.Schema(), cols, rec.NumRows()), size, dicts, nil
}

// dataSize is the size of an array's buffers (and its children's).
func dataSize(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataSize(c)
	}
	return n
}
