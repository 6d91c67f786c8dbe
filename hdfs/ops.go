package hdfs

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	gohdfs "github.com/colinmarc/hdfs/v2"
)

// MkdirAll creates a directory and its parents (nothing when it exists).
func (c *Client) MkdirAll(ctx context.Context, dir string) error {
	p, _, err := c.resolve(dir)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return wrap("mkdir", dir, err)
	}
	if err := c.c.MkdirAll(p, 0o755); err != nil {
		return wrap("mkdir", dir, err)
	}
	return nil
}

// Remove deletes a file or an empty directory, or a directory with
// everything in it when recursive is true. A missing path is an error
// (fs.ErrNotExist).
func (c *Client) Remove(ctx context.Context, name string, recursive bool) error {
	p, _, err := c.resolve(name)
	if err != nil {
		return err
	}
	if p == "/" {
		return fmt.Errorf("hdfs: remove %s: refusing to remove the root directory", name)
	}
	if err := ctx.Err(); err != nil {
		return wrap("remove", name, err)
	}
	fi, err := c.c.Stat(p)
	if err != nil {
		return wrap("remove", name, err)
	}
	if fi.IsDir() && !recursive {
		entries, err := c.c.ReadDir(p)
		if err != nil {
			return wrap("remove", name, err)
		}
		if len(entries) > 0 {
			return fmt.Errorf("hdfs: remove %s: directory not empty (remove recursively)", name)
		}
	}
	if recursive {
		err = c.c.RemoveAll(p)
	} else {
		err = c.c.Remove(p)
	}
	if err != nil {
		return wrap("remove", name, err)
	}
	return nil
}

// Rename moves a file or directory; a file (or empty directory) at the
// target is replaced.
func (c *Client) Rename(ctx context.Context, from, to string) error {
	pf, _, err := c.resolve(from)
	if err != nil {
		return err
	}
	pt, _, err := c.resolve(to)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return wrap("rename", from, err)
	}
	if err := c.c.Rename(pf, pt); err != nil {
		return wrap("rename", from+" to "+to, err)
	}
	return nil
}

// Put uploads a local file, or a folder with everything in it, to remote.
//
// remote names the target itself, except that a remote path ending in "/"
// means "into that directory, under the local name", as does, for a local
// file, a remote path naming an existing directory. An existing target is an error
// (fs.ErrExist) unless overwrite is true, in which case it is replaced.
//
// Nothing half-written remains: a file is written under a hidden temporary
// name next to the target (starting with "._", which readers of data
// folders skip) and renamed when complete; a folder is assembled under a
// temporary name and renamed as a whole. On failure the temporary is
// removed and an existing target is left as it was.
func (c *Client) Put(ctx context.Context, localPath, remote string, overwrite bool) error {
	st, err := os.Stat(localPath)
	if err != nil {
		return fmt.Errorf("hdfs: put %s: %w", localPath, err)
	}
	p, render, err := c.resolve(remote)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("hdfs: put %s: %w", localPath, err)
	}
	into := strings.HasSuffix(remote, "/") && p != "/"
	if !into && !st.IsDir() {
		if fi, err := c.c.Stat(p); err == nil && fi.IsDir() {
			into = true
		}
	}
	if into || p == "/" {
		p = path.Join(p, filepath.Base(localPath))
	}
	target := render(p)
	existing, err := c.c.Stat(p)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return wrap("put", target, err)
	}
	if exists && !overwrite {
		return fmt.Errorf("hdfs: put %s: %s: %w (use overwrite to replace it)", localPath, target, fs.ErrExist)
	}
	if err := c.c.MkdirAll(path.Dir(p), 0o755); err != nil {
		return wrap("mkdir", render(path.Dir(p)), err)
	}
	tmp := tempName(p)
	if !st.IsDir() {
		if err := c.writeFile(ctx, localPath, tmp); err != nil {
			_ = c.c.Remove(tmp)
			return wrap("put", target, err)
		}
		if exists && existing.IsDir() {
			// Rename replaces files, not directories: move the old one
			// aside first.
			return c.swap(tmp, p, target)
		}
		if err := c.c.Rename(tmp, p); err != nil {
			_ = c.c.Remove(tmp)
			return wrap("put", target, err)
		}
		return nil
	}
	if err := c.writeTree(ctx, localPath, tmp); err != nil {
		_ = c.c.RemoveAll(tmp)
		return wrap("put", target, err)
	}
	if exists {
		return c.swap(tmp, p, target)
	}
	if err := c.c.Rename(tmp, p); err != nil {
		_ = c.c.RemoveAll(tmp)
		return wrap("put", target, err)
	}
	return nil
}

