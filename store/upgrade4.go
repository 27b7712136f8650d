package store

import (
	"bytes"
	"fmt"

	"go.etcd.io/bbolt"
)

// upgradeText brings a version 3 file's articles to version 4: their
// text compressed again, with textDict. It rewrites some thousands of
// articles a transaction, holding the file lock throughout; an article
// whose text already names the dictionary is left, so a killed upgrade
// goes on where it stopped (reading again what it did, not compressing it
// again). Older files need nothing here: the version 3 rewrite
// (upgradeRecords) compresses with the dictionary already. Like
// upgradeRecords it does not stamp the version: initSchema does.
//
// Before it rewrites the first article it stamps the file version 4,
// marked as keyTextUpgrade says, in one transaction: a release of
// version 3 cannot read text compressed with the dictionary, and would
// take a file it stopped half-way for a damaged one (check, and recover
// dropping the articles); stamped, that release refuses it and says to
// upgrade policywatch.
func (db *DB) upgradeText(chunk int) error {
	var (
		need, stamp bool
		total       int
	)
	err := db.view(func(tx *bbolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return nil // a new file
		}
		v, err := db.checkVersion(meta.Get(keySchemaVersion))
		if err != nil {
			return err
		}
		if stamp = v == 3; !stamp && meta.Get(keyTextUpgrade) == nil {
			return nil
		}
		if tx.Bucket(bucketArticles) == nil {
			return corrupt("bucket %s missing", bucketArticles)
		}
		need = true
		c, ok := readCounts(tx)
		if !ok {
			c.Articles = tx.Bucket(bucketArticles).Stats().KeyN
		}
		total = c.Articles
		return nil
	})
	if err != nil || !need {
		return err
	}
	if stamp {
		err := db.update(func(tx *bbolt.Tx) error {
			meta := tx.Bucket(bucketMeta)
			if err := meta.Put(keyTextUpgrade, []byte{1}); err != nil {
				return err
			}
			return meta.Put(keySchemaVersion, []byte("4"))
		})
		if err != nil {
			return fmt.Errorf("upgrade %s from schema version 3: %w", db.path, err)
		}
	}
	p := newReporter(db.progress, "compressing the articles' text with a dictionary (upgrade from schema version 3 to 4)", total)
	var after []byte // the last article read
	for done := false; !done; {
		n := 0
		err := db.update(func(tx *bbolt.Tx) error {
			b := tx.Bucket(bucketArticles)
			c := b.Cursor()
			k, v := c.First()
			if after != nil {
				if k, v = c.Seek(after); bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			// A bucket must not change under its cursor: the rewritten
			// records are put once the chunk is read.
			var redo [][2][]byte
			for ; k != nil && n < chunk; k, v = c.Next() {
				n++
				after = bytes.Clone(k)
				raw, changed, err := recompressText(v)
				if err != nil {
					return fmt.Errorf("article %s: %w", k, err)
				}
				if changed {
					redo = append(redo, [2][]byte{after, raw})
				}
			}
			done = k == nil
			for _, r := range redo {
				if err := b.Put(r[0], r[1]); err != nil {
					return fmt.Errorf("article %s: %w", r[0], err)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("upgrade %s from schema version 3: %w", db.path, err)
		}
		p.add(n)
	}
	if err := db.update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketMeta).Delete(keyTextUpgrade) }); err != nil {
		return fmt.Errorf("upgrade %s from schema version 3: %w", db.path, err)
	}
	p.end()
	return nil
}

// keyTextUpgrade, in meta, marks a file stamped version 4 whose upgrade
// from version 3 has not compressed every article's text with the
// dictionary yet: the next read-write open goes on with it. This
// release reads the text either way.
var keyTextUpgrade = []byte("upgrading_text")

// recompressText returns the article record raw with its text compressed
// with textDict, and whether that changed it: a short text stored as it
// is, or one compressed with the dictionary already, is left.
func recompressText(raw []byte) ([]byte, bool, error) {
	var s storedArticle
	if err := cborDec().Unmarshal(raw, &s); err != nil {
		return nil, false, corrupt("decode: %w", err)
	}
	if s.TextZ == nil || frameDictID(s.TextZ) == textDictID {
		return raw, false, nil
	}
	text, err := zstdDec().DecodeAll(s.TextZ, nil)
	if err != nil {
		return nil, false, corrupt("decode: text: %w", err)
	}
	s.TextZ = zstdEnc().EncodeAll(text, nil)
	out, err := cborEnc().Marshal(s)
	if err != nil {
		return nil, false, fmt.Errorf("encode: %w", err)
	}
	return out, true, nil
}
