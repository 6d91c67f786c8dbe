package spark

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/fsys"
	"github.com/rxspark/rxspark/internal/formats"
)

type protoreflectMessage = protoreflect.Message

// viewEntry is a source registered (or being registered) as a session temp
// view. Concurrent callers of the same source wait for one registration.
type viewEntry struct {
	ready chan struct{}
	src   *sourceView
	err   error
}

// sourceKey identifies a data source descriptor.
func sourceKey(ds compute.DataSource) string {
	b, err := json.Marshal(ds)
	if err != nil {
		return fmt.Sprintf("%#v", ds)
	}
	return string(b)
}

// source returns the registered view of ds, registering it on first use.
// Each distinct descriptor is registered once per session; a failed
// registration is retried by the next call.
func (c *Context) source(ctx context.Context, ds compute.DataSource) (*sourceView, error) {
	key := sourceKey(ds)
	c.mu.Lock()
	e, ok := c.views[key]
	if !ok {
		e = &viewEntry{ready: make(chan struct{})}
		c.views[key] = e
	}
	c.mu.Unlock()
	if ok {
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err == nil {
			return e.src, nil
		}
		return c.source(ctx, ds)
	}
	sum := sha256.Sum256([]byte(key))
	view := "rxspark_src_" + hex.EncodeToString(sum[:8]) + "_" + strconv.FormatInt(c.registrations.Add(1), 10)
	e.src, e.err = c.register(ctx, ds, view)
	if e.err != nil {
		c.mu.Lock()
		delete(c.views, key)
		c.mu.Unlock()
	}
	close(e.ready)
	return e.src, e.err
}

// Forget drops the context's registration of src, so that the next call
// reads the source afresh (after the files behind a path changed): it is
// registered again under a new view. Sources prepared before keep reading
// the files, schema and view they were prepared with.
func (c *Context) Forget(src compute.DataSource) {
	c.mu.Lock()
	delete(c.views, sourceKey(src))
	c.mu.Unlock()
}

// register creates the view of ds.
func (c *Context) register(ctx context.Context, ds compute.DataSource, view string) (*sourceView, error) {
	var rel protoreflect.Message
	var err error
	switch f := ds.ResolveFormat(); f {
	case compute.FormatTable:
		if ds.Table == "" {
			return nil, errors.New("spark: table source without a table name")
		}
		rel, err = relTable(ds.Table)
		if err != nil {
			return nil, err
		}
		return c.registerRelation(ctx, ds, view, rel, nil)
	case compute.FormatQuery:
		if strings.TrimSpace(ds.Query) == "" {
			return nil, errors.New("spark: query source without a query")
		}
		rel, err = relSQL(ds.Query)
		if err != nil {
			return nil, err
		}
		return c.registerRelation(ctx, ds, view, rel, nil)
	case compute.FormatParquet:
		loc, err := c.locate(ctx, ds.Path)
		if err != nil {
			return nil, err
		}
		rel, err = relDataSource("parquet", "", loc.sparkPaths, nil, nil)
		if err != nil {
			return nil, err
		}
		var levels *compute.Schema
		if loc.fsys != nil {
			levels = localSchema(ctx, loc.fsys, ds, loc.localPath)
		}
		return c.registerRelation(ctx, ds, view, rel, levels)
	case compute.FormatCSV:
		return c.registerCSV(ctx, ds, view)
	default:
		return nil, fmt.Errorf("the Spark compute context cannot read %s data (%s); import it to Parquet first", f, ds)
	}
}

// localSchema returns the schema the local context gives for ds read from
// files at path, or nil when the local context cannot read it.
func localSchema(ctx context.Context, files fsys.FileSystem, ds compute.DataSource, path string) *compute.Schema {
	ds.Path = path
	sc, err := formats.Open(formats.SkipLevelScan(ctx), files, ds)
	if err != nil {
		return nil
	}
	defer sc.Close()
	s, err := formats.SchemaOf(sc.Schema())
	if err != nil {
		return nil
	}
	return s
}

// typeOfKind maps a Spark DataType kind to a statistical type, and says how
// the column is converted in the first projection layer.
func typeOfKind(kind string) (compute.Type, string) {
	switch kind {
	case "double", "float":
		return compute.Numeric, "CASE WHEN abs({col}) < " + infinity + " THEN CAST({col} AS DOUBLE) END"
	case "byte", "short", "integer", "long", "decimal":
		return compute.Numeric, "CAST({col} AS DOUBLE)"
	case "string", "char", "var_char":
		return compute.Factor, "CAST({col} AS STRING)"
	case "boolean":
		return compute.Logical, "{col}"
	}
	return compute.Unknown, ""
}

