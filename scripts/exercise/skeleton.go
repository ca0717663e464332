package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// writeSkeleton copies the module of step from the repository at root into
// dir, with the exercises in stub replaced by stubs. The copy builds alone:
// its go.mod points the earlier steps it imports back at the repository
// (absolute replace paths), and a go.work of its own keeps the repository's
// workspace out, wherever dir is. Every exercise of the step must have its
// markers in the code.
func writeSkeleton(root, step, dir string, stub map[string]bool) error {
	info := map[string]exercise{}
	for _, e := range exercisesOf(step) {
		info[e.id] = e
	}
	src := filepath.Join(root, step)
	found := map[string]bool{}
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil // nothing in a step is a link or a device; skip rather than guess
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			var regions []region
			data, regions, err = stubFile(filepath.Join(step, rel), data, stub, info)
			if err != nil {
				return err
			}
			for _, r := range regions {
				found[r.id] = true
			}
		}
		return writeIfChanged(target, data)
	})
	if err != nil {
		return err
	}
	for id := range info {
		if !found[id] {
			return fmt.Errorf("exercise %s has no markers in %s", id, step)
		}
	}
	if err := pointReplacesAt(root, step, dir); err != nil {
		return err
	}
	if err := writeIfChanged(filepath.Join(dir, "go.work"), []byte(goWork)); err != nil {
		return err
	}
	return writeIfChanged(filepath.Join(dir, "EXERCISES.md"), []byte(exercisesText(step, stub)))
}

// goWork makes the skeleton its own workspace: inside the repository, the
// go command would otherwise find the course's go.work, which does not
// list it, and refuse to build.
const goWork = "go 1.22\n\nuse .\n"

// writeIfChanged leaves a file that already holds data alone, so that
// regenerating a skeleton in place (as -verify does) keeps the build cache.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return os.WriteFile(path, data, 0o644)
}

// pointReplacesAt rewrites the relative replace directives of the copied
// go.mod (../step1-socket) as absolute paths into the repository.
func pointReplacesAt(root, step, dir string) error {
	cmd := exec.Command("go", "mod", "edit", "-json")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go mod edit -json in %s: %v", dir, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		// "Path": "../step1-socket" under "New" in a replace: the only
		// relative paths go mod edit prints.
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, `"Path": "../`) {
			continue
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(line, `"Path": "`), `"`)
		abs := filepath.Clean(filepath.Join(root, step, rel))
		edit := exec.Command("go", "mod", "edit", "-replace", modulePathOf(abs)+"="+abs)
		edit.Dir = dir
		edit.Env = cmd.Env
		if out, err := edit.CombinedOutput(); err != nil {
			return fmt.Errorf("go mod edit in %s: %v\n%s", dir, err, out)
		}
	}
	return nil
}

// modulePathOf reads the module path from dir/go.mod.
func modulePathOf(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "module "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// exercisesText is the skeleton's EXERCISES.md: each exercise left to
// write, in order, with its hint, its note and its check.
func exercisesText(step string, stub map[string]bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Exercises: %s\n\n", step)
	fmt.Fprintf(&b, "This directory is a copy of `%s/` with the code of these exercises taken\n", step)
	b.WriteString("out. Write them in this order: the check of each passes once it and the ones\n")
	b.WriteString("before it are written. Each stub says the same, where it stands in the code.\n")
	b.WriteString("The note sections are in the course's repository.\n\n")
	var left []exercise
	for _, e := range exercisesOf(step) {
		if stub[e.id] {
			left = append(left, e)
		}
	}
	if len(left) == 0 {
		b.WriteString("None: this copy is the solution, every body as the course wrote it.\n")
	}
	for _, e := range left {
		fmt.Fprintf(&b, "## Exercise %s: %s\n\n%s\n\nTaught in `%s`. Check:\n\n    %s\n\n", e.id, e.title, e.hint, e.note, e.command())
	}
	b.WriteString("All of the step's tests: `go test ./...`. Nothing here asks you to edit a test.\n")
	return b.String()
}
