package compute

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"sort"
	"strings"
	"testing"
)

// declaredConsts returns, per type name, the constants this package's
// source declares with that type (including those of a const block that
// inherit it, as after iota).
func declaredConsts(t *testing.T) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			for _, d := range f.Decls {
				gd, ok := d.(*ast.GenDecl)
				if !ok || gd.Tok != token.CONST {
					continue
				}
				typ := ""
				for _, s := range gd.Specs {
					vs := s.(*ast.ValueSpec)
					switch {
					case vs.Type != nil:
						if id, ok := vs.Type.(*ast.Ident); ok {
							typ = id.Name
						} else {
							typ = ""
						}
					case len(vs.Values) > 0:
						typ = "" // an untyped constant
					}
					for _, n := range vs.Names {
						if typ != "" && n.Name != "_" {
							out[typ] = append(out[typ], n.Name)
						}
					}
				}
			}
		}
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}

// TestKindsComplete checks that AggKinds, KeyKinds, BinaryOps and UnaryOps
// list every constant of their type, without repeats: a new constant must
// be added to kinds.go, which the conformance suite reads.
func TestKindsComplete(t *testing.T) {
	decl := declaredConsts(t)
	check := func(typ string, n int, distinct int) {
		if want := len(decl[typ]); n != want || distinct != n {
			t.Errorf("kinds.go lists %d %s values (%d distinct); the package declares %d: %s — list them all in kinds.go",
				n, typ, distinct, want, strings.Join(decl[typ], ", "))
		}
	}
	aggs := map[AggKind]bool{}
	for _, k := range AggKinds() {
		aggs[k] = true
	}
	check("AggKind", len(AggKinds()), len(aggs))
	keys := map[KeyKind]bool{}
	for _, k := range KeyKinds() {
		keys[k] = true
	}
	check("KeyKind", len(KeyKinds()), len(keys))
	bins := map[BinaryOp]bool{}
	for _, k := range BinaryOps() {
		bins[k] = true
	}
	check("BinaryOp", len(BinaryOps()), len(bins))
	uns := map[UnaryOp]bool{}
	for _, k := range UnaryOps() {
		uns[k] = true
	}
	check("UnaryOp", len(UnaryOps()), len(uns))
}
