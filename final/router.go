//go:build linux

package main

import (
	"sort"
	"strings"

	"epollhttp/final/server"
)

// router maps a method and a path to a handler: the small handler API of
// the course. An exact path matches itself; a prefix path (ending in "/")
// matches everything under it. An unknown path gets 404; a known path with
// a method it does not take gets 405 and an Allow field listing the ones it
// does (RFC 9110 §15.5.6). HEAD is answered wherever GET is.
type router struct {
	exact    map[string]*route
	prefixes []*route // longest first
}

type route struct {
	path     string
	methods  []string
	handlers []server.HandlerFunc
	allow    string // "GET, HEAD, POST": for 405 and OPTIONS
}

func newRouter() *router { return &router{exact: map[string]*route{}} }

// handle adds a handler for method on path. A path that ends in "/" is a
// prefix: "/static/" takes "/static/a/b.css".
func (rt *router) handle(method, path string, h server.HandlerFunc) {
	r := rt.exact[path]
	for _, p := range rt.prefixes {
		if p.path == path {
			r = p
		}
	}
	if r == nil {
		r = &route{path: path}
		if strings.HasSuffix(path, "/") && path != "/" {
			rt.prefixes = append(rt.prefixes, r)
			sort.Slice(rt.prefixes, func(i, j int) bool { return len(rt.prefixes[i].path) > len(rt.prefixes[j].path) })
		} else {
			rt.exact[path] = r
		}
	}
	r.methods = append(r.methods, method)
	r.handlers = append(r.handlers, h)
	r.allow = allowList(r.methods)
}

// allowList is the Allow field for a route: its methods, HEAD wherever GET
// is, and OPTIONS, which the router answers itself.
func allowList(methods []string) string {
	all := append([]string(nil), methods...)
	for _, m := range methods {
		if m == "GET" {
			all = append(all, "HEAD")
		}
	}
	return strings.Join(append(all, "OPTIONS"), ", ")
}

// Serve finds the route and runs its handler.
func (rt *router) Serve(w *server.ResponseWriter, r *server.Request) {
	if r.Path == nil {
		rt.serveNoPath(w, r)
		return
	}
	route := rt.exact[string(r.Path)] // a map lookup on a converted []byte does not allocate
	if route == nil {
		for _, p := range rt.prefixes {
			if strings.HasPrefix(string(r.Path), p.path) {
				route = p
				break
			}
		}
	}
	// A prefix route asked for without its slash ("/static") is found
	// and redirected to it, as a directory is.
	redirect := false
	if route == nil {
		route = rt.prefixNamed(string(r.Path) + "/")
		redirect = route != nil
	}
	if route == nil {
		w.Text(404, "not found: "+string(r.Path)+"\n")
		return
	}
	method := string(r.Method) // a HEAD request arrives as GET: the server leaves the body out
	for i, m := range route.methods {
		if m == method {
			if redirect {
				redirectToSlash(w, r)
				return
			}
			route.handlers[i](w, r)
			return
		}
	}
	if method == "OPTIONS" {
		w.SetStatus(204)
		w.SetHeader("Allow", route.allow)
		return
	}
	if !knownMethod(method) {
		// 405 says "this resource refuses a method the server knows"; a
		// method the server has never heard of (or "get": methods are
		// case-sensitive) is 501 (RFC 9110 §9.1, §15.6.2).
		w.Text(501, "method "+method+" is not implemented\n")
		return
	}
	w.SetHeader("Allow", route.allow)
	w.Text(405, "method "+method+" not allowed on "+string(r.Path)+"; allowed: "+route.allow+"\n")
}

func (rt *router) prefixNamed(path string) *route {
	for _, p := range rt.prefixes {
		if p.path == path {
			return p
		}
	}
	return nil
}

// redirectToSlash answers 301 (RFC 9110 §15.4.2) with the same path and a
// slash after it, the query kept: what a directory asked for without its
// slash gets, so that the relative links of the page it serves resolve
// inside it. The path is the one the client sent, still percent-encoded,
// so it goes back exactly as it came.
func redirectToSlash(w *server.ResponseWriter, r *server.Request) {
	to := string(r.Path) + "/"
	if len(r.Query) > 0 {
		to += "?" + string(r.Query)
	}
	w.SetHeader("Location", to)
	w.Text(301, "moved permanently to "+to+"\n")
}

// knownMethod reports whether RFC 9110 §9 (or RFC 5789, PATCH) defines the
// method: the ones a route may refuse with 405.
func knownMethod(m string) bool {
	switch m {
	case "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH":
		return true
	}
	return false
}

// serveNoPath answers the two targets that are not paths: "OPTIONS *"
// asks about the server as a whole; CONNECT asks for a tunnel, which this
// server, not being a proxy, does not build.
func (rt *router) serveNoPath(w *server.ResponseWriter, r *server.Request) {
	if string(r.Method) == "OPTIONS" {
		w.SetStatus(204)
		w.SetHeader("Allow", "GET, HEAD, POST, OPTIONS")
		return
	}
	w.Text(501, "this server is not a proxy: "+string(r.Method)+" is not implemented\n")
}
