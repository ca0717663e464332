//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"

	"epollhttp/final/server"

	"golang.org/x/sys/unix"
)

// staticFiles serves the files under one directory, and nothing outside it.
// Two walls keep requests in: the path is decoded and refused if it holds
// "..", ".", an empty segment, a NUL, a backslash or an encoded slash; and
// the file is opened with openat2(2) and RESOLVE_BENEATH, so the kernel
// itself refuses any path, symlinks included, that would leave the root.
type staticFiles struct {
	dirFD int    // the root, opened once; -1 when there is none
	dir   string // its real path, for the fallback check
}

func openStatic(dir string) (*staticFiles, error) {
	if dir == "" {
		return &staticFiles{dirFD: -1}, nil
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("-root %s: %w", dir, err)
	}
	real, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("-root %s: %w", dir, err)
	}
	return &staticFiles{dirFD: fd, dir: real}, nil
}

const staticPrefix = "/static/"

func (s *staticFiles) serve(w *server.ResponseWriter, r *server.Request) {
	if s.dirFD < 0 {
		w.Text(404, "no static files here (start the server with -root DIR)\n")
		return
	}
	rel, problem := cleanPath(string(r.Path[len(staticPrefix):]))
	if problem != "" {
		w.Text(400, "bad path: "+problem+"\n")
		return
	}
	if hidden(rel) {
		w.Text(404, "not found\n")
		return
	}
	if rel == "" || strings.HasSuffix(rel, "/") {
		rel += "index.html"
	}
	fd, err := s.open(rel)
	if err != nil {
		s.openFailed(w, err)
		return
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		w.Text(500, "stat failed\n")
		return
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		serveFile(w, r, fd, &st, rel)
	case unix.S_IFDIR:
		unix.Close(fd)
		redirectToSlash(w, r)
	default: // a device, a fifo, a socket: never served
		unix.Close(fd)
		w.Text(404, "not found\n")
	}
}

// serveFile answers with a regular file, which it owns from here: its
// validators on every response (conditional.go), a 304 or 412 when the
// request's conditions say so, else the whole file or the one range asked
// for (ranges.go), sent with sendfile(2) from that range's offset. The
// server closes fd once the bytes are sent, or at once for a response
// without a body (304, and HEAD, which reaches here as GET and gets the
// same fields).
func serveFile(w *server.ResponseWriter, r *server.Request, fd int, st *unix.Stat_t, name string) {
	var v validators
	v.of(st, r.Date) // the response's Date: Last-Modified may not be later
	if status := precondition(r, &v); status != 0 {
		unix.Close(fd)
		v.set(w)
		if status == 412 {
			w.Text(412, "precondition failed: the file is not the version the request names\n")
			return
		}
		w.SetStatus(status)
		return
	}
	part, partial := byteRange{0, st.Size}, false
	if value, n := onlyField(r, "Range"); n == 1 && rangeApplies(r, &v) {
		switch asked, kind := parseRange(value, st.Size); kind {
		case rangeUnsatisfiable:
			// RFC 9110 §15.5.17: say how long the file is, so the client
			// can ask again.
			unix.Close(fd)
			w.SetHeader("Content-Range", "bytes */"+strconv.FormatInt(st.Size, 10))
			w.SetHeader("Accept-Ranges", "bytes")
			w.Text(416, "range not satisfiable: the file has "+strconv.FormatInt(st.Size, 10)+" bytes\n")
			return
		case rangeSatisfiable:
			part, partial = asked, true
		}
	}
	w.SetHeader("Content-Type", contentType(name))
	// RFC 9110 §14.3: tells a client it may ask for ranges, before it needs one.
	w.SetHeader("Accept-Ranges", "bytes")
	v.set(w)
	if partial {
		w.SetStatus(206)
		w.SetHeader("Content-Range", contentRange(part, st.Size))
	}
	w.SendFile(fd, part.first, part.length)
}

// openat2 is unix.Openat2, in a variable so that a test can make it fail
// with ENOSYS, as on a kernel before 5.6, and exercise the fallback
// (static_fallback_test.go).
var openat2 = unix.Openat2

// open opens rel beneath the root. RESOLVE_BENEATH makes the kernel fail
// with EXDEV any resolution that leaves the root, through "..", an
// absolute path or a symlink; RESOLVE_NO_MAGICLINKS refuses /proc-style
// links. Kernels before 5.6 have no openat2 (ENOSYS): then the file is
// opened normally and its real path, read back from /proc, must lie inside
// the root.
func (s *staticFiles) open(rel string) (int, error) {
	how := unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOCTTY | unix.O_NONBLOCK,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
	}
	for {
		fd, err := openat2(s.dirFD, rel, &how)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.ENOSYS:
			return s.openChecked(rel)
		}
		return fd, err
	}
}

func (s *staticFiles) openChecked(rel string) (int, error) {
	fd, err := unix.Openat(s.dirFD, rel, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		return -1, err
	}
	real, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	if err != nil || !strings.HasPrefix(real, s.dir+"/") {
		unix.Close(fd)
		return -1, unix.EXDEV
	}
	return fd, nil
}

func (s *staticFiles) openFailed(w *server.ResponseWriter, err error) {
	switch {
	case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE):
		w.SetHeader("Retry-After", "1")
		w.Text(503, "out of file descriptors; retry\n")
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		w.Text(403, "forbidden\n")
	default:
		// ENOENT, ENOTDIR, and EXDEV or ELOOP for a path or a symlink that
		// leads out of the root: to the client, all are "not found".
		w.Text(404, "not found\n")
	}
}

// cleanPath percent-decodes a path below /static/ and refuses anything that
// could name a file outside the root or mean two things to two readers.
// It returns the relative path, or why it was refused.
func cleanPath(raw string) (string, string) {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '%' {
			if i+2 >= len(raw) || unhex(raw[i+1]) < 0 || unhex(raw[i+2]) < 0 {
				return "", "malformed percent-escape"
			}
			c = byte(unhex(raw[i+1])<<4 | unhex(raw[i+2]))
			if c == '/' || c == '\\' {
				return "", "encoded slash or backslash"
			}
			i += 2
		}
		switch c {
		case 0:
			return "", "NUL byte"
		case '\\':
			return "", "backslash"
		}
		b.WriteByte(c)
	}
	rel := b.String()
	if strings.HasPrefix(rel, "/") {
		return "", "absolute path"
	}
	for _, segment := range strings.Split(strings.TrimSuffix(rel, "/"), "/") {
		switch segment {
		case "..", ".":
			return "", "dot segment"
		case "":
			if rel != "" {
				return "", "empty segment"
			}
		}
	}
	return rel, ""
}

// hidden reports whether a path names a dotfile or goes through a dot
// directory (.git, .env, .htpasswd): a root copied from a working tree often
// holds them, and they are never meant for the web. The answer is 404, as
// for a file that is not there: a 403 would confirm that it is.
func hidden(rel string) bool {
	return strings.HasPrefix(rel, ".") || strings.Contains(rel, "/.")
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

// contentTypes maps a file's extension to its media type; a short table
// of our own rather than the system's mime.types, so every machine agrees.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".htm":  "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".json": "application/json",
	".txt":  "text/plain; charset=utf-8",
	".md":   "text/markdown; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".webp": "image/webp",
	".ico":  "image/x-icon",
	".wasm": "application/wasm",
	".pdf":  "application/pdf",
	".xml":  "application/xml",
}

func contentType(name string) string {
	if t, ok := contentTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return "application/octet-stream"
}
