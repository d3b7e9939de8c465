package pdf

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
	"golang.org/x/text/unicode/norm"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// newTestRenderer returns a renderer with the embedded fonts only (no installed fonts
// searched) and a logger writing to log.
func newTestRenderer(t testing.TB, locale string, log *bytes.Buffer) *Renderer {
	t.Helper()
	opts := Options{FontDirs: []string{t.TempDir()}, Locale: locale}
	if log != nil {
		opts.Logger = slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			},
		}))
	}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if log != nil {
		log.Reset() // New's font report
	}
	return r
}

// render renders p and returns the PDF bytes.
func render(t testing.TB, r directory.Renderer, p directory.Printout) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Render(context.Background(), &buf, p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeTemp stores b in a temporary file and returns its path.
func writeTemp(t testing.TB, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.pdf")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pdfText extracts the text with `pdftotext -layout`.
func pdfText(t testing.TB, pdf []byte) string {
	t.Helper()
	out, err := exec.Command(needTool(t, "pdftotext"), "-layout", "-enc", "UTF-8", writeTemp(t, pdf), "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// pdfInfo returns the output of pdfinfo.
func pdfInfo(t testing.TB, pdf []byte) string {
	t.Helper()
	out, err := exec.Command(needTool(t, "pdfinfo"), writeTemp(t, pdf)).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	return string(out)
}

// pdfPages returns the page count reported by pdfinfo.
func pdfPages(t testing.TB, pdf []byte) int {
	t.Helper()
	out := pdfInfo(t, pdf)
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("pdfinfo printed no page count:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// checkGolden compares got with testdata/golden/name, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pdf -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test ./pdf -run %s -update rewrites it)\n--- got ---\n%s\n--- want ---\n%s",
			path, t.Name(), got, want)
	}
}

// assertOrder checks that each needle occurs in text, each after the previous one.
func assertOrder(t *testing.T, text string, needles ...string) {
	t.Helper()
	at := 0
	for _, n := range needles {
		i := strings.Index(text[at:], n)
		if i < 0 {
			t.Errorf("%q missing or out of order (after byte %d) in:\n%s", n, at, text)
			return
		}
		at += i + len(n)
	}
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		name   string
		locale string
		p      directory.Printout
		order  []string // substrings expected in this order
	}{
		{
			name: "sort_last_name", p: printout("Head Office", "", scriptEntries()...),
			order: []string{"Adams", "Bob", "adams", "zoe", "Andersson", "Ångström", "Nowak", "Zimmermann", "Zola",
				"Παπαδόπουλος", "Иванов", "王"},
		},
		{
			name: "sort_first_name", p: printout("Head Office", "first_name", scriptEntries()...),
			order: []string{"Anders", "Bob", "Émile", "Łukasz", "Oskar", "zoe", "Zoë", "Σωκράτης", "Дмитрий", "小明"},
		},
		{
			name: "sort_swedish", locale: "sv", p: printout("Huvudkontor", "", scriptEntries()...),
			order: []string{"Adams", "Andersson", "Nowak", "Zimmermann", "Zola", "Ångström", "Παπαδόπουλος"},
		},
		{
			name: "ties", p: printout("Smiths", "", tieEntries()...),
			order: []string{"alice", "2002", "Alice", "2001", "Alice", "2003", "smith", "2005", "Smith", "2004", "Smithers"},
		},
		{
			name: "missing_data", p: printout("Odds and ends", "", oddEntries()...),
			order: []string{"Cher", "Emoji", "Joiner", "Prince", "Thai", "von", "Hohenzollern-", "…", "(no name)", "(user deleted)", userID(34)[:20]},
		},
		{name: "empty", p: printout("", "")},
		{
			name: "long_title",
			p: printout("Zentrale Verwaltung der Großherzoglichen Hofkapelle und Orchesterakademie "+
				"王小明 Abteilung für Beschaffung, Logistik und Instandhaltung der Musikinstrumente", "", member(1, "小明", "王", "1")),
			order: []string{"Zentrale", "王小明", "…", "Last Name", "王"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newTestRenderer(t, tc.locale, nil)
			text := pdfText(t, render(t, r, tc.p))
			checkGolden(t, tc.name+".txt", text)
			assertOrder(t, text, tc.order...)
			if !strings.Contains(text, "Generated 2026-03-14 09:26 UTC") || !strings.Contains(text, "Page 1 of 1") {
				t.Errorf("footer missing in:\n%s", text)
			}
		})
	}
}

func TestRenderMultiPage(t *testing.T) {
	r := newTestRenderer(t, "", nil)
	pdf := render(t, r, printout("Everyone", "", manyEntries(200)...))
	pages := pdfPages(t, pdf)
	if pages < 3 {
		t.Fatalf("pdfinfo reports %d pages for 200 members, want at least 3", pages)
	}
	text := pdfText(t, pdf)
	checkGolden(t, "multi_page.txt", text)
	pageTexts := strings.Split(strings.TrimRight(text, "\f\n"), "\f")
	if len(pageTexts) != pages {
		t.Fatalf("pdftotext found %d pages, pdfinfo %d", len(pageTexts), pages)
	}
	rows := 0
	for i, pt := range pageTexts {
		assertOrder(t, pt, "Last Name", "First Name", "Numbers")
		want := "Page " + strconv.Itoa(i+1) + " of " + strconv.Itoa(pages)
		if !strings.Contains(pt, want) {
			t.Errorf("page %d lacks %q", i+1, want)
		}
		rows += len(regexp.MustCompile(`(?m)\b1\d{3}\b`).FindAllString(pt, -1))
	}
	if rows != 200 {
		t.Errorf("found %d member numbers over all pages, want 200", rows)
	}
}

func TestRenderCountsMissingGlyphs(t *testing.T) {
	var log bytes.Buffer
	r := newTestRenderer(t, "", &log)
	text := pdfText(t, render(t, r, printout("Odds", "", oddEntries()...)))
	// สมชาย (5 runes) and 🧑 have no glyph in any font: each is drawn as U+FFFD.
	if n := strings.Count(text, "\uFFFD"); n != 6 {
		t.Errorf("found %d U+FFFD in the text, want 6:\n%s", n, text)
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one log line, got:\n%s", log.String())
	}
	for _, want := range []string{"level=WARN", "replaced=6", "invisible_omitted=1", "U+0E2A", "U+1F9D1", "U+200D"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("log line lacks %q: %s", want, lines[0])
		}
	}

	log.Reset()
	pdf := render(t, r, printout("ทีม Team 🧑", "", member(1, "Ann", "Lee")))
	if !strings.Contains(log.String(), "replaced=4 ") {
		t.Errorf("name counted wrongly: %s", log.String())
	}
	if info := pdfInfo(t, pdf); !strings.Contains(info, "Title:           ทีม Team �") {
		t.Errorf("document title not kept:\n%s", info)
	}

	log.Reset()
	render(t, r, printout("Plain", "", scriptEntries()...))
	if log.Len() != 0 {
		t.Errorf("log written although every character has a glyph: %s", log.String())
	}
}

// TestRenderDeterministic: renders at once on a new renderer (the first use of each
// font, which gopdf then parses, at the same time in all of them) give the same bytes
// as a render on another renderer.
func TestRenderDeterministic(t *testing.T) {
	p := printout("Everyone", "", append(manyEntries(120), oddEntries()...)...)
	want := render(t, newTestRenderer(t, "", nil), p)
	if !bytes.HasPrefix(want, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", want[:min(len(want), 16)])
	}
	r := newTestRenderer(t, "", nil)
	var wg sync.WaitGroup
	got := make([][]byte, 4)
	for i := range got {
		wg.Go(func() { got[i] = render(t, r, p) })
	}
	wg.Wait()
	for i, g := range got {
		if !bytes.Equal(g, want) {
			t.Errorf("render %d differs from the first one (%d vs %d bytes)", i, len(g), len(want))
		}
	}
}

func TestRenderDoesNotModifyInput(t *testing.T) {
	r := newTestRenderer(t, "", nil)
	entries := scriptEntries()
	before := append([]directory.Entry(nil), entries...)
	render(t, r, printout("X", "", entries...))
	for i := range entries {
		if entries[i].UserID != before[i].UserID {
			t.Fatalf("Render reordered the caller's entries")
		}
	}
}

func TestRenderCancelledWritesNothing(t *testing.T) {
	r := newTestRenderer(t, "", nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var buf bytes.Buffer
	err := r.Render(ctx, &buf, printout("X", "", manyEntries(10)...))
	if err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if buf.Len() != 0 {
		t.Errorf("%d bytes written on error", buf.Len())
	}
}

// failAfter accepts n bytes, then fails every write.
type failAfter struct{ n int }

var errFull = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k := f.n
		f.n = 0
		return k, errFull
	}
	f.n -= len(p)
	return len(p), nil
}

