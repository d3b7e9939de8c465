package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// printDirectory answers a single-directory GET as PDF or CSV: the member table,
// rendered into a buffer first so that a failure is a clean JSON error, never a
// truncated document with 200.
func (s *Server) printDirectory(c echo.Context, r *request) error {
	renderer, contentType, ext := s.cfg.PDF, "application/pdf", "pdf"
	if r.format == formatCSV {
		renderer, contentType, ext = s.cfg.CSV, "text/csv", "csv"
	}
	if renderer == nil {
		return directory.Errorf(directory.ECodeNotAcceptable, "no %s renderer configured", ext)
	}
	ctx := c.Request().Context()
	p, tag, err := s.cfg.Directories.Printout(ctx, r.accountID, pathParam(c, "id"))
	if err != nil {
		return err
	}
	corsIfAsked(c, r)
	c.Response().Header().Add(echo.HeaderVary, echo.HeaderAcceptEncoding) // on a 304 too
	if notModified(c, tag) {
		return c.NoContent(http.StatusNotModified)
	}
	body := newBody(acceptsGzip(c.Request().Header.Get(echo.HeaderAcceptEncoding)))
	if err := s.render(ctx, renderer, body, p, ext); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, attachment(p.AccountName+"-directory."+ext))
	return body.send(c, contentType)
}

// render renders p into body in one of the Config.MaxRenders slots, freed before the
// answer is sent, so a client slow to download holds no slot.
func (s *Server) render(ctx context.Context, renderer directory.Renderer, body *body, p directory.Printout, ext string) error {
	select {
	case s.renders <- struct{}{}:
		defer func() { <-s.renders }()
	case <-ctx.Done():
		return &directory.Error{Code: directory.ECodeUnavailable, Message: "client gone while waiting to render " + ext, Err: ctx.Err()}
	}
	if err := renderer.Render(ctx, body, p); err != nil {
		return &directory.Error{Code: directory.ECodeInternal, Message: "rendering " + ext, Err: err}
	}
	return nil
}

// minGzip is the smallest body worth compressing.
const minGzip = 1024

// body collects a printout as it is rendered, compressed on the fly (gzip, fastest
// level) once it reaches minGzip bytes when the client accepts gzip, so a
// 10,000-member PDF is held as 0.4 MB, not 2.8 MB. Nothing is sent before the
// renderer succeeds: a failure is still a clean JSON error.
type body struct {
	gzipOK bool
	head   bytes.Buffer // the body while it is small (or not compressed at all)
	zbuf   bytes.Buffer // the compressed body
	zw     *gzip.Writer // set once compressing
}

func newBody(gzipOK bool) *body { return &body{gzipOK: gzipOK} }

func (b *body) Write(p []byte) (int, error) {
	if b.zw != nil {
		return b.zw.Write(p)
	}
	if !b.gzipOK || b.head.Len()+len(p) < minGzip {
		return b.head.Write(p)
	}
	b.zw, _ = gzip.NewWriterLevel(&b.zbuf, gzip.BestSpeed) // a valid level: no error
	if _, err := b.zw.Write(b.head.Bytes()); err != nil {
		return 0, err
	}
	b.head = bytes.Buffer{}
	return b.zw.Write(p)
}

// send answers 200 with the body, gzipped if it was compressed.
func (b *body) send(c echo.Context, contentType string) error {
	if b.zw == nil {
		return c.Blob(http.StatusOK, contentType, b.head.Bytes())
	}
	if err := b.zw.Close(); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentEncoding, "gzip")
	return c.Blob(http.StatusOK, contentType, b.zbuf.Bytes())
}

func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") && strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// writeListCSV renders listing rows as crossbar's generic CSV: each object flattened,
// nested keys joined with "_", one column per key seen, lists joined with ",".
func (s *Server) writeListCSV(c echo.Context, rows []any) error {
	flat := make([]map[string]string, 0, len(rows))
	columns := map[string]bool{}
	for _, row := range rows {
		m := map[string]string{}
		flatten("", row, m)
		for k := range m {
			columns[k] = true
		}
		flat = append(flat, m)
	}
	header := make([]string, 0, len(columns))
	for k := range columns {
		header = append(header, k)
	}
	sort.Strings(header)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(header)
	for _, m := range flat {
		line := make([]string, len(header))
		for i, k := range header {
			line[i] = m[k]
		}
		_ = w.Write(line)
	}
	w.Flush()
	name := c.Request().Header.Get("X-File-Name")
	if name == "" {
		name = c.QueryParam("file_name")
	}
	if name == "" {
		name = "result.csv"
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, attachment(name))
	return c.Blob(http.StatusOK, "text/csv", buf.Bytes())
}

func flatten(prefix string, v any, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			flatten(joinKey(prefix, k), x, out)
		}
	case directory.Doc:
		flatten(prefix, map[string]any(t), out)
	case []any:
		parts := make([]string, 0, len(t))
		for _, x := range t {
			parts = append(parts, fmt.Sprint(x))
		}
		out[prefix] = strings.Join(parts, ",")
	case nil:
		out[prefix] = ""
	default:
		out[prefix] = fmt.Sprint(t)
	}
}

func joinKey(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "_" + k
}

// attachment builds a Content-Disposition with a safely quoted ASCII filename and,
// for non-ASCII names, an RFC 6266 filename*.
func attachment(name string) string {
	var ascii strings.Builder
	nonASCII := false
	for _, r := range name {
		switch {
		case r >= 0x80:
			nonASCII = true
			ascii.WriteByte('_')
		case r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == '/':
			ascii.WriteByte('_')
		default:
			ascii.WriteRune(r)
		}
	}
	v := `attachment; filename="` + ascii.String() + `"`
	if nonASCII {
		v += "; filename*=UTF-8''" + url.PathEscape(name)
	}
	return v
}

// urlPathEscape escapes an id for a Location path segment.
func urlPathEscape(id string) string { return url.PathEscape(id) }
