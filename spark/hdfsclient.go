package spark

import (
	"context"

	"github.com/rxspark/rxspark/hdfs"
)

func init() {
	dialHDFS = func(ctx context.Context, o HDFSOptions) (hdfsFS, error) {
		return hdfs.Dial(ctx, hdfs.Config{Namenodes: o.Namenodes, ConfDir: o.ConfDir, User: o.User, DialTimeout: o.DialTimeout})
	}
}
