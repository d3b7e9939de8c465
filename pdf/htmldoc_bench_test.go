package pdf

import (
	"context"
	"html"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// kazooHTML is what KAZOO 4.3's directory.tmpl (crossbar/priv/couchdb/templates)
// renders for name and entries: a heading and a table of last name, first name and a
// list of numbers, autoescaped as erlydtl does.
func kazooHTML(name string, entries []directory.Entry) string {
	var b strings.Builder
	b.WriteString("<html>\n<body>\n<h1>" + html.EscapeString(name) + "</h1>\n<table>\n<thead>\n<tr>\n" +
		"<th>Last Name</th>\n<th>First Name</th>\n<th>Numbers</th>\n</tr>\n</thead>\n<tbody>\n")
	for _, e := range entries {
		b.WriteString("<tr>\n<td>" + html.EscapeString(e.LastName) + "</td>\n<td>" + html.EscapeString(e.FirstName) +
			"</td>\n<td>\n<ul>\n")
		for _, n := range e.Numbers {
			b.WriteString("<li>" + html.EscapeString(n) + "</li>\n")
		}
		b.WriteString("</ul>\n</td>\n</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n</body>\n</html>\n")
	return b.String()
}

// BenchmarkVsHTMLDoc renders the same 10,000 members with KAZOO's engine (htmldoc,
// run as kz_pdf runs it: `htmldoc --quiet --webpage -f OUT IN`, a whole process per
// PDF) and with ours, interleaved so both see the same machine load, and reports
// ours/htmldoc as ratios of wall and CPU time for a render by the running service
// (fonts parsed at start), and "cold-cpu-ratio" for New plus the render (as a fresh
// process would do).
// Needs htmldoc (Debian's package); skipped without it.
func BenchmarkVsHTMLDoc(b *testing.B) {
	htmldoc, err := exec.LookPath("htmldoc")
	if err != nil {
		b.Skip("htmldoc not found (apt-get install htmldoc)")
	}
	entries := benchEntries(10000)
	sorted := append([]directory.Entry(nil), entries...)
	if err := SortEntries(sorted, "last_name", "en"); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	in, out := filepath.Join(dir, "directory.html"), filepath.Join(dir, "directory.pdf")
	if err := os.WriteFile(in, []byte(kazooHTML("Everyone", sorted)), 0o600); err != nil {
		b.Fatal(err)
	}
	opts := Options{FontDirs: []string{dir}}
	r, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	p := printout("Everyone", "", entries...)
	ctx := context.Background()
	// Wall time is what a client waits; CPU time (user+system: htmldoc's process,
	// our process during the render) does not depend on what else the machine runs.
	var ours, theirs, oursCPU, coldCPU, theirsCPU time.Duration
	for b.Loop() {
		t0 := time.Now()
		cmd := exec.Command(htmldoc, "--quiet", "--webpage", "-f", out, in)
		if msg, err := cmd.CombinedOutput(); err != nil || len(msg) > 0 {
			b.Fatalf("htmldoc: %v %s", err, msg)
		}
		theirs += time.Since(t0)
		theirsCPU += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()

		t1, c1 := time.Now(), cpuTime()
		if err := r.Render(ctx, io.Discard, p); err != nil {
			b.Fatal(err)
		}
		ours += time.Since(t1)
		oursCPU += cpuTime() - c1

		c2 := cpuTime()
		fresh, err := New(opts)
		if err != nil {
			b.Fatal(err)
		}
		if err := fresh.Render(ctx, io.Discard, p); err != nil {
			b.Fatal(err)
		}
		coldCPU += cpuTime() - c2
	}
	ms := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(b.N) }
	b.ReportMetric(ms(theirs), "htmldoc-ms/op")
	b.ReportMetric(ms(ours), "ours-ms/op")
	b.ReportMetric(ms(theirsCPU), "htmldoc-cpu-ms/op")
	b.ReportMetric(ms(oursCPU), "ours-cpu-ms/op")
	b.ReportMetric(ms(coldCPU), "ours-cold-cpu-ms/op")
	b.ReportMetric(ours.Seconds()/theirs.Seconds(), "wall-ratio")
	b.ReportMetric(oursCPU.Seconds()/theirsCPU.Seconds(), "cpu-ratio")
	b.ReportMetric(coldCPU.Seconds()/theirsCPU.Seconds(), "cold-cpu-ratio")
}
