// Command chart draws bench.sh's results as an SVG: one panel per case
// (final and net/http side by side, with the ratio), and the connection
// sweep as two line charts (requests/s and p99 latency). It reads the TSV
// that bench.sh writes on stdin and writes the SVG on stdout. Standard
// library only: the chart is text, like everything else here.
//
//	go run ./bench/chart < results.tsv > chart.svg
package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// result is one line of results.tsv.
type result struct {
	server, kase       string
	conns              int
	rps, p50, p99, cpu float64
}

func main() {
	results, err := read(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chart:", err)
		os.Exit(1)
	}
	write(os.Stdout, results)
}

func read(r io.Reader) ([]result, error) {
	var out []result
	scanner := bufio.NewScanner(r)
	for scanner.Scan() {
		f := strings.Split(scanner.Text(), "\t")
		if len(f) != 7 {
			continue
		}
		n := make([]float64, 5)
		for i := range n {
			n[i], _ = strconv.ParseFloat(f[i+2], 64)
		}
		out = append(out, result{f[0], f[1], int(n[0]), n[1], n[2], n[3], n[4]})
	}
	return out, scanner.Err()
}

const (
	width, height = 900, 560
	finalColor    = "#0b57d0"
	netColor      = "#9aa0a6"
)

func write(w io.Writer, results []result) {
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(w, `<rect width="%d" height="%d" fill="#fff"/>`+"\n", width, height)
	fmt.Fprintln(w, `<text x="20" y="28" font-size="16" font-weight="bold">final vs net/http, one CPU each (requests per second, higher is better)</text>`)
	legend(w, 620, 22)
	for i, kase := range []string{"keepalive", "pipelined", "close"} {
		bars(w, results, kase, 20+i*290, 50)
	}
	sweep(w, results, "rps", "keep-alive sweep: requests/s", 20, 300, false)
	sweep(w, results, "p99", "keep-alive sweep: p99 latency (ms, lower is better)", 470, 300, true)
	fmt.Fprintln(w, "</svg>")
}

func legend(w io.Writer, x, y int) {
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">final</text>`+"\n", x, y-10, finalColor, x+16, y)
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">net/http</text>`+"\n", x+70, y-10, netColor, x+86, y)
}

func find(results []result, server, kase string) (result, bool) {
	for _, r := range results {
		if r.server == server && r.kase == kase {
			return r, true
		}
	}
	return result{}, false
}

// bars draws one case: two bars on their own scale, labelled with values.
func bars(w io.Writer, results []result, kase string, x, y int) {
	f, ok1 := find(results, "final", kase)
	n, ok2 := find(results, "nethttp", kase)
	if !ok1 || !ok2 {
		return
	}
	const panelH, barW = 190, 80
	top := math.Max(f.rps, n.rps)
	fmt.Fprintf(w, `<text x="%d" y="%d" font-weight="bold">%s (%d conns): %.1fx</text>`+"\n", x, y+14, kase, f.conns, f.rps/n.rps)
	for i, r := range []result{f, n} {
		h := int(r.rps / top * (panelH - 50))
		bx, by := x+20+i*(barW+30), y+panelH-h
		color := finalColor
		if i == 1 {
			color = netColor
		}
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", bx, by, barW, h, color)
		fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", bx+barW/2, by-4, human(r.rps))
	}
}

// sweep draws a line per server over the sweep's connection counts, the x
// axis in powers of two.
func sweep(w io.Writer, results []result, field, title string, x, y int, latency bool) {
	const panelW, panelH = 410, 220
	var conns []int
	series := map[string]map[int]float64{"final": {}, "nethttp": {}}
	top := 0.0
	for _, r := range results {
		if r.kase != "sweep" {
			continue
		}
		v := r.rps
		if latency {
			v = r.p99 / 1000
		}
		if _, seen := series["final"][r.conns]; !seen && r.server == "final" {
			conns = append(conns, r.conns)
		}
		series[r.server][r.conns] = v
		top = math.Max(top, v)
	}
	sort.Ints(conns)
	if len(conns) < 2 || top == 0 {
		return
	}
	fmt.Fprintf(w, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x, y, title)
	ox, oy := x+50, y+panelH
	fmt.Fprintf(w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#444"/><line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#444"/>`+"\n",
		ox, oy, ox+panelW-60, oy, ox, oy, ox, y+20)
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", ox-4, y+28, human(top))
	px := func(i int) int { return ox + i*(panelW-80)/(len(conns)-1) }
	py := func(v float64) int { return oy - int(v/top*float64(panelH-30)) }
	for i, c := range conns {
		fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="middle">%d</text>`+"\n", px(i), oy+16, c)
	}
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="middle">connections</text>`+"\n", ox+(panelW-60)/2, oy+32)
	for _, server := range []string{"nethttp", "final"} {
		color := finalColor
		if server == "nethttp" {
			color = netColor
		}
		var points []string
		for i, c := range conns {
			points = append(points, fmt.Sprintf("%d,%d", px(i), py(series[server][c])))
		}
		fmt.Fprintf(w, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5"/>`+"\n", strings.Join(points, " "), color)
	}
}

func human(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.0fk", v/1e3)
	}
	return fmt.Sprintf("%.1f", v)
}
