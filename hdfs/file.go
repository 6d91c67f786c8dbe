package hdfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"sync"

	gohdfs "github.com/colinmarc/hdfs/v2"

	"github.com/rxspark/rxspark/context/fsys"
)

// Stat describes one path.
func (c *Client) Stat(ctx context.Context, name string) (fsys.FileInfo, error) {
	p, render, err := c.resolve(name)
	if err != nil {
		return fsys.FileInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return fsys.FileInfo{}, wrap("stat", name, err)
	}
	fi, err := c.c.Stat(p)
	if err != nil {
		return fsys.FileInfo{}, wrap("stat", name, err)
	}
	return fsys.FileInfo{Path: render(p), Size: fi.Size(), IsDir: fi.IsDir()}, nil
}

// List returns the entries of a directory sorted by path, named in the
// style of dir (plain path or hdfs:// URL).
func (c *Client) List(ctx context.Context, dir string) ([]fsys.FileInfo, error) {
	p, render, err := c.resolve(dir)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, wrap("list", dir, err)
	}
	entries, err := c.c.ReadDir(p)
	if err != nil {
		return nil, wrap("list", dir, err)
	}
	out := make([]fsys.FileInfo, len(entries))
	for i, e := range entries {
		out[i] = fsys.FileInfo{Path: render(path.Join(p, e.Name())), Size: e.Size(), IsDir: e.IsDir()}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Open opens a file for reading (fsys.FileSystem).
func (c *Client) Open(ctx context.Context, name string) (fsys.File, error) {
	f, err := c.OpenFile(ctx, name)
	if err != nil {
		return nil, err // not a typed nil in an interface
	}
	return f, nil
}

// OpenFile opens a file for reading, returning the concrete type.
func (c *Client) OpenFile(ctx context.Context, name string) (*File, error) {
	p, _, err := c.resolve(name)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, wrap("open", name, err)
	}
	r, err := c.c.Open(p)
	if err != nil {
		return nil, wrap("open", name, err)
	}
	if r.Stat().IsDir() {
		r.Close()
		return nil, fmt.Errorf("hdfs: open %s: is a directory", name)
	}
	return &File{c: c.c, p: p, name: name, r: r, size: r.Stat().Size()}, nil
}

// maxIdleReaders bounds the readers a File keeps for ReadAt.
const maxIdleReaders = 8

// File is an open HDFS file: sequential reads (Read, Seek) and random-access
// reads (ReadAt), which are independent of each other. ReadAt is safe for
// concurrent use (Parquet reads column chunks in parallel): each call
// borrows one of a small pool of readers, preferring one already positioned
// at the offset, so sequential ReadAt calls stream from the datanode.
type File struct {
	c    *gohdfs.Client
	p    string // HDFS path
	name string // as the caller named it, for errors
	size int64

	// Sequential reading; not safe for concurrent use (like most Readers).
	r    *gohdfs.FileReader
	pos  int64 // offset of the next Read
	rpos int64 // offset of r

	mu     sync.Mutex
	idle   []*atReader
	closed bool
}

type atReader struct {
	r   *gohdfs.FileReader
	off int64
}

// Size is the length of the file in bytes.
func (f *File) Size() int64 { return f.size }

// Name returns the path the file was opened with.
func (f *File) Name() string { return f.name }

// Read reads sequentially from the offset set by Seek.
func (f *File) Read(b []byte) (int, error) {
	if f.isClosed() {
		return 0, wrap("read", f.name, errors.New("file already closed"))
	}
	if f.pos >= f.size {
		return 0, io.EOF
	}
	if len(b) == 0 {
		return 0, nil
	}
	if f.rpos != f.pos {
		// gohdfs's Seek drops the datanode connection unless it can skip
		// a little forward: seek only when the offset really moved.
		if _, err := f.r.Seek(f.pos, io.SeekStart); err != nil {
			return 0, wrap("read", f.name, err)
		}
		f.rpos = f.pos
	}
	n, err := f.r.Read(b)
	f.pos += int64(n)
	f.rpos = f.pos
	if err != nil && err != io.EOF {
		err = wrap("read", f.name, err)
	}
	return n, err
}

// Seek sets the offset of the next Read (beyond the end is allowed: Read
// then returns io.EOF).
func (f *File) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += f.pos
	case io.SeekEnd:
		off += f.size
	default:
		return f.pos, fmt.Errorf("hdfs: seek %s: invalid whence %d", f.name, whence)
	}
	if off < 0 {
		return f.pos, fmt.Errorf("hdfs: seek %s: negative offset %d", f.name, off)
	}
	f.pos = off
	return off, nil
}

// ReadAt reads len(b) bytes at off (io.EOF when the file ends first). It
// does not move the offset of Read.
func (f *File) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("hdfs: read %s: negative offset %d", f.name, off)
	}
	if len(b) == 0 {
		return 0, nil
	}
	if off >= f.size {
		return 0, io.EOF
	}
	ar, err := f.borrow(off)
	if err != nil {
		return 0, err
	}
	if ar.off != off {
		if _, err := ar.r.Seek(off, io.SeekStart); err != nil {
			ar.r.Close()
			return 0, wrap("read", f.name, err)
		}
		ar.off = off
	}
	n, err := io.ReadFull(ar.r, b)
	ar.off += int64(n)
	switch {
	case err == nil:
	case (err == io.ErrUnexpectedEOF || err == io.EOF) && off+int64(n) >= f.size:
		err = io.EOF
	default:
		ar.r.Close()
		return n, wrap("read", f.name, err)
	}
	f.giveBack(ar)
	return n, err
}

// borrow takes an idle reader, preferably one positioned at off, or opens
// one.
func (f *File) borrow(off int64) (*atReader, error) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, wrap("read", f.name, errors.New("file already closed"))
	}
	if n := len(f.idle); n > 0 {
		pick := n - 1
		for i, ar := range f.idle {
			if ar.off == off {
				pick = i
				break
			}
		}
		ar := f.idle[pick]
		f.idle = append(f.idle[:pick], f.idle[pick+1:]...)
		f.mu.Unlock()
		return ar, nil
	}
	f.mu.Unlock()
	r, err := f.c.Open(f.p)
	if err != nil {
		return nil, wrap("open", f.name, err)
	}
	return &atReader{r: r}, nil
}

func (f *File) giveBack(ar *atReader) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || len(f.idle) >= maxIdleReaders {
		ar.r.Close()
		return
	}
	f.idle = append(f.idle, ar)
}

func (f *File) isClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

// Close closes the file (ReadAt calls under way complete on their own
// readers, which are then closed).
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	for _, ar := range f.idle {
		ar.r.Close()
	}
	f.idle = nil
	return f.r.Close()
}
