package pdf

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// countingWriter counts the bytes of the PDF.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// peakHeap renders once while sampling the bytes of heap objects every 200µs
// (runtime/metrics, no stop-the-world) and returns the highest value seen. It counts
// the whole process heap, the renderer's parsed fonts included.
func peakHeap(b *testing.B, render func() error) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		s := slices.Clone(sample)
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	err := render()
	close(done)
	<-finished
	if err != nil {
		b.Fatal(err)
	}
	return peak.Load()
}

// benchmarkRender times r on n generated members and reports, besides ns/op and
// B/op: CPU time per render (user+system, all threads: load-independent on a shared
// machine), the peak heap of one extra render and the output size.
func benchmarkRender(b *testing.B, r directory.Renderer, n int) {
	p := printout("Everyone", "", benchEntries(n)...)
	ctx := context.Background()
	w := &countingWriter{}
	if err := r.Render(ctx, w, p); err != nil { // warm-up, and the output size
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		if err := r.Render(ctx, io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	b.StopTimer()
	peak := peakHeap(b, func() error { return r.Render(ctx, io.Discard, p) })
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(w.n)/1024, "output-KiB")
}

func BenchmarkRenderPDF(b *testing.B) {
	r := newTestRenderer(b, "", nil)
	for _, n := range []int{1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) { benchmarkRender(b, r, n) })
	}
}

func BenchmarkRenderCSV(b *testing.B) {
	c, err := NewCSV("")
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) { benchmarkRender(b, c, n) })
	}
}

func BenchmarkSortEntries(b *testing.B) {
	entries := benchEntries(10000)
	work := make([]directory.Entry, len(entries))
	b.ReportAllocs()
	for b.Loop() {
		copy(work, entries)
		if err := SortEntries(work, "last_name", "en"); err != nil {
			b.Fatal(err)
		}
	}
}

// benchEntries generates n members with mostly distinct names built from syllables:
// 70% Latin with diacritics, 10% each Cyrillic, Greek and Han; a third have two numbers.
func benchEntries(n int) []directory.Entry {
	scripts := [][]string{
		{"an", "bé", "ck", "dö", "el", "fa", "gü", "ha", "ís", "jo", "ka", "łu", "ma", "ne", "ør", "pa", "qu", "ro", "sa", "tö", "ul", "vi", "wa", "zé"},
		{"ан", "бо", "ва", "го", "да", "ев", "жу", "за", "ил", "ко", "ла", "ми", "на", "ов", "пе", "ра"},
		{"αλ", "βα", "γι", "δη", "ελ", "ζω", "ησ", "θε", "ια", "κο", "λα", "μα", "να", "ξε", "ορ", "πα"},
		{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "林"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	name := func(syl []string, k int) string {
		var b strings.Builder
		for range k {
			b.WriteString(syl[rng.IntN(len(syl))])
		}
		s := b.String()
		if s[0] < 0x80 {
			s = strings.ToUpper(s[:1]) + s[1:]
		}
		return s
	}
	out := make([]directory.Entry, n)
	for i := range out {
		syl := scripts[0]
		switch r := rng.IntN(10); {
		case r == 7:
			syl = scripts[1]
		case r == 8:
			syl = scripts[2]
		case r == 9:
			syl = scripts[3]
		}
		nums := []string{strconv.Itoa(10000 + i)}
		if i%3 == 0 {
			nums = append(nums, fmt.Sprintf("+4930555%05d", i))
		}
		out[i] = member(i, name(syl, 2), name(syl, 3), nums...)
	}
	return out
}
