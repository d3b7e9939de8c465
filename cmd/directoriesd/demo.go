package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// The first run: `directoriesd` on an empty data directory (embedded store, never
// CouchDB) sets the store up as `init` would and fills a demo account, so that a
// newcomer sees a directory, its PDF and a dial-by-name search at once.
// FIRST_RUN_DEMO=false starts empty instead.

// demoTokenTTL is the lifetime of the printed token; `directoriesd token` mints more.
const demoTokenTTL = 24 * time.Hour

// demoMembers is the demo account's people: names in Latin, Greek, Cyrillic, CJK,
// Hebrew and Arabic scripts, extensions 1001.., in the directories Sales and/or
// Support.
var demoMembers = [][3]string{
	{"Alice", "Anderson", "Sales"}, {"Bruno", "Bianchi", "Sales"}, {"Chloé", "Dubois", "Sales;Support"},
	{"Dmitri", "Ivanov", "Support"}, {"Emma", "Müller", "Sales"}, {"François", "Lefèvre", "Support"},
	{"Grace", "Hopper", "Sales;Support"}, {"Hiroshi", "Tanaka", "Support"}, {"Ingrid", "Svensson", "Sales"},
	{"José", "García", "Support"}, {"Kateřina", "Nováková", "Sales"}, {"Łukasz", "Wiśniewski", "Support"},
	{"María", "Fernández", "Sales;Support"}, {"Noah", "O'Brien", "Sales"}, {"Olivia", "Smith", "Support"},
	{"Paolo", "Rossi", "Sales"}, {"Søren", "Kierkegaard", "Support"}, {"Zoë", "Van der Berg", "Sales"},
	{"Γιώργος", "Παπαδόπουλος", "Sales"}, {"Ελένη", "Νικολάου", "Support"}, {"Νίκος", "Καζαντζάκης", "Sales;Support"},
	{"Σοφία", "Γεωργίου", "Sales"}, {"Андрей", "Смирнов", "Support"}, {"Мария", "Иванова", "Sales"},
	{"Наталья", "Кузнецова", "Sales;Support"}, {"Сергей", "Попов", "Support"}, {"Ольга", "Соколова", "Sales"},
	{"太郎", "山田", "Sales"}, {"花子", "佐藤", "Support"}, {"伟", "王", "Sales;Support"},
	{"芳", "李", "Sales"}, {"秀英", "张", "Support"}, {"민준", "김", "Sales"},
	{"서연", "이", "Support"}, {"美咲", "鈴木", "Sales"}, {"דוד", "כהן", "Sales"},
	{"שרה", "לוי", "Support"}, {"יוסף", "מזרחי", "Sales;Support"}, {"רחל", "פרץ", "Sales"},
	{"محمد", "العلي", "Support"}, {"فاطمة", "حسن", "Sales"}, {"أحمد", "إبراهيم", "Sales;Support"},
	{"ليلى", "منصور", "Support"}, {"عمر", "خليل", "Sales"}, {"Ahmed", "Khan", "Support"},
	{"Priya", "Sharma", "Sales"}, {"Nguyễn", "Văn An", "Support"}, {"Ayşe", "Yılmaz", "Sales"},
	{"Björk", "Guðmundsdóttir", "Support"}, {"Jean-Luc", "Picard", "Sales;Support"},
}

// demoRows are demoMembers as import rows.
func demoRows() []memberRow {
	rows := make([]memberRow, len(demoMembers))
	for i, m := range demoMembers {
		rows[i] = memberRow{Line: i + 1, First: m[0], Last: m[1], Numbers: []string{fmt.Sprint(1001 + i)}, Directories: splitList(m[2], ";")}
	}
	return rows
}

// firstRunWanted reports whether the service should set up the demo account: the
// embedded store, FIRST_RUN_DEMO not false, and a data directory that is missing or
// empty (checked before the store creates its file).
func firstRunWanted(cfg Config) bool {
	if cfg.CouchDBURL != "" || !cfg.FirstRunDemo {
		return false
	}
	entries, err := os.ReadDir(cfg.DataDir)
	return errors.Is(err, fs.ErrNotExist) || (err == nil && len(entries) == 0)
}

// demoAccount is what the first run created.
type demoAccount struct {
	AccountID   string
	Token       string
	Directories []demoDirectory
}

type demoDirectory struct{ Name, ID string }

// setupDemo sets up an empty store as `init --account-name Demo` does and imports
// demoRows into the account.
func setupDemo(ctx context.Context, store *couchdb.Store, now time.Time) (demoAccount, error) {
	key, err := rsa.GenerateKey(rand.Reader, initKeyBits)
	if err != nil {
		return demoAccount{}, err
	}
	setup := couchdb.Setup{
		KeyID:                  directory.NewID(),
		PrivateKeyPEM:          auth.PrivateKeyPEM(key),
		SecretForUserSignature: directory.NewID(),
		AccountID:              directory.NewID(),
		AccountName:            "Demo",
		SignatureSecret:        directory.NewID(),
		Now:                    now,
	}
	if err := store.Bootstrap(ctx, setup); err != nil {
		return demoAccount{}, err
	}
	rep, err := importMembers(ctx, store, nil, setup.AccountID, demoRows(), now) // new ids: no cache to tell
	if err != nil {
		return demoAccount{}, err
	}
	if len(rep.Rejected) > 0 {
		return demoAccount{}, fmt.Errorf("demo row %d rejected: %s", rep.Rejected[0].Line, rep.Rejected[0].Reason)
	}
	t, err := mintToken(ctx, store, tokenRequest{AccountID: setup.AccountID, TTL: demoTokenTTL, Now: now})
	if err != nil {
		return demoAccount{}, err
	}
	d := demoAccount{AccountID: setup.AccountID, Token: t.Token}
	for _, name := range []string{"Sales", "Support"} {
		d.Directories = append(d.Directories, demoDirectory{name, rep.Directories[name]})
	}
	return d, nil
}

// print writes the shell assignments and the curl commands to try, for a service
// listening on addr.
func (d demoAccount) print(w io.Writer, addr net.Addr, dataDir string) {
	base := "http://" + addr.String()
	if a, ok := addr.(*net.TCPAddr); ok && (a.IP == nil || a.IP.IsUnspecified()) {
		base = fmt.Sprintf("http://localhost:%d", a.Port)
	}
	fmt.Fprintf(w, `
First run: a demo account with %d people in two directories (FIRST_RUN_DEMO=false starts empty).
Paste these lines into a shell:

BASE=%s
ACCOUNT_ID=%s
SALES_ID=%s
SUPPORT_ID=%s
TOKEN=%s

curl -s -H "X-Auth-Token: $TOKEN" $BASE/v2/accounts/$ACCOUNT_ID/directories
curl -s -H "X-Auth-Token: $TOKEN" $BASE/v2/accounts/$ACCOUNT_ID/directories/$SALES_ID
curl -s -H "X-Auth-Token: $TOKEN" "$BASE/v2/accounts/$ACCOUNT_ID/directories/$SALES_ID?accept=pdf" -o sales.pdf
curl -s -H "X-Auth-Token: $TOKEN" "$BASE/v2/accounts/$ACCOUNT_ID/directories/$SALES_ID/search?dtmf=263"

The token lasts %s; while the service runs, DATA_DIR=%s directoriesd token --account $ACCOUNT_ID
mints another, and directoriesd import --account $ACCOUNT_ID members.csv adds people.

`, len(demoMembers), base, d.AccountID, d.Directories[0].ID, d.Directories[1].ID, d.Token, demoTokenTTL, dataDir)
}
