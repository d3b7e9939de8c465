package embedded

import (
	"io"
	"sync/atomic"

	"github.com/go-kivik/kivik/v4/driver"
)

// rowsIter serves rows materialised inside a read transaction, so no bbolt
// transaction stays open while the caller iterates (and perhaps writes). Close may
// run concurrently with Next and with itself (kivik closes the driver's rows from
// its own goroutine when the result set's context ends).
type rowsIter struct {
	closed    atomic.Bool
	rows      []driver.Row
	i         int
	offset    int64
	totalRows int64
	updateSeq string
}

var _ driver.Rows = (*rowsIter)(nil)

func (r *rowsIter) Next(row *driver.Row) error {
	if r.closed.Load() || r.i >= len(r.rows) {
		return io.EOF
	}
	*row = r.rows[r.i]
	r.rows[r.i] = driver.Row{}
	r.i++
	return nil
}

func (r *rowsIter) Close() error {
	r.closed.Store(true)
	return nil
}

func (r *rowsIter) UpdateSeq() string { return r.updateSeq }
func (r *rowsIter) Offset() int64     { return r.offset }
func (r *rowsIter) TotalRows() int64  { return r.totalRows }
