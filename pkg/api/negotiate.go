package api

import (
	"mime"
	"strconv"
	"strings"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// format is a response representation.
type format int

const (
	formatJSON format = iota
	formatCSV
	formatPDF
)

// mediaTypes are the content types crossbar provides for each format, in preference
// order (JSON first, so `Accept: */*` is JSON: KAZOO-5227).
var mediaTypes = map[format][]string{
	formatJSON: {"application/json", "application/x-json"},
	formatCSV:  {"text/csv", "application/octet-stream", "text/comma-separated-values"},
	formatPDF:  {"application/pdf", "application/x-pdf"},
}

var (
	listTypes = []format{formatJSON, formatCSV}
	itemTypes = []format{formatJSON, formatCSV, formatPDF}
)

// negotiate picks the representation: the `accept` override (query string or
// envelope: "csv", "pdf" or a media type) wins, else the Accept header. A
// representation the endpoint does not produce is 406.
func negotiate(accept string, r *request, produces []format) (format, error) {
	if produces == nil {
		produces = []format{formatJSON}
	}
	if override, ok := r.param("accept"); ok && override != "" {
		f, known := overrideFormat(override)
		if !known {
			return formatJSON, nil
		}
		if !hasFormat(produces, f) {
			return 0, directory.Errorf(directory.ECodeNotAcceptable, "accept=%s not provided here", override)
		}
		return f, nil
	}
	if strings.TrimSpace(accept) == "" {
		return formatJSON, nil
	}
	best, bestQ := formatJSON, 0.0
	for _, f := range produces {
		for _, mt := range mediaTypes[f] {
			if q := acceptQuality(accept, mt); q > bestQ {
				best, bestQ = f, q
			}
		}
	}
	if bestQ == 0 {
		return 0, directory.Errorf(directory.ECodeNotAcceptable, "nothing acceptable in %q", accept)
	}
	return best, nil
}

func overrideFormat(v string) (format, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "csv":
		return formatCSV, true
	case "pdf":
		return formatPDF, true
	case "json":
		return formatJSON, true
	}
	for f, types := range mediaTypes {
		for _, mt := range types {
			if mt == v {
				return f, true
			}
		}
	}
	return formatJSON, false
}

func hasFormat(list []format, f format) bool {
	for _, x := range list {
		if x == f {
			return true
		}
	}
	return false
}

// acceptQuality returns the q-value the Accept header gives media type mt, using the
// most specific matching range (0 when none matches).
func acceptQuality(accept, mt string) float64 {
	typ, _, _ := strings.Cut(mt, "/")
	q, specificity := 0.0, -1
	for _, part := range strings.Split(accept, ",") {
		rng, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		s := -1
		switch {
		case rng == mt:
			s = 2
		case rng == typ+"/*":
			s = 1
		case rng == "*/*":
			s = 0
		}
		if s <= specificity {
			continue
		}
		specificity, q = s, 1
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
	}
	return q
}
