package compute

import (
	"context"
	"time"
)

// Progress is a snapshot of a running pass.
type Progress struct {
	Pass    string        // Pass.Name
	Rows    int64         // rows read so far
	Chunks  int64         // chunks done so far
	Bytes   int64         // input bytes consumed so far, where known
	Total   int64         // total input bytes, where known (0: unknown)
	Elapsed time.Duration // since the pass started
	Done    bool          // the last report of the pass
}

// RowsPerSecond is the read rate so far.
func (p Progress) RowsPerSecond() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Rows) / p.Elapsed.Seconds()
}

// ProgressFunc receives progress reports. Contexts call it from one goroutine
// at a time, at most a few times per second, and once with Done set.
type ProgressFunc func(Progress)

type progressKey struct{}

// WithProgress returns a context whose passes report progress to fn.
func WithProgress(ctx context.Context, fn ProgressFunc) context.Context {
	return context.WithValue(ctx, progressKey{}, fn)
}

// ProgressFrom returns the progress function attached to ctx, or a no-op.
func ProgressFrom(ctx context.Context) ProgressFunc {
	if fn, ok := ctx.Value(progressKey{}).(ProgressFunc); ok && fn != nil {
		return fn
	}
	return func(Progress) {}
}
