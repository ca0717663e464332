package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// locate names, for each exercise of a step, the functions its regions lie
// in, file by file: "readHead in serve.go", "advance, writeOut in
// server/write.go". A region inside a method is named by the method alone.
func locate(root, step string) (map[string][]string, error) {
	dir := filepath.Join(root, step)
	where := map[string][]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		regions, err := findRegions(path, strings.Split(string(src), "\n"))
		if err != nil || len(regions) == 0 {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		funcs := map[string][]string{} // exercise: functions, in file order
		cases := map[string][]string{} // function: the case clauses taken out of it
		for _, r := range regions {
			name, clause := enclosing(fset, f, r.begin+1)
			if !slices.Contains(funcs[r.id], name) {
				funcs[r.id] = append(funcs[r.id], name)
			}
			if clause != "" {
				cases[name] = append(cases[name], clause)
			}
		}
		rel, _ := filepath.Rel(dir, path)
		for id, names := range funcs {
			var named []string
			for _, name := range names {
				if len(cases[name]) > 0 {
					name += " (" + strings.Join(cases[name], ", ") + ")"
				}
				named = append(named, name)
			}
			where[id] = append(where[id], strings.Join(named, ", ")+" in "+filepath.ToSlash(rel))
		}
		return nil
	})
	return where, err
}

// enclosing names the function declared around a line (counted from 1),
// and the case clause around it, if the line is inside one.
func enclosing(fset *token.FileSet, f *ast.File, line int) (fn, clause string) {
	inside := func(n ast.Node) bool {
		return fset.Position(n.Pos()).Line <= line && line <= fset.Position(n.End()).Line
	}
	for _, decl := range f.Decls {
		d, ok := decl.(*ast.FuncDecl)
		if !ok || !inside(d) {
			continue
		}
		ast.Inspect(d.Body, func(n ast.Node) bool {
			if cc, ok := n.(*ast.CaseClause); ok && inside(cc) {
				var labels []string
				for _, e := range cc.List {
					if id, ok := e.(*ast.Ident); ok {
						labels = append(labels, id.Name)
					}
				}
				clause = strings.Join(labels, ", ")
			}
			return n == nil || inside(n)
		})
		return d.Name.Name, clause
	}
	return "?", ""
}
