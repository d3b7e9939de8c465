package pdf

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// generated is the fixed clock of every fixture.
var generated = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// missingPrereq fails the test in CI (CI=true) and skips it elsewhere.
func missingPrereq(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...) + " (apt-get install -y poppler-utils)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// needTool returns the path of a poppler tool, or fails/skips.
func needTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missingPrereq(t, "%s not found: %v", name, err)
	}
	return path
}

// printout builds a printout of a directory named name.
func printout(name, sortBy string, entries ...directory.Entry) directory.Printout {
	doc := directory.Doc{"id": "3a8e5c0f1d2b4a6c8e0f1a2b3c4d5e6f", "name": name}
	if sortBy != "" {
		doc["sort_by"] = sortBy
	}
	return directory.Printout{AccountName: "Acme Widgets GmbH", Directory: doc, Entries: entries, Generated: generated}
}

// member builds an entry with a user id derived from n.
func member(n int, first, last string, numbers ...string) directory.Entry {
	return directory.Entry{UserID: userID(n), FirstName: first, LastName: last, Numbers: numbers}
}

func userID(n int) string { return fmt.Sprintf("u%031d", n) }

// scriptEntries has one member per script the directory must print, lower-case names
// and an accent-only difference.
func scriptEntries() []directory.Entry {
	return []directory.Entry{
		member(1, "Anders", "Ångström", "1001"),
		member(2, "Łukasz", "Nowak", "1002", "+48225550102"),
		member(3, "Дмитрий", "Иванов", "1003"),
		member(4, "Σωκράτης", "Παπαδόπουλος", "1004"),
		member(5, "小明", "王", "1005"),
		member(6, "Zoë", "Zimmermann", "1006"),
		member(7, "zoe", "adams", "1007"),
		member(8, "Bob", "Adams", "1008"),
		member(9, "Émile", "Zola", "1009"),
		member(10, "Oskar", "Andersson", "1010"),
	}
}

// tieEntries share last names (and one full name) so the tie-breakers show.
func tieEntries() []directory.Entry {
	return []directory.Entry{
		member(4, "Carol", "Smith", "2004"),
		member(2, "alice", "Smith", "2002"),
		member(3, "Alice", "Smith", "2003"),
		member(1, "Alice", "Smith", "2001"),
		member(5, "Bob", "smith", "2005"),
		member(6, "Ann", "Smithers", "2006"),
	}
}

// oddEntries covers missing data: no name, one name only, a vanished user, no numbers,
// many numbers, a very long name and a character no font has (Thai, emoji).
func oddEntries() []directory.Entry {
	many := make([]string, 14)
	for i := range many {
		many[i] = fmt.Sprintf("+1415555%04d", 100+i)
	}
	return []directory.Entry{
		member(31, "", "", "3001"),
		member(32, "Cher", "", "3002"),
		member(33, "", "Prince"),
		{UserID: userID(34), UserMissing: true, Numbers: []string{"3004"}},
		member(35, "Maximiliana Theodora Wilhelmina", "von Hohenzollern-Sigmaringen-Großherzogtum-Baden-Württemberg-Hechingen-Haigerloch-Veringen-Nürnberg-Brandenburg-Ansbach-Bayreuth-Kulmbach-Schwarzburg", many...),
		member(36, "สมชาย", "Thai", "3006"),
		member(37, "Smiley 🧑", "Emoji", "3007"),
		member(38, "Zero\u200dWidth", "Joiner", "3008"),
	}
}

// manyEntries generates n deterministic members with mixed scripts and numbers.
func manyEntries(n int) []directory.Entry {
	firsts := []string{"Anna", "Björn", "Chloé", "Dmitri", "Éva", "Fatima", "Giorgos", "Hana", "Ígor", "Jürgen",
		"Katarzyna", "Ласло", "Μαρία", "Øystein", "Pál", "Nguyen", "Quentin", "Rūta", "Søren", "Tomás", "小红", "Ülle"}
	lasts := []string{"Andersson", "Brown", "Çelik", "Dubois", "Éclair", "Fischer", "García", "Hansen", "Ivanova",
		"Jensen", "Kowalski", "López", "Müller", "Novák", "O'Brien", "Петров", "Quispe", "Rossi", "Σταύρου", "Tanaka", "李", "Zając"}
	out := make([]directory.Entry, n)
	for i := range out {
		nums := []string{fmt.Sprintf("%d", 1000+i)}
		if i%3 == 0 {
			nums = append(nums, fmt.Sprintf("+1415555%04d", i%10000))
		}
		out[i] = member(i, firsts[(i*7)%len(firsts)], lasts[(i*13+i/len(firsts))%len(lasts)], nums...)
	}
	return out
}

// realisticEntries is the ~40-member directory of the README picture.
func realisticEntries() []directory.Entry {
	es := manyEntries(36)
	return append(es,
		member(100, "Łukasz", "Wiśniewski", "2201", "+48225550199"),
		member(101, "小明", "王", "2202"),
		member(102, "", "", "2203"),
		directory.Entry{UserID: userID(103), UserMissing: true, Numbers: []string{"2204"}},
	)
}

// rtlEntries are Hebrew, Arabic, Persian and mixed names.
func rtlEntries() []directory.Entry {
	return []directory.Entry{
		member(51, "דוד", "כהן", "5001"),
		member(52, "محمد", "العربي", "5002"),
		member(53, "مریم", "رضایی", "5003"),
		member(54, "Anna (אנה)", "Levi", "5004"),
		member(55, "שרה", "לוי 2", "5005"),
		member(56, "علي", "سلامة", "5006"),
		member(57, "Noa", "Ben David בן דוד", "5007"),
	}
}
