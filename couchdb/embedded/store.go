package embedded

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// Layout of the bbolt file. Every database is a bucket under "dbs" holding:
//
//	doc    id                 -> docInfo (revision tree, current seq)
//	body   id 0 rev           -> revision (body, deleted flag, attachment metadata)
//	att    id 0 rev 0 name    -> attachment content
//	seq    seq (uint64 BE)    -> id (the by-sequence index behind _changes)
//	local  id                 -> localDoc (_local/ docs: no history, no changes)
//	meta   seq|docs|deleted|security
//	view   ddoc id            -> bucket of that design doc's index (see viewindex.go)
var (
	bucketDBs   = []byte("dbs")
	bucketDoc   = []byte("doc")
	bucketBody  = []byte("body")
	bucketAtt   = []byte("att")
	bucketSeq   = []byte("seq")
	bucketLocal = []byte("local")
	bucketMeta  = []byte("meta")
	bucketView  = []byte("view")

	metaSeq      = []byte("seq")
	metaDocs     = []byte("docs")
	metaDeleted  = []byte("deleted")
	metaSecurity = []byte("security")
)

var dbSubBuckets = [][]byte{bucketDoc, bucketBody, bucketAtt, bucketSeq, bucketLocal, bucketMeta, bucketView}

// dbTx is one database's buckets inside one bbolt transaction.
type dbTx struct {
	name  string
	doc   *bolt.Bucket
	body  *bolt.Bucket
	att   *bolt.Bucket
	seq   *bolt.Bucket
	local *bolt.Bucket
	meta  *bolt.Bucket
	view  *bolt.Bucket
}

// openDBTx returns the buckets of database name, or errDBMissing.
func openDBTx(tx *bolt.Tx, name string) (*dbTx, error) {
	root := tx.Bucket(bucketDBs)
	if root == nil {
		return nil, errDBMissing
	}
	b := root.Bucket([]byte(name))
	if b == nil {
		return nil, errDBMissing
	}
	return &dbTx{
		name:  name,
		doc:   b.Bucket(bucketDoc),
		body:  b.Bucket(bucketBody),
		att:   b.Bucket(bucketAtt),
		seq:   b.Bucket(bucketSeq),
		local: b.Bucket(bucketLocal),
		meta:  b.Bucket(bucketMeta),
		view:  b.Bucket(bucketView),
	}, nil
}

// createDBTx creates the buckets of a new database; errFileExists if it exists.
func createDBTx(tx *bolt.Tx, name string) error {
	root, err := tx.CreateBucketIfNotExists(bucketDBs)
	if err != nil {
		return err
	}
	if root.Bucket([]byte(name)) != nil {
		return errFileExists
	}
	b, err := root.CreateBucket([]byte(name))
	if err != nil {
		return err
	}
	for _, sub := range dbSubBuckets {
		if _, err := b.CreateBucket(sub); err != nil {
			return err
		}
	}
	return nil
}

func (d *dbTx) counter(key []byte) uint64 {
	v := d.meta.Get(key)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func (d *dbTx) setCounter(key []byte, n uint64) error {
	return d.meta.Put(key, u64(n))
}

func (d *dbTx) addCounter(key []byte, delta int64) error {
	return d.setCounter(key, uint64(int64(d.counter(key))+delta))
}

// nextSeq allocates the next update sequence number.
func (d *dbTx) nextSeq() (uint64, error) {
	n := d.counter(metaSeq) + 1
	return n, d.setCounter(metaSeq, n)
}

func u64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

// bodyKey is the body-bucket key of one revision of a doc.
func bodyKey(id, rev string) []byte {
	k := make([]byte, 0, len(id)+1+len(rev))
	k = append(k, id...)
	k = append(k, 0)
	return append(k, rev...)
}

// attKey is the att-bucket key of one attachment of one revision.
func attKey(id, rev, name string) []byte {
	k := bodyKey(id, rev)
	k = append(k, 0)
	return append(k, name...)
}
