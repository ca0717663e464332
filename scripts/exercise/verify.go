package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode"
)

// verify walks each step's exercises the way a learner does. In one
// directory per step it writes the skeleton with every exercise a stub,
// checks that it builds (go vet, tests included), then writes the
// exercises back one at a time, in order. Before exercise k is written its
// check must fail, and say "exercise k" (the stub's panic, not some other
// failure); once it is written, its check must pass, with the exercises
// after it still stubs. The last pass is the course's own code.
func verify(root string, chosen []string) error {
	if err := checkNoteAnchors(root); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "exercise-verify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	// The steps are verified side by side, each in its own directory: most
	// of the time goes to tests that wait on sockets and to compiling, and
	// the two overlap well. Each step's report is printed whole, in order.
	reports := make([]chan stepReport, len(chosen))
	for i, step := range chosen {
		reports[i] = make(chan stepReport, 1)
		go func() { reports[i] <- verifyStep(root, step, filepath.Join(work, step)) }()
	}
	failed := 0
	for _, ch := range reports {
		r := <-ch
		fmt.Print(r.text.String())
		if r.err != nil {
			return r.err
		}
		failed += r.failed
	}
	if failed > 0 {
		return fmt.Errorf("%d checks failed", failed)
	}
	return nil
}

type stepReport struct {
	text   strings.Builder
	failed int
	err    error // the skeleton could not be written at all
}

func verifyStep(root, step, dir string) (r stepReport) {
	list := exercisesOf(step)
	for k := 0; k <= len(list); k++ {
		stub := map[string]bool{}
		for _, e := range list[k:] {
			stub[e.id] = true
		}
		if r.err = writeSkeleton(root, step, dir, stub); r.err != nil {
			return r
		}
		if k == 0 {
			// With the skeleton's own go.work, as a learner who sets
			// nothing runs it.
			if out, err := run(dir, false, "go", "vet", "./..."); err != nil {
				fmt.Fprintf(&r.text, "FAIL %s: the skeleton does not build:\n%s\n", step, out)
				r.failed++
				return r
			}
			fmt.Fprintf(&r.text, "ok   %s: the skeleton builds, %d exercises to write\n", step, len(list))
		}
		if k > 0 {
			e := list[k-1]
			start := time.Now()
			out, err := run(dir, true, "go", "test", "-count=1", "-run", e.tests, e.pkg)
			switch {
			case err != nil:
				fmt.Fprintf(&r.text, "FAIL %s: written, %s still fails:\n%s\n", e.id, e.command(), tail(out, 40))
				r.failed++
			case strings.Contains(out, "no tests to run"):
				fmt.Fprintf(&r.text, "FAIL %s: %s runs no test\n", e.id, e.command())
				r.failed++
			default:
				fmt.Fprintf(&r.text, "ok   %s: passes once written (%.1fs)\n", e.id, time.Since(start).Seconds())
			}
		}
		if k < len(list) {
			e := list[k]
			start := time.Now()
			out, err := run(dir, true, "go", "test", "-count=1", "-run", e.tests, e.pkg)
			named := "exercise " + e.id + " is not written yet"
			switch {
			case err == nil:
				fmt.Fprintf(&r.text, "FAIL %s: a stub, and %s passes all the same\n", e.id, e.command())
				r.failed++
			case !strings.Contains(out, named):
				fmt.Fprintf(&r.text, "FAIL %s: a stub, %s fails without saying %q:\n%s\n", e.id, e.command(), named, tail(out, 40))
				r.failed++
			default:
				fmt.Fprintf(&r.text, "ok   %s: fails as a stub, naming it (%.1fs)\n", e.id, time.Since(start).Seconds())
			}
		}
	}
	return r
}

// run runs a command in dir, bounded in time, and returns its combined
// output. noWork sets GOWORK=off: the skeleton must build as a module alone.
func run(dir string, noWork bool, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	if noWork {
		cmd.Env = append(cmd.Env, "GOWORK=off")
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// checkNoteAnchors checks that each exercise's note has the section its
// link names, so a renamed heading cannot leave a stub pointing nowhere.
func checkNoteAnchors(root string) error {
	for _, e := range exercises {
		file, anchor, _ := strings.Cut(e.note, "#")
		data, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			return fmt.Errorf("exercise %s: %v", e.id, err)
		}
		if !hasAnchor(string(data), anchor) {
			return fmt.Errorf("exercise %s: %s has no heading whose anchor is #%s", e.id, file, anchor)
		}
	}
	return nil
}

// hasAnchor reports whether a heading of the Markdown text (outside code
// fences) gets anchor, as the common forges make them: lower case, spaces
// to hyphens, other punctuation dropped.
func hasAnchor(text, anchor string) bool {
	fence := ""
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			marks := trimmed[:len(trimmed)-len(strings.TrimLeft(trimmed, "`"))]
			switch {
			case fence == "":
				fence = marks
			case marks == fence && strings.TrimLeft(trimmed, "`") == "":
				fence = ""
			}
			continue
		}
		if fence != "" || !strings.HasPrefix(line, "#") {
			continue
		}
		if slug(strings.TrimLeft(line, "#")) == anchor {
			return true
		}
	}
	return false
}

func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
