package hdfs

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/rxspark/rxspark/context/fsys"
)

var _ fsys.FileSystem = (*Client)(nil)

// Pool keeps one client per namenode: hdfs://host:port/ URLs are served by
// the namenode of their authority (see Config.ForPath), plain paths and
// hdfs:/// URLs by that of the pool's configuration. Clients are dialled on
// first use and kept until Close; a failed dial is retried on the next use.
// A Pool is safe for concurrent use.
type Pool struct {
	cfg     Config
	mu      sync.Mutex
	clients map[string]*Client
	closed  bool
}

// NewPool returns an empty pool for cfg.
func NewPool(cfg Config) *Pool { return &Pool{cfg: cfg, clients: map[string]*Client{}} }

// Client returns the client for the namenode of p, dialling it if needed.
func (p *Pool) Client(ctx context.Context, path string) (*Client, error) {
	cc, err := p.cfg.ForPath(path)
	if err != nil {
		return nil, err
	}
	key := strings.Join(cc.Namenodes, ",")
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errors.New("hdfs: connection pool already closed")
	}
	if c, ok := p.clients[key]; ok {
		return c, nil
	}
	c, err := Dial(ctx, cc)
	if err != nil {
		return nil, err
	}
	p.clients[key] = c
	return c, nil
}

// Close closes every client.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	var errs []error
	for k, c := range p.clients {
		errs = append(errs, c.Close())
		delete(p.clients, k)
	}
	return errors.Join(errs...)
}

// Open opens a file on the namenode of name (fsys.FileSystem).
func (p *Pool) Open(ctx context.Context, name string) (fsys.File, error) {
	c, err := p.Client(ctx, name)
	if err != nil {
		return nil, err
	}
	return c.Open(ctx, name)
}

// Stat describes a path on the namenode of name (fsys.FileSystem).
func (p *Pool) Stat(ctx context.Context, name string) (fsys.FileInfo, error) {
	c, err := p.Client(ctx, name)
	if err != nil {
		return fsys.FileInfo{}, err
	}
	return c.Stat(ctx, name)
}

// List lists a directory on the namenode of dir (fsys.FileSystem).
func (p *Pool) List(ctx context.Context, dir string) ([]fsys.FileInfo, error) {
	c, err := p.Client(ctx, dir)
	if err != nil {
		return nil, err
	}
	return c.List(ctx, dir)
}

// StageFile stages localPath on the namenode of stagingDir (see
// Client.StageFile).
func (p *Pool) StageFile(ctx context.Context, localPath, stagingDir string) (string, bool, error) {
	c, err := p.Client(ctx, stagingDir)
	if err != nil {
		return "", false, err
	}
	return c.StageFile(ctx, localPath, stagingDir)
}

// Resolver returns a file-system resolver for local.FileSystems: hdfs://
// paths go to HDFS through a Pool for cfg (the namenode of the URL's
// authority, else that of cfg), other paths to the local disk (fsys.OS).
// The resolver's clients live as long as the process.
func Resolver(cfg Config) func(ctx context.Context, path string) (fsys.FileSystem, error) {
	pool := NewPool(cfg)
	return func(ctx context.Context, p string) (fsys.FileSystem, error) {
		if !IsURL(p) {
			return fsys.OS, nil
		}
		c, err := pool.Client(ctx, p)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
}
