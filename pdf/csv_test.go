package pdf

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

func TestCSVGolden(t *testing.T) {
	c, err := NewCSV("")
	if err != nil {
		t.Fatal(err)
	}
	entries := append(scriptEntries(), oddEntries()...)
	entries = append(entries,
		member(20, `Quote "Q"`, "Comma, Inc.", "4001", "4002"),
		member(21, "Multi\nLine", "Newline", "+1 415 555 0100"),
		member(22, "Bad\xffByte", "Utf8"),
	)
	out := render(t, c, printout("Everyone", "", entries...))
	checkGolden(t, "csv_members.csv", string(out))

	records, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("output is not valid CSV: %v", err)
	}
	if !slices.Equal(records[0], []string{"last_name", "first_name", "numbers", "user_id"}) {
		t.Errorf("header = %q", records[0])
	}
	if len(records) != len(entries)+1 {
		t.Fatalf("%d records, want %d", len(records), len(entries)+1)
	}
	// Same order as the PDF: SortEntries.
	sorted := slices.Clone(entries)
	if err := SortEntries(sorted, "last_name", "en"); err != nil {
		t.Fatal(err)
	}
	for i, e := range sorted {
		rec := records[i+1]
		if rec[3] != e.UserID {
			t.Fatalf("record %d is user %s, want %s", i+1, rec[3], e.UserID)
		}
		if want := strings.ToValidUTF8(strings.Join(e.Numbers, ";"), "\uFFFD"); rec[2] != want {
			t.Errorf("record %d numbers = %q, want %q", i+1, rec[2], want)
		}
		if e.UserMissing && (rec[0] != "" || rec[1] != "") {
			t.Errorf("missing user has names %q", rec)
		}
	}
	if !bytes.Contains(out, []byte(`"Comma, Inc.","Quote ""Q""",4001;4002,`)) {
		t.Errorf("RFC 4180 quoting missing in:\n%s", out)
	}
}

func TestCSVFirstNameOrder(t *testing.T) {
	c, err := NewCSV("sv")
	if err != nil {
		t.Fatal(err)
	}
	out := render(t, c, printout("X", "first_name", scriptEntries()...))
	records, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var firsts []string
	for _, r := range records[1:] {
		firsts = append(firsts, r[1])
	}
	want := []string{"Anders", "Bob", "Émile", "Łukasz", "Oskar", "zoe", "Zoë", "Σωκράτης", "Дмитрий", "小明"}
	if !slices.Equal(firsts, want) {
		t.Errorf("first names %q, want %q", firsts, want)
	}
}

func TestCSVErrors(t *testing.T) {
	if _, err := NewCSV("xx"); err == nil {
		t.Error("NewCSV accepted locale xx")
	}
	c, _ := NewCSV("")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf, directory.Printout{}); err != context.Canceled || buf.Len() != 0 {
		t.Errorf("cancelled render: err %v, %d bytes", err, buf.Len())
	}
}
