package store

import "go.etcd.io/bbolt"

// kv is what the grouper reads and writes stories through: the buckets
// of a bbolt transaction for a DB, or an in-memory copy of the stories a
// Save touches, filled as grouping asks for them, for another store (see
// StoryGrouping). Keeping the rule behind this one seam is what lets both
// stores group alike.
type kv interface {
	bucket(name []byte) kvBucket
}

// kvBucket is the part of a *bbolt.Bucket the grouper uses.
type kvBucket interface {
	Get(key []byte) []byte
	Put(key, value []byte) error
	Delete(key []byte) error
	Cursor() kvCursor
}

// kvCursor is the part of a *bbolt.Cursor the grouper uses. As with
// bbolt, a cursor is not to be used after its bucket changes.
type kvCursor interface {
	Seek(seek []byte) (key, value []byte)
	Next() (key, value []byte)
}

// boltKV is a bbolt transaction as a kv.
type boltKV struct{ tx *bbolt.Tx }

func (k boltKV) bucket(name []byte) kvBucket { return boltBucket{k.tx.Bucket(name)} }

type boltBucket struct{ b *bbolt.Bucket }

func (b boltBucket) Get(key []byte) []byte       { return b.b.Get(key) }
func (b boltBucket) Put(key, value []byte) error { return b.b.Put(key, value) }
func (b boltBucket) Delete(key []byte) error     { return b.b.Delete(key) }
func (b boltBucket) Cursor() kvCursor            { return b.b.Cursor() }
