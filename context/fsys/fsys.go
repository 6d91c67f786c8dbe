// Package fsys is the file-system interface shared by rxspark's compute
// contexts and storage back ends: a [FileSystem] serves the input files of a
// data source (the machine's own disk, [OS], or HDFS, see package hdfs), a
// [WritableFS] also takes outputs. It is public because a user wires one
// into the local context:
//
//	cc := local.New(local.FileSystems(hdfs.Resolver(hdfs.Config{})))
//
// and a resolver's result is a FileSystem.
package fsys

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// File is an open input file: sequential reads for CSV, random access for
// Parquet.
type File interface {
	io.Reader
	io.ReaderAt
	io.Seeker
	io.Closer
	Size() int64
}

// FileInfo describes one entry of a FileSystem.
type FileInfo struct {
	Path  string
	Size  int64
	IsDir bool
}

// FileSystem is where input files live: the machine's own file system
// ([OS]) or HDFS. Paths are as the user wrote them (hdfs:// URLs for HDFS).
type FileSystem interface {
	Open(ctx context.Context, path string) (File, error)
	Stat(ctx context.Context, path string) (FileInfo, error)
	// List returns the entries of a directory, sorted by path.
	List(ctx context.Context, dir string) ([]FileInfo, error)
}

// OS is the local file system.
var OS FileSystem = osFS{}

type osFS struct{}

type osFile struct{ *os.File }

// IsLocal reports whether f is a file of [OS], on this machine's disk (the
// Parquet page decoder streams such files with pread).
func IsLocal(f any) bool {
	_, ok := f.(osFile)
	return ok
}

func (f osFile) Size() int64 {
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	return st.Size()
}

func (osFS) Open(_ context.Context, path string) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) Stat(_ context.Context, path string) (FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return FileInfo{}, err
	}
	return FileInfo{Path: path, Size: st.Size(), IsDir: st.IsDir()}, nil
}

func (osFS) List(_ context.Context, dir string) ([]FileInfo, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := make([]FileInfo, 0, len(entries))
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		out = append(out, FileInfo{Path: filepath.Join(dir, e.Name()), Size: info.Size(), IsDir: e.IsDir()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// WritableFS is a FileSystem that outputs can be written to (the local disk
// and HDFS implement it). Create makes a new file (an existing one is
// replaced or refused, as the file system does); Rename moves a file or a
// directory; RemoveAll deletes a path and everything under it (a missing
// path is not an error).
type WritableFS interface {
	FileSystem
	Create(ctx context.Context, path string) (io.WriteCloser, error)
	MkdirAll(ctx context.Context, path string) error
	Rename(ctx context.Context, from, to string) error
	RemoveAll(ctx context.Context, path string) error
}

var _ WritableFS = osFS{}

func (osFS) Create(_ context.Context, path string) (io.WriteCloser, error) {
	return os.Create(path)
}

func (osFS) MkdirAll(_ context.Context, path string) error { return os.MkdirAll(path, 0o755) }

func (osFS) Rename(_ context.Context, from, to string) error { return os.Rename(from, to) }

func (osFS) RemoveAll(_ context.Context, path string) error { return os.RemoveAll(path) }

// DataFiles expands path into the data files to read: the file itself, or
// the files of a directory (recursively, sorted by path) whose names do not
// start with '_' or '.' (Spark's _SUCCESS, Hadoop's .crc files) and, when
// exts is not empty, end in one of exts. A directory without data files is
// an error.
func DataFiles(ctx context.Context, fsys FileSystem, path string, exts ...string) ([]FileInfo, error) {
	st, err := fsys.Stat(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if !st.IsDir {
		return []FileInfo{st}, nil
	}
	var out []FileInfo
	var walk func(dir string) error
	walk = func(dir string) error {
		entries, err := fsys.List(ctx, dir)
		if err != nil {
			return fmt.Errorf("list %s: %w", dir, err)
		}
		for _, e := range entries {
			base := e.Path[strings.LastIndexAny(e.Path, "/\\")+1:]
			if strings.HasPrefix(base, "_") || strings.HasPrefix(base, ".") {
				continue
			}
			if e.IsDir {
				if err := walk(e.Path); err != nil {
					return err
				}
				continue
			}
			if len(exts) > 0 && !HasExt(base, exts) {
				continue
			}
			out = append(out, e)
		}
		return nil
	}
	if err := walk(path); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		want := "data files"
		if len(exts) > 0 {
			want = strings.Join(exts, ", ") + " files"
		}
		return nil, fmt.Errorf("%s: directory has no %s: %w", path, want, fs.ErrNotExist)
	}
	return out, nil
}

// HasExt reports whether name ends in one of exts, ignoring case.
func HasExt(name string, exts []string) bool {
	lower := strings.ToLower(name)
	for _, e := range exts {
		if strings.HasSuffix(lower, strings.ToLower(e)) {
			return true
		}
	}
	return false
}
