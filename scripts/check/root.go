package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// rootDir is what {root} names: a directory of files the tester then asks
// for under /static/, beside a secret file that no request may reach.
//
//	DIR/secret.txt           outside the root: its token must never come back
//	DIR/root/                {root}
//	DIR/root/hello.txt, page.html, style.css, data.json
//	DIR/root/sub/large.bin   1 MiB of random bytes, more than one write
//	DIR/root/link.txt        a symlink to ../secret.txt
//	DIR/root/up              a symlink to .., the directory holding the secret
type rootDir struct {
	path   string
	secret string // the secret file's absolute path
	token  string // its content
	files  []staticFile
}

type staticFile struct {
	name      string // below the root, and below /static/ in a URL
	body      []byte
	mediaType string // "" when any type will do
}

func makeRoot(dir string) (*rootDir, error) {
	random := make([]byte, 1<<20+123)
	if _, err := rand.Read(random); err != nil {
		return nil, err
	}
	r := &rootDir{
		path:   filepath.Join(dir, "root"),
		secret: filepath.Join(dir, "secret.txt"),
		token:  "secret-" + hex.EncodeToString(random[:12]),
		files: []staticFile{
			{"hello.txt", []byte("Hello from the stage tester.\n"), "text/plain"},
			{"page.html", []byte("<!doctype html>\n<title>stage 4</title>\n<p>A page from the stage tester.</p>\n"), "text/html"},
			{"style.css", []byte("p { color: teal; }\n"), "text/css"},
			{"data.json", []byte("{\"stage\": 4}\n"), "application/json"},
			{"sub/large.bin", random[12:], ""},
		},
	}
	if err := os.MkdirAll(filepath.Join(r.path, "sub"), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(r.secret, []byte(r.token+"\n"), 0o644); err != nil {
		return nil, err
	}
	for _, f := range r.files {
		if err := os.WriteFile(filepath.Join(r.path, f.name), f.body, 0o644); err != nil {
			return nil, err
		}
	}
	for link, target := range map[string]string{"link.txt": "../secret.txt", "up": ".."} {
		if err := os.Symlink(target, filepath.Join(r.path, link)); err != nil {
			return nil, fmt.Errorf("symlink %s: %w", link, err)
		}
	}
	return r, nil
}
