// Command exercise writes a skeleton of a step for a learner to complete:
// a copy of the step's module with the code of its exercises taken out and
// replaced by stubs that fail, each naming its exercise, the note section
// that teaches it and the test that checks it. The skeleton is generated
// from the course's own code, between markers (markers.go), so it cannot
// drift from it. scripts/exercise.sh runs it:
//
//	scripts/exercise.sh STEP DIR               every exercise of STEP (1, 2, 3 or final) a stub
//	scripts/exercise.sh -only 2.1,2.3 STEP DIR these exercises stubs, the others written
//	scripts/exercise.sh -solution STEP DIR     the same copy, every body written
//	scripts/exercise.sh -list [STEP]           the exercises, their notes and their checks
//	scripts/exercise.sh -verify [STEP...]      for CI: every skeleton builds, and each
//	                                           exercise's check fails, then passes once written
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	flags := flag.NewFlagSet("exercise", flag.ContinueOnError)
	root := flags.String("root", "", "the course's repository (default: found from the current directory)")
	only := flags.String("only", "", "comma-separated exercises to stub (default: all of the step's)")
	solution := flags.Bool("solution", false, "stub nothing: the step as the course wrote it")
	list := flags.Bool("list", false, "list the exercises, with their notes and checks")
	verifyFlag := flags.Bool("verify", false, "check every skeleton goes red, then green, exercise by exercise")
	flags.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: exercise.sh [-only IDS | -solution] STEP DIR\n       exercise.sh -list [STEP]\n       exercise.sh -verify [STEP...]\nSTEP is 1, 2, 3 or final.")
		flags.PrintDefaults()
	}
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	args := flags.Args()
	var err error
	if *root == "" {
		*root, err = findRoot()
	} else {
		*root, err = filepath.Abs(*root)
	}
	if err != nil {
		fail(2, err)
	}
	switch {
	case *list:
		err = listExercises(*root, args)
	case *verifyFlag:
		var chosen []string
		chosen, err = stepsNamed(args)
		if err == nil {
			err = verify(*root, chosen)
		}
	default:
		if len(args) != 2 {
			flags.Usage()
			os.Exit(2)
		}
		err = skeleton(*root, args[0], args[1], *only, *solution)
	}
	if err != nil {
		fail(1, err)
	}
}

func fail(status int, err error) {
	fmt.Fprintf(os.Stderr, "exercise: %v\n", err)
	os.Exit(status)
}

// findRoot walks up from the current directory to the repository: the
// directory with go.work and this program's source.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "scripts", "exercise", "main.go")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the course's repository: run scripts/exercise.sh, or pass -root")
		}
		dir = parent
	}
}

func stepNamed(name string) (string, error) {
	step, ok := steps[strings.TrimSuffix(name, "/")]
	if !ok {
		return "", fmt.Errorf("no step %q: use 1, 2, 3 or final", name)
	}
	return step, nil
}

func stepsNamed(names []string) ([]string, error) {
	if len(names) == 0 {
		return stepOrder, nil
	}
	var chosen []string
	for _, name := range names {
		step, err := stepNamed(name)
		if err != nil {
			return nil, err
		}
		chosen = append(chosen, step)
	}
	return chosen, nil
}

// skeleton writes the copy a learner works in.
func skeleton(root, name, dir, only string, solution bool) error {
	step, err := stepNamed(name)
	if err != nil {
		return err
	}
	stub := map[string]bool{}
	for _, e := range exercisesOf(step) {
		stub[e.id] = !solution && only == ""
	}
	if only != "" && !solution {
		for _, id := range strings.Split(only, ",") {
			id = strings.TrimSpace(id)
			if _, ok := stub[id]; !ok {
				return fmt.Errorf("%s has no exercise %q (-list shows them)", step, id)
			}
			stub[id] = true
		}
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return err
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty: a skeleton goes into a new directory, so nothing you wrote is overwritten", dir)
	}
	if err := writeSkeleton(root, step, dir, stub); err != nil {
		return err
	}
	left := 0
	for _, e := range exercisesOf(step) {
		if stub[e.id] {
			if left == 0 {
				fmt.Printf("%s copied to %s; to write, in this order:\n", step, dir)
			}
			left++
			fmt.Printf("  %s %s\n      %s\n      check: %s\n", e.id, e.title, e.note, e.command())
		}
	}
	if left == 0 {
		fmt.Printf("%s copied to %s, every exercise written (the solution)\n", step, dir)
		return nil
	}
	fmt.Printf("Each check runs in %s. EXERCISES.md there has the hints; each stub in the code says where it goes.\n", dir)
	return nil
}

// listExercises prints the exercises of the steps named, or of all: what
// each asks for, the functions it takes out, its note and its check.
func listExercises(root string, names []string) error {
	chosen, err := stepsNamed(names)
	if err != nil {
		return err
	}
	for _, step := range chosen {
		where, err := locate(root, step)
		if err != nil {
			return err
		}
		fmt.Printf("%s:\n", step)
		for _, e := range exercisesOf(step) {
			fmt.Printf("  %s %s: %s\n", e.id, e.title, strings.Join(where[e.id], "; "))
			fmt.Printf("      taught in %s\n      check: %s\n", e.note, e.command())
		}
	}
	return nil
}
