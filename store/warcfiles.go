package store

import (
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// bucketWARCFiles records the WARC files a backfill has read to the end,
// so that a backfill run again, or resumed after it was killed, skips
// them. Added within version 2: a file without it has finished none.
var bucketWARCFiles = []byte("warc_files")

// WARCFile is a WARC file a backfill read to the end, stored in the same
// transaction as the file's last articles.
type WARCFile struct {
	// Name is where the file was read from: its URL, or its absolute path.
	Name     string    `json:"name"`
	Finished time.Time `json:"finished"`
	Records  int       `json:"records"`  // WARC records read
	Pages    int       `json:"pages"`    // HTML responses among them
	Articles int       `json:"articles"` // pages that passed the prefilter and were stored
	Events   int       `json:"events"`
}

// WARCFileDone returns what was recorded of the finished WARC file name,
// and whether it is finished.
func (db *DB) WARCFileDone(name string) (WARCFile, bool, error) {
	var f WARCFile
	found := false
	err := db.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketWARCFiles)
		if b == nil {
			return nil
		}
		raw := b.Get([]byte(name))
		if raw == nil {
			return nil
		}
		found = true
		if err := json.Unmarshal(raw, &f); err != nil {
			return corrupt("%s: decode %q: %w", bucketWARCFiles, name, err)
		}
		return nil
	})
	if err != nil {
		return WARCFile{}, false, fmt.Errorf("WARC file %s: %w", name, err)
	}
	return f, found, nil
}

// WARCFileDone is DB.WARCFileDone in one read-only visit.
func (h Handle) WARCFileDone(name string) (f WARCFile, done bool, err error) {
	err = h.view(func(db *DB) error { f, done, err = db.WARCFileDone(name); return err })
	return f, done, err
}

func (w writer) saveWARCFile(f WARCFile) error {
	if err := CheckWARCFile(f); err != nil {
		return err
	}
	b, err := w.tx.CreateBucketIfNotExists(bucketWARCFiles)
	if err != nil {
		return fmt.Errorf("WARC file %s: %w", f.Name, err)
	}
	raw, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("WARC file %s: encode: %w", f.Name, err)
	}
	if err := b.Put([]byte(f.Name), raw); err != nil {
		return fmt.Errorf("WARC file %s: %w", f.Name, err)
	}
	return nil
}

// CheckWARCFile checks a finished WARC file as every Store's Save does.
func CheckWARCFile(f WARCFile) error {
	if f.Name == "" {
		return fmt.Errorf("WARC file without a name")
	}
	return nil
}