// TestRenderReturnsWriteError: gopdf ignores its writer's errors; Render must not.
func TestRenderReturnsWriteError(t *testing.T) {
	r := newTestRenderer(t, "", nil)
	for _, n := range []int{0, 100, 20000} {
		w := &failAfter{n: n}
		if err := r.Render(context.Background(), w, printout("X", "", manyEntries(300)...)); !errors.Is(err, errFull) {
			t.Errorf("fail after %d bytes: err = %v, want %v", n, err, errFull)
		}
	}
}

// TestRenderWithNoFontsInstalled renders every script the binary promises with only
// the embedded fonts: no configured files, font discovery pointed at an empty
// directory. Nothing may be replaced, and the text must read back.
func TestRenderWithNoFontsInstalled(t *testing.T) {
	var log bytes.Buffer
	r, err := New(Options{FontDirs: []string{t.TempDir()}, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	fonts, uncovered := r.Fonts()
	for _, s := range []string{"Latin", "Greek", "Cyrillic", "Hebrew", "Arabic", "Han", "Hiragana", "Katakana", "Hangul"} {
		if slices.Contains(uncovered, s) {
			t.Errorf("%s reported without a font: %v", s, uncovered)
		}
	}
	if len(fonts) != 4 { // Go Regular (and Bold), DejaVu Sans, NanumSquare, Droid Sans Fallback
		t.Errorf("fonts %+v, want the Go fonts and the three embedded ones", fonts)
	}
	for _, want := range []string{`font="DejaVu Sans (embedded)" scripts="Greek Cyrillic Armenian Hebrew Arabic`,
		`font="NanumSquare (embedded)" scripts=Hangul`, `font="Droid Sans Fallback (embedded)" scripts="Han Hiragana Katakana"`,
		`scripts without a font`, `Thai`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("font report lacks %q:\n%s", want, log.String())
		}
	}
	log.Reset()
	names := []directory.Entry{
		member(1, "Zoë", "Ångström"), member(2, "Σωκράτης", "Παπαδόπουλος"), member(3, "Дмитрий", "Иванов"),
		member(4, "小明", "王"), member(5, "ひろし", "タナカ"), member(6, "민준", "김"), member(7, "Nguyễn", "Văn"),
		member(8, "דוד", "כהן"), member(9, "محمد", "العربي"),
	}
	text := readBack(pdfText(t, render(t, r, printout("Ünïcødé 王 민준", "", names...))))
	for _, e := range names {
		for _, want := range []string{e.FirstName, e.LastName} {
			if !strings.Contains(text, want) {
				t.Errorf("%q missing from:\n%s", want, text)
			}
		}
	}
	if strings.Contains(text, "\uFFFD") || log.Len() != 0 {
		t.Errorf("characters replaced; log: %s\n%s", log.String(), text)
	}
}

// TestDiscoverInstalledFonts points discovery at a folder with Garuda (Thai; regular
// and bold), a file that only claims to be a font and a collection: Garuda regular
// is used for Thai, and only for Thai.
func TestDiscoverInstalledFonts(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"Garuda-Bold.ttf", "Garuda.ttf"} {
		data, err := os.ReadFile(filepath.Join("testdata", "fonts", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "tlwg"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "tlwg", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range map[string]string{"AAA-broken.ttf": "\x00\x01\x00\x00garbage", "AAA-sans.ttc": "ttcf"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var log bytes.Buffer
	r, err := New(Options{FontDirs: []string{dir, filepath.Join(dir, "missing")}, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	fonts, uncovered := r.Fonts()
	last := fonts[len(fonts)-1]
	if want := filepath.Join(dir, "tlwg", "Garuda.ttf"); last.Font != want || !slices.Equal(last.Scripts, []string{"Thai"}) {
		t.Errorf("last font %+v, want %s for Thai", last, want)
	}
	if slices.Contains(uncovered, "Thai") || !strings.Contains(log.String(), "Garuda.ttf scripts=Thai") {
		t.Errorf("Thai still uncovered: %v\n%s", uncovered, log.String())
	}
	text := pdfText(t, render(t, r, printout("ทีม", "", member(1, "สมชาย", "Thai"), member(2, "Ann", "Lee"))))
	if !strings.Contains(text, "สมชาย") || strings.Contains(text, "\uFFFD") {
		t.Errorf("Thai not drawn:\n%s", text)
	}
	// Latin still comes from the Go fonts: Garuda draws Thai only.
	g := newGlyphs(r.fonts)
	if f := g.lookup(regular, 'A').face; f != faceGoRegular {
		t.Errorf("'A' drawn by face %d", f)
	}

	// Without installed fonts Thai is replaced, and the log says so.
	log.Reset()
	bare := newTestRenderer(t, "", &log)
	text = pdfText(t, render(t, bare, printout("X", "", member(1, "สมชาย", "Thai"))))
	if n := strings.Count(text, "\uFFFD"); n != 5 || !strings.Contains(log.String(), "replaced=5") {
		t.Errorf("want 5 U+FFFD and a warning, got %d:\n%s\n%s", n, text, log.String())
	}
}

// readBack undoes what pdftotext adds to right-to-left text: the embedding marks
// around each right-to-left word, and the Arabic presentation forms the PDF draws
// (NFKC maps them back to the letters).
func readBack(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 0x202A && r <= 0x202E {
			return -1
		}
		return r
	}, s)
	return norm.NFKC.String(s)
}

// TestREADMEPicture keeps the text of the README's sample page in a golden file; with
// -update it also redraws docs/directory-page1.png from page 1 with pdftoppm.
func TestREADMEPicture(t *testing.T) {
	r := newTestRenderer(t, "", nil)
	pdf := render(t, r, printout("Sales & Support — Berlin", "", realisticEntries()...))
	checkGolden(t, "readme_page.txt", pdfText(t, pdf))
	if !*update {
		return
	}
	prefix := filepath.Join(t.TempDir(), "page")
	out, err := exec.Command(needTool(t, "pdftoppm"), "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
		writeTemp(t, pdf), prefix).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	png, err := os.ReadFile(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "docs", "directory-page1.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRenderRightToLeft draws Hebrew and Arabic in visual order with joined Arabic
// letters. pdftotext reads every right-to-left word back in logical order (marking
// it with U+202B/U+202C, and giving Arabic as the presentation forms drawn: readBack
// folds both); in a line mixing directions it lays out the words as drawn, left to
// right, which TestVisual pins.
func TestRenderRightToLeft(t *testing.T) {
	r := newTestRenderer(t, "", nil)
	raw := pdfText(t, render(t, r, printout("מחלקת מכירות", "", rtlEntries()...)))
	checkGolden(t, "right_to_left.txt", raw)
	text := readBack(raw)
	for _, want := range []string{"מחלקת מכירות", "דוד", "כהן", "محمد", "العربي", "مریم", "رضایی", "علي", "سلامة", "שרה", "Levi", "Noa"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q not read back in logical order from:\n%s", want, text)
		}
	}
	// Joined forms are drawn: initial meem of محمد, final yeh of علي.
	for _, want := range []string{"\uFEE3\uFEA4\uFEE4\uFEAA", "\uFECB\uFEE0\uFEF2"} {
		if !strings.Contains(raw, want) {
			t.Errorf("joined forms %+q not in:\n%s", want, raw)
		}
	}
	if strings.Contains(raw, "\uFFFD") {
		t.Errorf("characters replaced:\n%s", raw)
	}
}
