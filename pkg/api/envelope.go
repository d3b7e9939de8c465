package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// readBody decodes the request envelope: top-level keys lower-cased with "-" → "_",
// `data` an object or an array. Bodies are read only up to MaxBodyBytes; a body of an
// unsupported Content-Type is left unread (the pipeline answers 415 later).
func (s *Server) readBody(c echo.Context, r *request) error {
	req := c.Request()
	r.envelope = map[string]any{}
	media, form := bodyMedia(req.Header.Get(echo.HeaderContentType))
	r.mediaOK = media
	if !media || req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	limit := s.cfg.MaxBodyBytes
	if req.ContentLength > limit {
		return errBodyTooLarge(limit)
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, limit+1))
	if err != nil {
		return errInvalidJSON("could not read the request body")
	}
	if int64(len(body)) > limit {
		return errBodyTooLarge(limit)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	env, err := decodeEnvelope(body)
	if err != nil && form {
		env, err = formEnvelope(body)
	}
	if err != nil {
		return err
	}
	for k, v := range env {
		r.envelope[strings.ReplaceAll(strings.ToLower(k), "-", "_")] = v
	}
	data, ok := r.envelope["data"]
	switch d := data.(type) {
	case nil:
		if ok {
			return errInvalidEnvelope(data)
		}
	case map[string]any:
		r.data = directory.Doc(d)
	case []any:
		r.data = d
	default:
		return errInvalidEnvelope(data)
	}
	return nil
}

// bodyMedia reports whether a Content-Type is read as JSON (missing counts as JSON),
// and whether it is a form that may hold url-encoded fields instead.
func bodyMedia(contentType string) (ok, form bool) {
	if strings.TrimSpace(contentType) == "" {
		return true, false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false, false
	}
	switch mt {
	case "application/json", "application/x-json":
		return true, false
	case "application/x-www-form-urlencoded":
		return true, true
	}
	return false, false
}

// maxBodyDepth bounds how deeply a request body's arrays and objects nest: no
// directory needs more, and a body nested thousands of levels deep breaks view
// engines downstream.
const maxBodyDepth = 64

// nestingDepth returns the deepest nesting of arrays and objects in the JSON text b
// (strings skipped), stopping once it passes limit.
func nestingDepth(b []byte, limit int) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > limit {
					return deepest
				}
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

func decodeEnvelope(body []byte) (map[string]any, error) {
	if nestingDepth(body, maxBodyDepth) > maxBodyDepth {
		return nil, errInvalidJSON("JSON nested deeper than " + strconv.Itoa(maxBodyDepth) + " levels")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errInvalidJSON(jsonErrorText(err, dec.InputOffset()))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errInvalidJSON("unexpected data after the JSON value around " + strconv.FormatInt(dec.InputOffset(), 10))
	}
	env, ok := v.(map[string]any)
	if !ok {
		return nil, errInvalidEnvelope(v)
	}
	return env, nil
}

func jsonErrorText(err error, offset int64) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return syn.Error() + " around " + strconv.FormatInt(syn.Offset, 10)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "unexpected end of JSON around " + strconv.FormatInt(offset, 10)
	}
	return "All JSON must be valid"
}

// formEnvelope reads url-encoded fields as envelope keys; a `data` field holds JSON.
func formEnvelope(body []byte) (map[string]any, error) {
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errInvalidJSON("All JSON must be valid")
	}
	env := map[string]any{}
	for k, vs := range values {
		env[k] = vs[0]
	}
	if raw, ok := env["data"].(string); ok {
		d, err := decodeEnvelope([]byte(`{"data":` + raw + `}`))
		if err != nil {
			return nil, err
		}
		env["data"] = d["data"]
	}
	return env, nil
}

// extra holds the optional envelope keys of a success response.
type extra struct {
	revision     string
	paged        bool
	pageSize     int
	startKey     string
	nextStartKey string
}

// respond writes a success envelope (§9.1).
func (s *Server) respond(c echo.Context, r *request, status int, data any, x extra) error {
	env := s.baseEnvelope(c)
	env["data"] = data
	env["status"] = "success"
	if r != nil && r.token != "" {
		env["auth_token"] = r.token
	}
	if x.revision != "" {
		env["revision"] = x.revision
	}
	if x.paged {
		env["page_size"] = x.pageSize
		if x.startKey != "" {
			env["start_key"] = x.startKey
		}
		if x.nextStartKey != "" {
			env["next_start_key"] = x.nextStartKey
		}
	}
	return s.writeJSON(c, status, env)
}

// baseEnvelope has the keys every response carries.
func (s *Server) baseEnvelope(c echo.Context) map[string]any {
	return map[string]any{
		"request_id": requestIDOf(c),
		"node":       s.node,
		"version":    s.cfg.Version,
		"timestamp":  s.cfg.Now().UTC().Format("2006-01-02T15:04:05Z"),
	}
}

var jsonpCallback = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$.]{0,127}$`)

// writeJSON encodes v (pretty when asked) as exactly application/json, or as JSONP
// when a valid `jsonp` callback name is given.
func (s *Server) writeJSON(c echo.Context, status int, v any) error {
	req := c.Request()
	q := req.URL.Query()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if strings.EqualFold(req.Header.Get("X-Pretty-Print"), "true") || strings.EqualFold(q.Get("pretty_print"), "true") {
		enc.SetIndent("", "    ")
	}
	if err := enc.Encode(v); err != nil {
		return err
	}
	body := bytes.TrimRight(buf.Bytes(), "\n")
	contentType := "application/json"
	if cb := q.Get("jsonp"); cb != "" && jsonpCallback.MatchString(cb) {
		body = append(append([]byte(cb+"("), body...), ')')
		contentType = "application/javascript"
	}
	return c.Blob(status, contentType, body)
}

// scalarText renders a JSON scalar parameter as text.
func scalarText(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}
