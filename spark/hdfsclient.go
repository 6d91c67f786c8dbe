package spark

import (
	"context"

	"github.com/rxspark/rxspark/hdfs"
)

// HDFS access through package hdfs: a pool of clients, so that an
// hdfs://host:port/ path is read on its own namenode; the configured
// namenode is dialled at once (an unreachable one fails here, within
// DialTimeout).
func init() {
	dialHDFS = func(ctx context.Context, o HDFSOptions) (hdfsFS, error) {
		pool := hdfs.NewPool(hdfs.Config{Namenodes: o.Namenodes, User: o.User, ConfDir: o.ConfDir, DialTimeout: o.DialTimeout})
		if _, err := pool.Client(ctx, "/"); err != nil {
			return nil, err
		}
		return poolFS{pool}, nil
	}
}

// poolFS adds the operations outputs need (hdfsWriteFS) to a pool: each
// runs on the namenode of its path.
type poolFS struct{ *hdfs.Pool }

var _ hdfsWriteFS = poolFS{}

func (p poolFS) MkdirAll(ctx context.Context, dir string) error {
	c, err := p.Client(ctx, dir)
	if err != nil {
		return err
	}
	return c.MkdirAll(ctx, dir)
}

func (p poolFS) Remove(ctx context.Context, name string, recursive bool) error {
	c, err := p.Client(ctx, name)
	if err != nil {
		return err
	}
	return c.Remove(ctx, name, recursive)
}

func (p poolFS) Rename(ctx context.Context, from, to string) error {
	c, err := p.Client(ctx, from)
	if err != nil {
		return err
	}
	return c.Rename(ctx, from, to)
}

func (p poolFS) Put(ctx context.Context, localPath, remote string, overwrite bool) error {
	c, err := p.Client(ctx, remote)
	if err != nil {
		return err
	}
	return c.Put(ctx, localPath, remote, overwrite)
}
