package backfill

import (
	"bytes"
	"testing"

	"github.com/policywatch/policywatch/backfill/warctest"
)

// Whatever bytes a WARC file holds, reading it ends in records or an
// error, never a panic or a hang.
func FuzzRecords(f *testing.F) {
	pages, err := warctest.CorpusPages("https://news.example/")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(warctest.Write(pages[:2], false))
	f.Add(warctest.Write(pages[:1], true))
	f.Add([]byte("WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 5\r\n\r\nHTTP/"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = records(bytes.NewReader(data), nil, func(p page) error { return nil })
	})
}
