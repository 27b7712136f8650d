package store

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/policywatch/policywatch/event"
)

// decodeEventFast decodes an event record as encodeEvent writes it, for
// queries, which decode thousands of events each: fxamacker/cbor makes a
// string for every field, and a query's time went to those allocations
// and to collecting them (BenchmarkDecodeEvent: 3.5 µs and 17 allocations
// an event with the library, a tenth of that here). This reads the
// record's bytes as one string and slices its fields from it. It knows
// only the shapes encodeEvent writes; given anything else (a field added
// by a later version, a damaged record) it reports !ok and the caller
// decodes with the library, which is the reference.
func decodeEventFast(raw []byte) (r event.Record, ok bool) {
	s := string(raw)
	p := 0
	// head reads an item's head: its major type and argument.
	head := func() (major byte, arg uint64, ok bool) {
		if p >= len(s) {
			return 0, 0, false
		}
		b := s[p]
		p++
		major, info := b>>5, b&0x1f
		switch {
		case info < 24:
			return major, uint64(info), true
		case info == 24 && p+1 <= len(s):
			p++
			return major, uint64(s[p-1]), true
		case info == 25 && p+2 <= len(s):
			p += 2
			return major, uint64(binary.BigEndian.Uint16([]byte(s[p-2 : p]))), true
		case info == 26 && p+4 <= len(s):
			p += 4
			return major, uint64(binary.BigEndian.Uint32([]byte(s[p-4 : p]))), true
		case info == 27 && p+8 <= len(s):
			p += 8
			return major, binary.BigEndian.Uint64([]byte(s[p-8 : p])), true
		}
		return 0, 0, false
	}
	text := func() (string, bool) {
		major, n, ok := head()
		if !ok || major != 3 || n > uint64(len(s)-p) {
			return "", false
		}
		p += int(n)
		return s[p-int(n) : p], true
	}

	// integer reads a CBOR integer that fits an int64.
	integer := func() (int64, bool) {
		major, n, ok := head()
		switch {
		case !ok || major > 1 || n > math.MaxInt64:
			return 0, false
		case major == 0:
			return int64(n), true
		default: // -1 - n
			return -1 - int64(n), true
		}
	}

	major, pairs, ok := head()
	if !ok || major != 5 {
		return r, false
	}
	e := &r.Event
	for range pairs {
		major, key, ok := head()
		if !ok || major != 0 {
			return r, false
		}
		var field *string
		switch key {
		case 1:
			field = &e.ID
		case 2:
			field = &e.Country
		case 3:
			field = &e.Service
		case 4:
			a, ok := text()
			if !ok {
				return r, false
			}
			e.Action = event.Action(a)
			continue
		case 5:
			field = &e.Date
		case 6:
			field = &e.Reason
		case 7:
			if p < len(s) && s[p] == 0xf6 { // null: a nil slice
				p++
				continue
			}
			major, n, ok := head()
			if !ok || major != 4 || n > uint64(len(s)-p) {
				return r, false
			}
			e.Evidence = make([]string, n)
			for i := range e.Evidence {
				if e.Evidence[i], ok = text(); !ok {
					return r, false
				}
			}
			continue
		case 8:
			if p+9 > len(s) || s[p] != 0xfb {
				return r, false
			}
			e.Confidence = math.Float64frombits(binary.BigEndian.Uint64([]byte(s[p+1 : p+9])))
			p += 9
			continue
		case 9:
			field = &e.ArticleID
		case 10:
			field = &e.SourceURL
		case 11:
			field = &e.SourceTitle
		case 12:
			field = &e.Published
		case 13:
			field = &e.Feed
		case 14:
			ns, ok := integer()
			if !ok {
				return r, false
			}
			r.FirstSeen = time.Unix(0, ns).UTC()
			continue
		case 15:
			field = &e.Extractor
		case 16:
			field = &e.WARCFile
		case 17, 18:
			n, ok := integer()
			if !ok {
				return r, false
			}
			if key == 17 {
				e.WARCOffset = n
			} else {
				e.WARCLength = n
			}
			continue
		default:
			return r, false
		}
		if *field, ok = text(); !ok {
			return r, false
		}
	}
	return r, p == len(s)
}
