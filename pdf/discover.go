package pdf

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/image/font/sfnt"
)

// DefaultFontDirs are the standard directories of installed fonts on Linux for a
// user whose home directory is home ("" leaves the per-user ones out).
func DefaultFontDirs(home string) []string {
	dirs := []string{"/usr/share/fonts", "/usr/local/share/fonts"}
	if home != "" {
		dirs = append(dirs, filepath.Join(home, ".fonts"), filepath.Join(home, ".local", "share", "fonts"))
	}
	return dirs
}

// Bounds of font discovery: installed font trees can be large.
const (
	maxFontFiles    = 5000
	maxFontFileSize = 64 << 20
)

// discover adds, for each reported script no face covers yet, the first installed
// TrueType font under dirs that covers it, restricted to the scripts it was added
// for. Regular-looking sans fonts are preferred; files gopdf cannot embed and
// unreadable files are skipped. The scan stops when every script is covered. It
// reports whether it added a font.
func (fs *fontSet) discover(dirs []string) (added bool) {
	var missing []*script
	all := scriptsOnce()
	for i := range all {
		if !all[i].covers(func(r rune) bool { return fs.find(regular, r).face >= 0 }) {
			missing = append(missing, &all[i])
		}
	}
	if len(missing) == 0 {
		return false
	}
	var buf sfnt.Buffer
	for _, path := range fontFiles(dirs) {
		if len(missing) == 0 || len(fs.faces) >= maxFaces {
			return added
		}
		f, file, err := openFont(path)
		if err != nil {
			continue
		}
		has := func(r rune) bool {
			gi, err := f.GlyphIndex(&buf, r)
			return err == nil && gi != 0
		}
		var only []*unicode.RangeTable
		rest := missing[:0:0]
		for _, s := range missing {
			if s.covers(has) {
				only = append(only, s.table)
			} else {
				rest = append(rest, s)
			}
		}
		file.Close()
		if only == nil {
			continue
		}
		data, err := os.ReadFile(path)
		if err == nil && fs.add(path, data, only) == nil {
			missing, added = rest, true
		}
	}
	return added
}

// openFont opens a TrueType font file for cmap lookups without reading all of it.
func openFont(path string) (*sfnt.Font, *os.File, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	info, err := file.Stat()
	if err == nil && info.Size() > maxFontFileSize {
		err = errors.New("too large")
	}
	var magic [12]byte
	if err == nil {
		_, err = file.ReadAt(magic[:], 0)
	}
	if err == nil {
		err = checkTrueType(magic[:])
	}
	var f *sfnt.Font
	if err == nil {
		f, err = sfnt.ParseReaderAt(file)
	}
	if err != nil {
		file.Close()
		return nil, nil, err
	}
	return f, file, nil
}

// fontFiles lists the .ttf files under dirs, regular sans styles first, then by path.
func fontFiles(dirs []string) []string {
	var files []string
	for _, dir := range dirs {
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if len(files) >= maxFontFiles {
				return fs.SkipAll
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".ttf") {
				files = append(files, path)
			}
			return nil
		})
	}
	seen := make(map[string]bool, len(files))
	files = slices.DeleteFunc(files, func(p string) bool {
		dup := seen[p]
		seen[p] = true
		return dup
	})
	slices.SortStableFunc(files, func(a, b string) int { return styleRank(a) - styleRank(b) })
	return files
}

// styleRank prefers regular sans faces: 0 sans, 1 other regular, 2 styled (bold,
// italic, light, mono, ...).
func styleRank(path string) int {
	name := strings.ToLower(filepath.Base(path))
	for _, w := range []string{"bold", "italic", "oblique", "light", "thin", "black", "heavy",
		"medium", "semi", "extra", "condensed", "mono", "ui", "display", "looped"} {
		if strings.Contains(name, w) {
			return 2
		}
	}
	if strings.Contains(name, "sans") {
		return 0
	}
	return 1
}
