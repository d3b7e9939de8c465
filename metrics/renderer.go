package metrics

import (
	"context"
	"io"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// InstrumentRenderer wraps r so that every Render is timed in
// directoriesd_render_duration_seconds{kind} and every failure counted in
// directoriesd_render_errors_total{kind}. kind names the representation ("pdf",
// "csv"); it must come from a fixed set. A nil r stays nil, so a disabled
// representation stays disabled.
func (reg *Registry) InstrumentRenderer(kind string, r directory.Renderer) directory.Renderer {
	if r == nil {
		return nil
	}
	return &renderer{kind: kind, next: r, reg: reg}
}

type renderer struct {
	kind string
	next directory.Renderer
	reg  *Registry
}

// Render calls the wrapped renderer and returns its error unchanged.
func (r *renderer) Render(ctx context.Context, w io.Writer, p directory.Printout) error {
	start := time.Now()
	err := r.next.Render(ctx, w, p)
	r.reg.renderDuration.WithLabelValues(r.kind).Observe(time.Since(start).Seconds())
	if err != nil {
		r.reg.renderErrors.WithLabelValues(r.kind).Inc()
	}
	return err
}
