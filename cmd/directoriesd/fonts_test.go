package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
)

// TestStartLogsFontCoverage: with no installed fonts (PDF_FONT_DIRS at an empty
// folder) the service still has fonts for every script it promises, and says so at
// start.
func TestStartLogsFontCoverage(t *testing.T) {
	cfg, err := loadConfig(env(storeVars(couchdbtest.Config(t), map[string]string{
		"LISTEN_ADDR": "127.0.0.1:0", "LOG_LEVEL": "info", "PDF_FONT_DIRS": t.TempDir()})))
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	m, err := NewMain(context.Background(), cfg, &log)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	for _, want := range []string{
		`"msg":"pdf: font","font":"Go Regular","scripts":"Latin Greek Cyrillic"`,
		`"font":"DejaVu Sans (embedded)","scripts":"Greek Cyrillic Armenian Hebrew Arabic`,
		`"font":"NanumSquare (embedded)","scripts":"Hangul"`,
		`"font":"Droid Sans Fallback (embedded)","scripts":"Han Hiragana Katakana"`,
		`"msg":"pdf: scripts without a font (drawn as U+FFFD)","scripts":"Georgian`,
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("start log lacks %s:\n%s", want, log.String())
		}
	}
}
