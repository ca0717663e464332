// Command notescheck runs the examples in the course notes and compares what
// they print with what the notes show. The format is in notes/README.md.
//
//	cd scripts && GOWORK=off go run ./notescheck [-v] [-root DIR] [NOTE.md ...]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	root := flag.String("root", "..", "repository root; commands run there")
	verbose := flag.Bool("v", false, "print every command and its output")
	timeout := flag.Duration("timeout", 3*time.Minute, "the longest one example may run")
	flag.Parse()
	absRoot, err := filepath.Abs(*root)
	if err != nil {
		fail(err)
	}
	notes := flag.Args()
	if len(notes) == 0 {
		notes, err = filepath.Glob(filepath.Join(absRoot, "notes", "*.md"))
		if err != nil {
			fail(err)
		}
	}
	failed, checked, shown := 0, 0, 0
	for _, note := range notes {
		if note, err = filepath.Abs(note); err != nil {
			fail(err)
		}
		examples, err := parseNote(note)
		if err != nil {
			fail(err)
		}
		for _, ex := range examples {
			if ex.shownOnly {
				shown++
				continue
			}
			checked++
			if !checkExample(absRoot, ex, *timeout, *verbose) {
				failed++
			}
		}
	}
	fmt.Printf("notescheck: %d examples run, %d shown only, %d failed\n", checked, shown, failed)
	if failed > 0 {
		os.Exit(1)
	}
}

func checkExample(root string, ex example, timeout time.Duration, verbose bool) bool {
	rel, _ := filepath.Rel(root, ex.file)
	start := time.Now()
	outputs, runErr := runExample(root, ex, timeout)
	ok := runErr == nil
	for i, c := range ex.commands {
		matched, at := matchLines(c.want, outputs[i])
		if ex.unordered {
			matched, at = matchUnordered(c.want, outputs[i])
		}
		if verbose || !matched {
			fmt.Printf("%s:%d: $ %s\n", rel, c.line, c.text)
		}
		if !matched {
			ok = false
			report(c.want, outputs[i], at)
		} else if verbose {
			fmt.Println(indent(outputs[i]))
		}
	}
	if runErr != nil {
		fmt.Printf("%s:%d: %v\n", rel, ex.line, runErr)
	}
	status := "ok  "
	if !ok {
		status = "FAIL"
	}
	fmt.Printf("%s %s:%d (%d commands, %.1fs)\n", status, rel, ex.line, len(ex.commands), time.Since(start).Seconds())
	return ok
}

func report(want, got []string, at int) {
	fmt.Println("  the note shows:")
	for i, w := range want {
		mark := "   "
		if i == at {
			mark = ">> "
		}
		fmt.Println("  " + mark + w)
	}
	if at >= len(want) {
		fmt.Println("  >> (the note ends here; the command printed more)")
	}
	fmt.Println("  the command printed:")
	fmt.Println(indent(got))
}

func indent(lines []string) string {
	if len(lines) == 0 {
		return "     (nothing)"
	}
	return "     " + strings.Join(lines, "\n     ")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "notescheck:", err)
	os.Exit(2)
}