// swap replaces p by tmp: p is moved aside, tmp renamed to p, the old copy
// removed (restored if the rename fails).
func (c *Client) swap(tmp, p, target string) error {
	old := tempName(p) + ".old"
	if err := c.c.Rename(p, old); err != nil {
		_ = c.c.RemoveAll(tmp)
		return wrap("put", target, err)
	}
	if err := c.c.Rename(tmp, p); err != nil {
		_ = c.c.Rename(old, p)
		_ = c.c.RemoveAll(tmp)
		return wrap("put", target, err)
	}
	if err := c.c.RemoveAll(old); err != nil {
		return wrap("put", target, fmt.Errorf("removing the replaced copy %s: %w", old, err))
	}
	return nil
}

// tempName is a hidden, unique name next to p.
func tempName(p string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return path.Join(path.Dir(p), "._rxspark_tmp_"+path.Base(p)+"."+hex.EncodeToString(b[:]))
}

// writeTree uploads the local folder dir as the new HDFS directory p.
func (c *Client) writeTree(ctx context.Context, dir, p string) error {
	return filepath.WalkDir(dir, func(lp string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, lp)
		if err != nil {
			return err
		}
		target := path.Join(p, filepath.ToSlash(rel))
		isDir := d.IsDir()
		if d.Type()&fs.ModeSymlink != 0 {
			st, err := os.Stat(lp)
			if err != nil {
				return err
			}
			if st.IsDir() {
				return fmt.Errorf("%s: symbolic links to folders are not followed", lp)
			}
		}
		if isDir {
			if err := c.c.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("mkdir %s: %w", target, err)
			}
			return nil
		}
		if !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return fmt.Errorf("%s: not a regular file", lp)
		}
		return c.writeFile(ctx, lp, target)
	})
}

// writeFile uploads the local file lp as the new HDFS file p.
func (c *Client) writeFile(ctx context.Context, lp, p string) error {
	in, err := os.Open(lp)
	if err != nil {
		return err
	}
	defer in.Close()
	w, err := c.c.Create(p)
	if err != nil {
		return fmt.Errorf("create %s: %w", p, err)
	}
	_, err = io.Copy(w, &ctxReader{ctx: ctx, r: in})
	if err != nil {
		_ = w.Close()
		return fmt.Errorf("writing %s: %w", lp, err)
	}
	if err := closeWriter(ctx, w); err != nil {
		return fmt.Errorf("closing %s: %w", p, err)
	}
	return nil
}

// closeWriter closes w, retrying while the namenode reports that the last
// block is still being replicated (the client's documented protocol).
func closeWriter(ctx context.Context, w *gohdfs.FileWriter) error {
	delay := 50 * time.Millisecond
	for i := 0; ; i++ {
		err := w.Close()
		if err == nil || !gohdfs.IsErrReplicating(err) || i == 12 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Second)
	}
}

// ctxReader stops a copy when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r *ctxReader) Read(b []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(b)
}

// StageFile uploads localPath to stagingDir/<SHA-256 of the content in
// hex>/<base name> unless a file of the same size is there already, and
// returns its path (in the style of stagingDir: plain or hdfs:// URL) and
// whether it was uploaded. The upload is atomic (temporary name, rename), so
// concurrent stagings of the same file are harmless.
func (c *Client) StageFile(ctx context.Context, localPath, stagingDir string) (remotePath string, uploaded bool, err error) {
	dir, render, err := c.resolve(stagingDir)
	if err != nil {
		return "", false, err
	}
	f, err := os.Open(localPath)
	if err != nil {
		return "", false, fmt.Errorf("hdfs: stage %s: %w", localPath, err)
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		if err == nil {
			err = errors.New("is a directory")
		}
		return "", false, fmt.Errorf("hdfs: stage %s: %w", localPath, err)
	}
	h := sha256.New()
	n, err := io.Copy(h, &ctxReader{ctx: ctx, r: f})
	f.Close()
	if err != nil {
		return "", false, fmt.Errorf("hdfs: stage %s: %w", localPath, err)
	}
	p := path.Join(dir, hex.EncodeToString(h.Sum(nil)), filepath.Base(localPath))
	remote := render(p)
	if fi, err := c.c.Stat(p); err == nil && !fi.IsDir() && fi.Size() == n {
		return remote, false, nil
	}
	if err := c.Put(ctx, localPath, remote, true); err != nil {
		return "", false, fmt.Errorf("hdfs: stage %s: %w", localPath, err)
	}
	return remote, true, nil
}
