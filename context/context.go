package compute

import (
	"context"
	"errors"
	"sync"
)

// ComputeContext is where passes run: the local machine or a Spark cluster.
// It is the whole required contract, in the spirit of database/sql/driver;
// further capabilities (writing data, closing a session) are optional
// interfaces discovered by type assertion.
//
// Implementations must be safe for concurrent use, honour cancellation of
// ctx, and report progress to the [ProgressFunc] attached to ctx, if any.
type ComputeContext interface {
	// Name identifies the context ("local", "spark").
	Name() string
	// Schema returns the columns of a data source, with factor levels where
	// the source records them.
	Schema(ctx context.Context, src DataSource) (*Schema, error)
	// Run executes one pass over src. It validates the pass against the
	// schema before reading any data.
	Run(ctx context.Context, src DataSource, p *Pass) (*Aggregates, error)
}

// Closer is implemented by contexts that hold resources (a Spark session).
type Closer interface {
	Close() error
}

var (
	defaultMu sync.RWMutex
	defaultCC ComputeContext
	localNew  func() ComputeContext
)

// SetComputeContext makes cc the process default compute context, used by
// every call that does not name one, and returns the previous default (as
// RevoScaleR's rxSetComputeContext does). Passing nil restores the local
// default.
func SetComputeContext(cc ComputeContext) ComputeContext {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	prev := defaultCC
	defaultCC = cc
	if prev == nil && localNew != nil {
		prev = localNew()
	}
	return prev
}

// GetComputeContext returns the process default compute context: the one set
// with SetComputeContext, else a local context with one worker per core.
func GetComputeContext() ComputeContext {
	defaultMu.RLock()
	cc, mk := defaultCC, localNew
	defaultMu.RUnlock()
	if cc != nil {
		return cc
	}
	if mk == nil {
		return missingContext{}
	}
	return mk()
}

// Resolve returns cc if it is not nil, else the process default: the rule for
// every per-call override.
func Resolve(cc ComputeContext) ComputeContext {
	if cc != nil {
		return cc
	}
	return GetComputeContext()
}

// RegisterLocal is called by the local package to provide the default
// context. It is not for general use.
func RegisterLocal(newLocal func() ComputeContext) {
	defaultMu.Lock()
	localNew = newLocal
	defaultMu.Unlock()
}

// ErrNoContext is returned when no compute context was set and the local
// context is not linked into the program.
var ErrNoContext = errors.New("no compute context: call compute.SetComputeContext, or import github.com/rxspark/rxspark/local")

type missingContext struct{}

func (missingContext) Name() string { return "none" }
func (missingContext) Schema(context.Context, DataSource) (*Schema, error) {
	return nil, ErrNoContext
}
func (missingContext) Run(context.Context, DataSource, *Pass) (*Aggregates, error) {
	return nil, ErrNoContext
}
