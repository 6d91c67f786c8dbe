package hdfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	gohdfs "github.com/colinmarc/hdfs/v2"

	"github.com/rxspark/rxspark/context/fsys"
)

// This file makes HDFS a fsys.WritableFS, so that the local compute
// context can write outputs (data steps, imports, merges) to hdfs:// paths.
// Rename (ops.go) replaces a file or an empty directory at the target; the
// output protocol of the local context checks for an existing output itself
// and never renames onto a non-empty directory.

var (
	_ fsys.WritableFS = (*Client)(nil)
	_ fsys.WritableFS = (*Pool)(nil)
)

// Create creates a new file for writing; an existing file is an error
// (fs.ErrExist). The parent directory must exist. Close waits until the
// namenode has the file's last block.
func (c *Client) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	p, _, err := c.resolve(name)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, wrap("create", name, err)
	}
	w, err := c.c.Create(p)
	if err != nil {
		return nil, wrap("create", name, err)
	}
	return &fileWriter{ctx: ctx, w: w, name: name}, nil
}

// fileWriter is a file being written.
type fileWriter struct {
	ctx    context.Context
	w      *gohdfs.FileWriter
	name   string
	closed bool
}

func (f *fileWriter) Write(b []byte) (int, error) {
	if err := f.ctx.Err(); err != nil {
		return 0, wrap("write", f.name, err)
	}
	n, err := f.w.Write(b)
	if err != nil {
		return n, wrap("write", f.name, err)
	}
	return n, nil
}

func (f *fileWriter) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	if err := closeWriter(context.WithoutCancel(f.ctx), f.w); err != nil {
		return wrap("close", f.name, err)
	}
	return nil
}

// RemoveAll deletes a path and everything under it; a missing path is not
// an error. The root directory is never removed (see Remove).
func (c *Client) RemoveAll(ctx context.Context, name string) error {
	if err := c.Remove(ctx, name, true); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Create creates a file on the namenode of name (fsys.WritableFS).
func (p *Pool) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	c, err := p.Client(ctx, name)
	if err != nil {
		return nil, err
	}
	return c.Create(ctx, name)
}

// MkdirAll creates a directory and its parents on the namenode of dir
// (fsys.WritableFS).
func (p *Pool) MkdirAll(ctx context.Context, dir string) error {
	c, err := p.Client(ctx, dir)
	if err != nil {
		return err
	}
	return c.MkdirAll(ctx, dir)
}

// Rename moves a file or directory on the namenode of from
// (fsys.WritableFS); both paths must be on the same namenode.
func (p *Pool) Rename(ctx context.Context, from, to string) error {
	a, err := p.cfg.ForPath(from)
	if err != nil {
		return err
	}
	b, err := p.cfg.ForPath(to)
	if err != nil {
		return err
	}
	if strings.Join(a.Namenodes, ",") != strings.Join(b.Namenodes, ",") {
		return fmt.Errorf("hdfs: rename %s to %s: the paths are on different namenodes", from, to)
	}
	c, err := p.Client(ctx, from)
	if err != nil {
		return err
	}
	return c.Rename(ctx, from, to)
}

// RemoveAll deletes a path and everything under it on the namenode of name
// (fsys.WritableFS).
func (p *Pool) RemoveAll(ctx context.Context, name string) error {
	c, err := p.Client(ctx, name)
	if err != nil {
		return err
	}
	return c.RemoveAll(ctx, name)
}
