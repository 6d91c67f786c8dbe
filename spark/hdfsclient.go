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
		return pool, nil
	}
}
