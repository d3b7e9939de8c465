// Package pdf prints a directory: a paginated PDF (Renderer) and the same member
// table as CSV (CSV). Both order members with SortEntries.
//
// The PDF is A4 portrait: the directory name as title with the account name and
// member count, a table (Last Name, First Name, Numbers) whose header repeats on every
// page, and a footer with the generation date (UTC) and "Page N of M". Text wraps
// inside its cell (at spaces, after hyphens, else anywhere); names are capped at 4
// lines and numbers at 40, the last line then ending with "…", so a row always fits
// on a page. A member without a name shows "(no name)"; one whose user doc is gone
// shows "(user deleted)" and the user id, both in grey.
//
// Fonts, chosen per character: the Go fonts (Latin with diacritics, Greek, Cyrillic;
// regular and bold), then the TrueType fonts of Options.FontFiles in order, then the
// fonts compiled in (package fonts: DejaVu Sans for Hebrew, Arabic and more Latin,
// NanumSquare for Hangul, Droid Sans Fallback for Han and kana), then installed fonts
// found under Options.FontDirs for the scripts none of those covers. New logs which
// font draws which script. A character no font has is drawn as U+FFFD and counted in
// one warning log line per render; invisible format characters no font has
// (zero-width joiner, BOM) are left out and counted too. Nothing is dropped silently.
//
// Right-to-left text (Hebrew, Arabic) is put in visual order line by line with the
// Unicode bidirectional algorithm, and Arabic letters take their joined forms
// (presentation forms, see arabic.go). There is no other shaping: Indic scripts and
// Thai, if a font covers them, come out without reordered vowel signs or conjuncts.
//
// Content streams are not compressed: gopdf compresses each page with a fresh zlib
// writer and one write per glyph, which more than doubles the render time. Serve the
// PDF with HTTP compression instead (10,000 members: 2.8 MB, 0.4 MB gzipped).
package pdf

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"unicode"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
	"github.com/signintech/gopdf"
	"golang.org/x/text/language"
)

// Producer is written into the PDF's document information.
const Producer = "kazoo-directories"

// Options configures a Renderer.
type Options struct {
	// FontFiles are extra TrueType (.ttf, glyf outlines) fonts tried in order for
	// characters the Go fonts lack, e.g. a CJK fallback.
	FontFiles []string
	// FontDirs are searched (recursively) for installed TrueType fonts, used for
	// scripts that neither FontFiles nor the compiled-in fonts cover; nil searches
	// nothing. DefaultFontDirs lists the standard directories.
	FontDirs []string
	// Locale is the BCP 47 tag whose collation orders members (default "en").
	Locale string
	// Logger receives the font report of New and the warning about undrawable
	// characters (nil: discard).
	Logger *slog.Logger
}

// Renderer renders printouts as PDF. It is safe for concurrent use. New reads the
// fonts' coverage and widths; gopdf parses a font once, when a render first uses it
// (a directory of Latin names never loads the CJK fallback).
type Renderer struct {
	fonts  *fontSet
	tag    language.Tag
	logger *slog.Logger
}

var _ directory.Renderer = (*Renderer)(nil)

// New reads the fonts, parsing the configured and installed font files, and
// validates the locale. It fails when a font file cannot be read or is not a TrueType
// font gopdf can embed (collections and CFF-flavoured OpenType are rejected), and when
// the locale is not a valid BCP 47 tag with collation rules.
func New(opts Options) (*Renderer, error) {
	tag, err := ParseLocale(opts.Locale)
	if err != nil {
		return nil, err
	}
	fonts, err := newFontSet(opts.FontFiles, opts.FontDirs)
	if err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	r := &Renderer{fonts: fonts, tag: tag, logger: logger}
	cov, uncovered := r.Fonts()
	for _, c := range cov {
		logger.Info("pdf: font", slog.String("font", c.Font), slog.String("scripts", strings.Join(c.Scripts, " ")))
	}
	logger.Info("pdf: scripts without a font (drawn as U+FFFD)", slog.String("scripts", strings.Join(uncovered, " ")))
	return r, nil
}

// Fonts reports each font in the order it is tried with the scripts it draws, and
// the scripts (of those people's names are commonly written in) no font covers.
func (r *Renderer) Fonts() (fonts []FontCoverage, uncovered []string) {
	return r.fonts.coverage()
}

// Render writes p as a PDF to w: the directory name as title, every member in
// SortEntries order in a table (Last Name, First Name, Numbers) whose header repeats on
// every page, "Page N of M" and the generation date (p.Generated, UTC) in each footer.
// The output depends only on p and the fonts: the same input gives the same bytes.
//
// The document is laid out and drawn in memory, then written to w as gopdf compiles
// it, so an error while drawing (ctx cancelled, layout failure) leaves w untouched,
// but w's own write error may leave a partial document: callers that need all or
// nothing buffer (the API does, compressed). Errors are ctx.Err(), gopdf failures
// while drawing, or w's first write error (gopdf's WriteTo ignores both its writer's
// errors and those of the objects it writes, such as a font subset).
func (r *Renderer) Render(ctx context.Context, w io.Writer, p directory.Printout) (err error) {
	defer func() {
		// gopdf is third-party code working on user data: fail the render, not the
		// process.
		if v := recover(); v != nil {
			err = fmt.Errorf("pdf: internal error: %v", v)
		}
	}()
	entries := slices.Clone(p.Entries)
	sortEntries(entries, p.SortBy(), r.tag)
	g := newGlyphs(r.fonts)
	c := &cleaner{g: g}
	l, err := buildLayout(ctx, g, c, p, entries)
	if err != nil {
		return err
	}
	info := gopdf.PdfInfo{Title: infoText(p.Name()), Producer: Producer, CreationDate: p.Generated}
	gp, err := draw(ctx, r.fonts, g, l, info)
	if err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.missing > 0 || c.invisible > 0 {
		r.logger.LogAttrs(ctx, slog.LevelWarn, "pdf: characters without a glyph in any font",
			slog.String("directory_id", p.Directory.String("id")),
			slog.Int("replaced", c.missing),
			slog.Int("invisible_omitted", c.invisible),
			slog.String("runes", c.exampleList()))
	}
	sw := &stickyWriter{w: w}
	if _, err := gp.WriteTo(sw); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	return sw.err
}

// stickyWriter keeps w's first write error and writes nothing after it: gopdf's
// WriteTo ignores the errors of the writes it makes.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.err = err
	return n, err
}

// infoText prepares s for the document information dictionary, which needs no font
// but which gopdf encodes as UTF-16 only for the Basic Multilingual Plane: other
// runes, control characters and invalid bytes become U+FFFD or spaces.
func infoText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r > 0xFFFF:
			return replacementRune
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, string(replacementRune)))
}
