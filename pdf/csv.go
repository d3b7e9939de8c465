package pdf

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strings"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
	"golang.org/x/text/language"
)

// NumbersSeparator joins a member's numbers in the CSV "numbers" column: callflow
// numbers are dialable strings that may contain spaces ("+1 415 555 0100") but, in
// practice, no ";".
const NumbersSeparator = ";"

// CSV renders a printout's member table as CSV: the same members in the same order
// (SortEntries) as the PDF, under the header "last_name,first_name,numbers,user_id".
// RFC 4180 quoting (encoding/csv), CRLF line ends, UTF-8 without BOM (invalid bytes
// become U+FFFD). Values are the stored ones, not the PDF's placeholders: a member
// without a name, or whose user doc is missing, has empty name columns. Values are
// not altered for spreadsheets (a leading "+" is a phone number, not a formula).
// It is safe for concurrent use.
type CSV struct {
	tag language.Tag
}

var _ directory.Renderer = (*CSV)(nil)

// NewCSV returns a CSV renderer collating with locale (see ParseLocale; "" is "en").
// It fails only for an invalid locale.
func NewCSV(locale string) (*CSV, error) {
	tag, err := ParseLocale(locale)
	if err != nil {
		return nil, err
	}
	return &CSV{tag: tag}, nil
}

// Render writes p's member table to w. It checks ctx before writing and returns w's
// write error, if any; output may then be partial (the caller buffers).
func (c *CSV) Render(ctx context.Context, w io.Writer, p directory.Printout) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	entries := slices.Clone(p.Entries)
	sortEntries(entries, p.SortBy(), c.tag)
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write([]string{"last_name", "first_name", "numbers", "user_id"}); err != nil {
		return err
	}
	record := make([]string, 4)
	for _, e := range entries {
		record[0], record[1] = utf8Text(e.LastName), utf8Text(e.FirstName)
		if e.UserMissing {
			record[0], record[1] = "", ""
		}
		record[2] = utf8Text(strings.Join(e.Numbers, NumbersSeparator))
		record[3] = utf8Text(e.UserID)
		if err := cw.Write(record); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// utf8Text replaces invalid UTF-8 so the output is always valid UTF-8.
func utf8Text(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
