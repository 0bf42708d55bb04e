// Package codebase holds the limits the code base keeps to stay easy to carry on: small
// reconciler files and short functions, outside tests and generated code.
package codebase

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	// maxFunctionLines bounds a function, from its signature to its closing brace.
	maxFunctionLines = 80
	// maxReconcilerFileLines bounds a file of controllers/: one concern per file.
	maxReconcilerFileLines = 400
)

// sources are the Go files of the repository that are neither tests nor generated.
func sources(t *testing.T) []string {
	t.Helper()
	root := filepath.Join("..", "..")
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "bin", ".demo", "node_modules", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// The convention of generated files (go help generate).
		if bytes.Contains(data, []byte("Code generated")) && bytes.Contains(data, []byte("DO NOT EDIT")) {
			return nil
		}
		out = append(out, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 100 {
		t.Fatalf("found only %d source files under %s", len(out), root)
	}
	return out
}

func TestNoFunctionOverTheLimit(t *testing.T) {
	fset := token.NewFileSet()
	for _, path := range sources(t) {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var body *ast.BlockStmt
			name := "func literal"
			switch fn := n.(type) {
			case *ast.FuncDecl:
				body, name = fn.Body, fn.Name.Name
			case *ast.FuncLit:
				body = fn.Body
			}
			if body == nil {
				return true
			}
			start, end := fset.Position(n.Pos()), fset.Position(n.End())
			if lines := end.Line - start.Line + 1; lines > maxFunctionLines {
				t.Errorf("%s:%d: %s has %d lines (at most %d)", path, start.Line, name, lines, maxFunctionLines)
			}
			return true
		})
	}
}

func TestNoReconcilerFileOverTheLimit(t *testing.T) {
	for _, path := range sources(t) {
		if filepath.Base(filepath.Dir(path)) != "controllers" {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if lines := bytes.Count(data, []byte("\n")); lines > maxReconcilerFileLines {
			t.Errorf("%s has %d lines (at most %d): split it by concern", path, lines, maxReconcilerFileLines)
		}
	}
}
