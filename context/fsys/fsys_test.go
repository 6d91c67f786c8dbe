package fsys_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/rxspark/rxspark/context/fsys"
)

func TestDataFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, name := range []string{"b.parquet", "a.PARQ", "_SUCCESS", ".a.parquet.crc", "notes.txt", "sub/c.parquet", "_tmp/d.parquet"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		path string
		exts []string
		want []string
	}{
		{dir, []string{".parquet", ".parq"}, []string{"a.PARQ", "b.parquet", "sub/c.parquet"}},
		{dir, nil, []string{"a.PARQ", "b.parquet", "notes.txt", "sub/c.parquet"}},
		{filepath.Join(dir, "notes.txt"), []string{".parquet"}, []string{"notes.txt"}}, // a file is itself
	}
	for _, tc := range tests {
		got, err := fsys.DataFiles(ctx, fsys.OS, tc.path, tc.exts...)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range got {
			rel, _ := filepath.Rel(dir, f.Path)
			names = append(names, filepath.ToSlash(rel))
			if f.Size != 1 || f.IsDir {
				t.Errorf("%s: size %d, dir %v", f.Path, f.Size, f.IsDir)
			}
		}
		if len(names) != len(tc.want) {
			t.Errorf("DataFiles(%s, %q) = %q, want %q", tc.path, tc.exts, names, tc.want)
			continue
		}
		for i := range names {
			if names[i] != tc.want[i] {
				t.Errorf("DataFiles(%s, %q) = %q, want %q", tc.path, tc.exts, names, tc.want)
				break
			}
		}
	}
	if _, err := fsys.DataFiles(ctx, fsys.OS, dir, ".csv"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("no .csv files: %v, want fs.ErrNotExist", err)
	}
	if _, err := fsys.DataFiles(ctx, fsys.OS, filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing path: %v, want fs.ErrNotExist", err)
	}
}

func TestIsLocal(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := fsys.OS.Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !fsys.IsLocal(f) || f.Size() != 3 {
		t.Errorf("OS file: IsLocal %v, size %d", fsys.IsLocal(f), f.Size())
	}
	if fsys.IsLocal(struct{}{}) {
		t.Error("IsLocal(struct{}{}) = true")
	}
}
