package main

import (
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var (
	beginMarker = regexp.MustCompile(`^(\s*)// exercise (\d+\.\d+) begin: (.+)$`)
	endMarker   = regexp.MustCompile(`^\s*// exercise (\d+\.\d+) end$`)
)

// region is one marked stretch of a source file: lines begin..end, the
// markers included, counted from 0.
type region struct {
	id, title, indent string
	begin, end        int
}

// findRegions lists the marked regions of a file, and checks that each is
// closed, not nested, and ends its block: the panic that replaces it must
// be the last statement there, or the code after it would be unreachable.
func findRegions(name string, lines []string) ([]region, error) {
	var (
		regions []region
		open    *region
	)
	for i, line := range lines {
		if m := beginMarker.FindStringSubmatch(line); m != nil {
			if open != nil {
				return nil, fmt.Errorf("%s:%d: exercise %s begins inside exercise %s", name, i+1, m[2], open.id)
			}
			open = &region{id: m[2], title: m[3], indent: m[1], begin: i}
			continue
		}
		m := endMarker.FindStringSubmatch(line)
		if m == nil {
			if strings.Contains(line, "// exercise ") && (strings.Contains(line, " begin") || strings.Contains(line, " end")) {
				return nil, fmt.Errorf("%s:%d: a marker that does not parse: %q", name, i+1, strings.TrimSpace(line))
			}
			continue
		}
		if open == nil || open.id != m[1] {
			return nil, fmt.Errorf("%s:%d: exercise %s ends where it never began", name, i+1, m[1])
		}
		open.end = i
		if next := nextCode(lines, i+1); !endsBlock(next) {
			return nil, fmt.Errorf("%s:%d: exercise %s must end its block (a }, case or default must follow), not %q", name, i+1, m[1], next)
		}
		regions = append(regions, *open)
		open = nil
	}
	if open != nil {
		return nil, fmt.Errorf("%s:%d: exercise %s never ends", name, open.begin+1, open.id)
	}
	return regions, nil
}

func nextCode(lines []string, from int) string {
	for _, line := range lines[from:] {
		if t := strings.TrimSpace(line); t != "" {
			return t
		}
	}
	return ""
}

func endsBlock(line string) bool {
	return strings.HasPrefix(line, "}") || strings.HasPrefix(line, "case ") || strings.HasPrefix(line, "default:")
}

// stubFile returns src with the regions of the exercises in stub replaced
// by a panic that names the exercise, where its note teaches it and how to
// check it; the regions of the other exercises keep their code. Imports
// only the stubbed code used are dropped, and the result is gofmt'ed. It
// also returns the regions found in the file, stubbed or not.
func stubFile(name string, src []byte, stub map[string]bool, info map[string]exercise) ([]byte, []region, error) {
	lines := strings.Split(string(src), "\n")
	regions, err := findRegions(name, lines)
	if err != nil || len(regions) == 0 {
		return src, nil, err
	}
	var (
		out     []string
		from    int
		stubbed bool
	)
	for _, r := range regions {
		e, ok := info[r.id]
		if !ok {
			return nil, nil, fmt.Errorf("%s:%d: exercise %s is not in scripts/exercise/exercises.go", name, r.begin+1, r.id)
		}
		if !stub[r.id] {
			continue
		}
		out = append(out, lines[from:r.begin]...)
		out = append(out, stubLines(r, e)...)
		from = r.end + 1
		stubbed = true
	}
	if !stubbed {
		return src, regions, nil
	}
	out = append(out, lines[from:]...)
	pruned, err := dropUnusedImports(name, []byte(strings.Join(out, "\n")))
	if err != nil {
		return nil, nil, err
	}
	formatted, err := format.Source(pruned)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: the skeleton does not parse: %v", name, err)
	}
	return formatted, regions, nil
}

// stubLines is what a learner finds in place of the code: what to write,
// where it is taught, the command that checks it, and a panic that says
// the same if a test gets there first.
func stubLines(r region, e exercise) []string {
	in := r.indent
	what := e.title
	if r.title != e.title {
		what += ": " + r.title
	}
	lines := []string{in + "// Exercise " + e.id + ", " + what + "."}
	for _, l := range wrap(e.hint, 72-len(in)) {
		lines = append(lines, in+"// "+l)
	}
	lines = append(lines,
		in+"// See "+e.note+". Once it is written, this",
		in+"// passes (run in the skeleton's directory):",
		in+"//",
		in+"//\t"+e.command(),
		in+`panic("exercise `+e.id+` is not written yet (`+what+`); see `+e.note+`")`,
	)
	return lines
}

// command is the test command of an exercise, run in its module directory.
func (e exercise) command() string {
	return "go test -run '" + e.tests + "' " + e.pkg
}

func wrap(text string, width int) []string {
	var (
		lines []string
		line  string
	)
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// dropUnusedImports removes the imports nothing in the file refers to any
// more: a stub may have taken the only use of one, and Go refuses a file
// that imports a package it does not use.
func dropUnusedImports(name string, src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("%s: the skeleton does not parse: %v", name, err)
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	var drop []int // lines, counted from 0
	for _, spec := range f.Imports {
		path, _ := strconv.Unquote(spec.Path.Value)
		local := path[strings.LastIndex(path, "/")+1:]
		if spec.Name != nil {
			local = spec.Name.Name
		}
		if local == "_" || local == "." || used[local] {
			continue
		}
		drop = append(drop, fset.Position(spec.Pos()).Line-1)
	}
	if len(drop) == 0 {
		return src, nil
	}
	lines := strings.Split(string(src), "\n")
	sort.Sort(sort.Reverse(sort.IntSlice(drop)))
	for _, i := range drop {
		if strings.HasPrefix(strings.TrimSpace(lines[i]), "import ") {
			lines[i] = "" // import "x" on a line of its own
			continue
		}
		lines = append(lines[:i], lines[i+1:]...)
	}
	return []byte(strings.Join(lines, "\n")), nil
}