// registerRelation registers a table, query or Parquet relation: its
// columns are renamed to s0, s1, ... and those of numeric, string and
// boolean types are offered. With local (the schema the local context
// reads), factor levels come from it.
func (c *Context) registerRelation(ctx context.Context, ds compute.DataSource, view string, rel protoreflect.Message, local *compute.Schema) (*sourceView, error) {
	dt, err := c.analyzeSchema(ctx, rel)
	if err != nil {
		return nil, fromRPC(ctx, "spark", err)
	}
	fields, err := structFields(dt)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(fields))
	sv := &sourceView{View: view, Schema: &compute.Schema{}}
	for i, f := range fields {
		names[i] = "s" + strconv.Itoa(i)
		t, conv := typeOfKind(f.Kind)
		if t == compute.Unknown {
			continue
		}
		field := compute.Field{Name: f.Name, Type: t}
		if lf, ok := local.Lookup(f.Name); ok && lf.Type == t {
			field.Levels = lf.Levels
		}
		sv.Cols = append(sv.Cols, sourceCol{Field: field, Col: names[i], Expr: conv})
		sv.Schema.Fields = append(sv.Schema.Fields, field)
	}
	renamed, err := relToDF(rel, names)
	if err != nil {
		return nil, err
	}
	if ds.ResolveFormat() == compute.FormatParquet {
		if renamed, err = withRowIdentity(renamed, sv); err != nil {
			return nil, err
		}
	}
	if err := c.createView(ctx, view, renamed); err != nil {
		return nil, err
	}
	return sv, nil
}

// analyzeSchema asks the server for the schema of rel (counted in
// Stats.Schemas).
func (c *Context) analyzeSchema(ctx context.Context, rel protoreflect.Message) (protoreflect.Message, error) {
	c.schemas.Add(1)
	return c.s.analyzeSchema(ctx, rel)
}

// createView registers rel as the session temp view name.
func (c *Context) createView(ctx context.Context, name string, rel protoreflect.Message) error {
	plan, err := viewPlan(name, rel)
	if err != nil {
		return err
	}
	c.commands.Add(1)
	return c.run(ctx, plan, execution{})
}

// location is where a path's data is: the files Spark reads, and how this
// machine reads the same files (to sniff CSV and read Parquet metadata).
type location struct {
	// sparkPaths are the URLs Spark reads: one per file of files (or the
	// path itself when this machine cannot list it).
	sparkPaths []string
	// files are the data files as fsys names them.
	files []fsys.FileInfo
	// fsys reads the files; nil when this machine cannot (s3a://, ...).
	fsys fsys.FileSystem
	// localPath is the path to use with fsys.
	localPath string
	staged    bool
}

// locate resolves a source path: hdfs:// URLs are read in place (hdfs:///p
// on the configured namenode), file:// URLs and local paths are staged to
// HDFS (or, with WithLocalFiles, handed to Spark as file:// URLs), and other
// URLs (s3a://, ...) are handed to Spark as they are. A directory stands for
// its data files as the local context lists them (fsys.DataFiles: not
// starting with _ or ., with one of exts when exts are given), which are
// handed to Spark one by one, so both contexts read the same files.
func (c *Context) locate(ctx context.Context, path string, exts ...string) (*location, error) {
	if path == "" {
		return nil, errors.New("spark: data source without a path")
	}
	u, err := url.Parse(path)
	scheme := ""
	if err == nil && len(u.Scheme) > 1 { // a drive letter is not a scheme
		scheme = strings.ToLower(u.Scheme)
	}
	switch scheme {
	case "hdfs":
		hfs, err := c.hdfsFS(ctx)
		if err != nil {
			return nil, err
		}
		full, err := c.qualifyHDFS(path)
		if err != nil {
			return nil, err
		}
		files, err := fsys.DataFiles(ctx, hfs, full, exts...)
		if err != nil {
			return nil, fmt.Errorf("spark: %w", err)
		}
		loc := &location{files: files, fsys: hfs, localPath: full}
		for _, f := range files {
			q, err := c.qualifyHDFS(f.Path)
			if err != nil {
				return nil, err
			}
			loc.sparkPaths = append(loc.sparkPaths, c.sparkHDFS(q))
		}
		return loc, nil
	case "", "file":
		p := path
		if scheme == "file" {
			p = u.Path
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("spark: %s: %w", path, err)
		}
		files, err := fsys.DataFiles(ctx, fsys.OS, abs, exts...)
		if err != nil {
			return nil, fmt.Errorf("spark: %w", err)
		}
		loc := &location{files: files, fsys: fsys.OS, localPath: abs}
		if c.cfg.localFiles {
			for _, f := range files {
				loc.sparkPaths = append(loc.sparkPaths, (&url.URL{Scheme: "file", Path: f.Path}).String())
			}
			return loc, nil
		}
		return loc, c.stage(ctx, loc)
	}
	return &location{sparkPaths: []string{path}}, nil
}

// stage uploads the local files of loc to the staging directory on HDFS
// (content-addressed: an unchanged file is not uploaded again).
func (c *Context) stage(ctx context.Context, loc *location) error {
	hfs, err := c.hdfsFS(ctx)
	if err != nil {
		return fmt.Errorf("spark: %s is local and must be staged to HDFS: %w", loc.localPath, err)
	}
	loc.staged = true
	for _, f := range loc.files {
		remote, _, err := hfs.StageFile(ctx, f.Path, c.cfg.stagingDir)
		if err != nil {
			return fmt.Errorf("spark: staging %s to HDFS: %w", f.Path, err)
		}
		full, err := c.qualifyHDFS(remote)
		if err != nil {
			return err
		}
		loc.sparkPaths = append(loc.sparkPaths, c.sparkHDFS(full))
	}
	return nil
}
