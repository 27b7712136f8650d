package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// This file reads a bbolt file's pages itself, with ReadAt rather than
// through bbolt's memory map. bbolt trusts its pages: a damaged one makes
// it panic, and a page beyond the end of a truncated file is a fault
// (SIGBUS) that no recover catches. Reading the pages here, every check
// is an error, so the store can look at a file before handing it to
// bbolt, and copy what is readable out of one bbolt cannot open.
//
// The layout is bbolt's (version 2, as bbolt 1.x writes it), in the
// machine's byte order:
//
//	page header  id u64, flags u16, count u16, overflow u32
//	meta         magic u32, version u32, page size u32, flags u32,
//	             root bucket (root u64, sequence u64), freelist u64,
//	             high water mark u64, txid u64, checksum u64 (FNV-1a 64
//	             of what precedes it)
//	branch elem  pos u32, key size u32, child page u64
//	leaf elem    flags u32, pos u32, key size u32, value size u32
//	bucket value root u64, sequence u64, then, when root is 0, the
//	             bucket's only (leaf) page inline
//
// An element's pos is counted from the element itself.

const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	pageHeaderSize   = 16
	elementSize      = 16
	bucketHeaderSize = 16
	metaSize         = 64
	flagBranch       = 0x01
	flagLeaf         = 0x02
	flagFreelist     = 0x10
	flagBucketLeaf   = 0x01
	noFreelist       = ^uint64(0)
)

var nativeEndian = binary.NativeEndian

// boltMeta is what the store needs of a meta page.
type boltMeta struct {
	pageSize int
	root     uint64 // page of the root bucket
	freelist uint64
	pages    uint64 // the high water mark: pages in use, from 0
	txid     uint64
}

// parseMeta reads the meta of a page; it fails unless bbolt would accept
// it too.
func parseMeta(page []byte) (boltMeta, error) {
	if len(page) < pageHeaderSize+metaSize {
		return boltMeta{}, errors.New("cut short")
	}
	m := page[pageHeaderSize : pageHeaderSize+metaSize]
	switch {
	case nativeEndian.Uint32(m) != boltMagic:
		return boltMeta{}, errors.New("not a bbolt meta page")
	case nativeEndian.Uint32(m[4:]) != boltVersion:
		return boltMeta{}, fmt.Errorf("bbolt format version %d, not %d", nativeEndian.Uint32(m[4:]), boltVersion)
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != nativeEndian.Uint64(m[56:]) {
		return boltMeta{}, errors.New("checksum does not match")
	}
	meta := boltMeta{
		pageSize: int(nativeEndian.Uint32(m[8:])),
		root:     nativeEndian.Uint64(m[16:]),
		freelist: nativeEndian.Uint64(m[32:]),
		pages:    nativeEndian.Uint64(m[40:]),
		txid:     nativeEndian.Uint64(m[48:]),
	}
	switch {
	case meta.pageSize < 512 || meta.pageSize > 1<<24 || meta.pageSize&(meta.pageSize-1) != 0:
		return boltMeta{}, fmt.Errorf("page size %d", meta.pageSize)
	case meta.pages < 3 || meta.root < 2 || meta.root >= meta.pages:
		return boltMeta{}, fmt.Errorf("root page %d of %d", meta.root, meta.pages)
	case meta.freelist != noFreelist && (meta.freelist < 2 || meta.freelist >= meta.pages):
		return boltMeta{}, fmt.Errorf("freelist page %d of %d", meta.freelist, meta.pages)
	}
	return meta, nil
}

// pageFile is a bbolt file read page by page.
type pageFile struct {
	r    io.ReaderAt
	size int64
	meta boltMeta
	// metaErrs says what is wrong with a meta page bbolt would skip; a
	// crash in the middle of a commit leaves one, so it is no damage
	// unless both are.
	metaErrs []string
	sawMagic bool
}

// magic is bbolt's magic number as a meta page holds it.
var magic = [4]byte(nativeEndian.AppendUint32(nil, boltMagic))

// ErrEmpty is a database file of no bytes, as a full disk or a
// truncation leaves it: it holds nothing to recover, and Open no longer
// makes a new database in it (the file may be one that was lost).
var ErrEmpty = errors.New("the file is empty (0 bytes), not a policywatch database; it holds nothing to recover, so delete it to start afresh")

// errNotBolt is a file in which neither meta page has bbolt's magic
// number: some other file, not a damaged database.
var errNotBolt = errors.New("not a policywatch database")

// readPages reads the meta pages of a bbolt file of size bytes and checks
// that the file holds every page they say it has. Any error describes
// the damage; for a file cut short, the pageFile is returned with it,
// to read what is left.
func readPages(r io.ReaderAt, size int64) (*pageFile, error) {
	if size == 0 {
		return nil, ErrEmpty
	}
	pf := &pageFile{r: r, size: size}
	var metas []boltMeta
	// bbolt writes meta 1 one page after meta 0; with meta 0 unreadable
	// the page size is unknown, so try each that bbolt could have used.
	first := make([]byte, pageHeaderSize+metaSize)
	n, _ := r.ReadAt(first, 0)
	m0, err0 := parseMeta(first[:n])
	sizes := []int{m0.pageSize}
	if err0 != nil {
		pf.metaErrs = append(pf.metaErrs, "meta page 0: "+err0.Error())
		sizes = nil
		for ps := 512; ps <= 1<<16; ps *= 2 {
			sizes = append(sizes, ps)
		}
	} else {
		metas = append(metas, m0)
	}
	var err1 error = errors.New("cut short")
	for _, ps := range sizes {
		buf := make([]byte, pageHeaderSize+metaSize)
		n, _ := r.ReadAt(buf, int64(ps))
		var m1 boltMeta
		if bytes.Contains(buf[:n], magic[:]) {
			pf.sawMagic = true
		}
		if m1, err1 = parseMeta(buf[:n]); err1 == nil {
			metas = append(metas, m1)
			break
		}
	}
	if err1 != nil {
		pf.metaErrs = append(pf.metaErrs, "meta page 1: "+err1.Error())
	}
	if len(metas) == 0 {
		if !bytes.Contains(first[:n], magic[:]) && !pf.sawMagic {
			return nil, errNotBolt
		}
		if size < 2*512 {
			return nil, fmt.Errorf("the file is only %d bytes, too short for a database", size)
		}
		return nil, fmt.Errorf("neither header page is valid (%s)", joinStrings(pf.metaErrs))
	}
	pf.meta = metas[0]
	if len(metas) == 2 && (metas[1].txid > metas[0].txid || metas[1].pageSize != metas[0].pageSize) {
		pf.meta = metas[1]
	}
	if want := int64(pf.meta.pages) * int64(pf.meta.pageSize); size < want {
		return pf, fmt.Errorf("the file is %d bytes, but its header says it holds %d pages of %d bytes (%d bytes): it was cut short", size, pf.meta.pages, pf.meta.pageSize, want)
	}
	return pf, nil
}

func joinStrings(s []string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(x)
	}
	return b.String()
}

// pageError is a page that cannot be read, with what is wrong with it.
type pageError struct {
	id     uint64
	bucket string // the bucket it belongs to, "" for the root and the freelist
	msg    string
}

func (e *pageError) Error() string {
	if e.bucket == "" {
		return fmt.Sprintf("page %d: %s", e.id, e.msg)
	}
	return fmt.Sprintf("page %d (bucket %s): %s", e.id, e.bucket, e.msg)
}

// page reads page id with its overflow pages, checking its header.
func (pf *pageFile) page(id uint64, want uint16) ([]byte, error) {
	ps := int64(pf.meta.pageSize)
	if id < 2 || id >= pf.meta.pages {
		return nil, fmt.Errorf("a reference to page %d, beyond the %d pages in use", id, pf.meta.pages)
	}
	if (int64(id)+1)*ps > pf.size {
		return nil, errors.New("beyond the end of the file, which was cut short")
	}
	head := make([]byte, pageHeaderSize)
	if _, err := pf.r.ReadAt(head, int64(id)*ps); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if got := nativeEndian.Uint64(head); got != id {
		return nil, fmt.Errorf("the page says it is page %d", got)
	}
	if flags := nativeEndian.Uint16(head[8:]); flags&want == 0 {
		return nil, fmt.Errorf("unexpected page type %#x", flags)
	}
	overflow := uint64(nativeEndian.Uint32(head[12:]))
	if id+overflow >= pf.meta.pages {
		return nil, fmt.Errorf("its %d overflow pages run past the %d pages in use", overflow, pf.meta.pages)
	}
	if int64(id+overflow+1)*ps > pf.size {
		return nil, errors.New("its overflow pages run beyond the end of the file, which was cut short")
	}
	buf := make([]byte, int64(overflow+1)*ps)
	if _, err := pf.r.ReadAt(buf, int64(id)*ps); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return buf, nil
}

// elements checks the element table of a branch or leaf page and returns
// its entries. For a branch, value holds the child page id.
type element struct {
	flags      uint32
	key, value []byte
	child      uint64
}

func elements(p []byte) ([]element, error) {
	if len(p) < pageHeaderSize {
		return nil, errors.New("cut short")
	}
	flags := nativeEndian.Uint16(p[8:])
	count := int(nativeEndian.Uint16(p[10:]))
	if pageHeaderSize+count*elementSize > len(p) {
		return nil, fmt.Errorf("%d elements do not fit the page", count)
	}
	out := make([]element, count)
	for i := range out {
		at := pageHeaderSize + i*elementSize
		el := p[at : at+elementSize]
		var e element
		var pos, ksize, vsize uint64
		switch flags {
		case flagBranch:
			pos, ksize = uint64(nativeEndian.Uint32(el)), uint64(nativeEndian.Uint32(el[4:]))
			e.child = nativeEndian.Uint64(el[8:])
		case flagLeaf:
			e.flags = nativeEndian.Uint32(el)
			pos, ksize, vsize = uint64(nativeEndian.Uint32(el[4:])), uint64(nativeEndian.Uint32(el[8:])), uint64(nativeEndian.Uint32(el[12:]))
		default:
			return nil, fmt.Errorf("unexpected page type %#x", flags)
		}
		start := uint64(at) + pos
		if start+ksize+vsize > uint64(len(p)) {
			return nil, fmt.Errorf("element %d runs past the end of the page", i)
		}
		e.key = p[start : start+ksize]
		e.value = p[start+ksize : start+ksize+vsize]
		if i > 0 && bytes.Compare(out[i-1].key, e.key) >= 0 {
			return nil, fmt.Errorf("keys %d and %d are out of order", i-1, i)
		}
		out[i] = e
	}
	return out, nil
}

// walker visits the records of a bbolt file, skipping what it cannot
// read. It also notes every page the tree uses, so that check can find
// pages both used and free.
type walker struct {
	pf *pageFile
	// record is called for each key and value of each top-level bucket;
	// nested buckets, which the store does not make, are reported as
	// bad pages.
	record func(bucket string, k, v []byte)
	// bad is called for each page that cannot be read: its records, and
	// those of the pages below it, are lost.
	bad  func(*pageError)
	used map[uint64]bool
	// path is the pages from the root to the page being read, overflow
	// pages included, while record runs.
	path []uint64
}

// walk visits every top-level bucket from the root.
func (w *walker) walk() {
	w.used = map[uint64]bool{0: true, 1: true}
	w.tree(w.pf.meta.root, "", nil, nil, func(e element) {
		if e.flags&flagBucketLeaf == 0 {
			w.bad(&pageError{id: w.pf.meta.root, msg: fmt.Sprintf("a value %q where a bucket belongs", e.key)})
			return
		}
		w.bucket(string(e.key), e.value)
	})
}

// bucket visits the records of one bucket, given its value in the
// parent page.
func (w *walker) bucket(name string, v []byte) {
	if len(v) < bucketHeaderSize {
		w.bad(&pageError{bucket: name, msg: "bucket header cut short"})
		return
	}
	leaf := func(e element) {
		if e.flags&flagBucketLeaf != 0 {
			w.bad(&pageError{bucket: name, msg: fmt.Sprintf("a nested bucket %q, which policywatch never makes", e.key)})
			return
		}
		w.record(name, e.key, e.value)
	}
	root := nativeEndian.Uint64(v)
	if root != 0 {
		w.tree(root, name, nil, nil, leaf)
		return
	}
	inline := v[bucketHeaderSize:]
	if len(inline) < pageHeaderSize || nativeEndian.Uint16(inline[8:]) != flagLeaf {
		w.bad(&pageError{bucket: name, msg: "inline bucket is not a leaf"})
		return
	}
	els, err := elements(inline)
	if err != nil {
		w.bad(&pageError{bucket: name, msg: "inline bucket: " + err.Error()})
		return
	}
	for _, e := range els {
		leaf(e)
	}
}

// tree visits the leaf elements under page id, whose keys must lie in
// [lo, hi) (nil: open).
func (w *walker) tree(id uint64, bucket string, lo, hi []byte, leaf func(element)) {
	fail := func(msg string) { w.bad(&pageError{id: id, bucket: bucket, msg: msg}) }
	if w.used[id] {
		fail("reached twice")
		return
	}
	p, err := w.pf.page(id, flagBranch|flagLeaf)
	if err != nil {
		fail(err.Error())
		return
	}
	n := uint64(len(p) / w.pf.meta.pageSize)
	for i := range n {
		if w.used[id+i] {
			fail(fmt.Sprintf("overflow page %d is used twice", id+i))
			return
		}
	}
	els, err := elements(p)
	if err != nil {
		fail(err.Error())
		return
	}
	if len(els) > 0 && (lo != nil && bytes.Compare(els[0].key, lo) < 0 || hi != nil && bytes.Compare(els[len(els)-1].key, hi) >= 0) {
		fail("keys outside the range its parent gives it")
		return
	}
	// Claimed only once it reads as the page its parent expects, so that
	// a damaged parent pointing at another's page does not take it.
	for i := range n {
		w.used[id+i] = true
		w.path = append(w.path, id+i)
	}
	defer func() { w.path = w.path[:len(w.path)-int(n)] }()
	if nativeEndian.Uint16(p[8:]) == flagLeaf {
		for _, e := range els {
			leaf(e)
		}
		return
	}
	for i, e := range els {
		next := hi
		if i+1 < len(els) {
			next = els[i+1].key
		}
		w.tree(e.child, bucket, e.key, next, leaf)
	}
}

// freePages reads the freelist page.
func (pf *pageFile) freePages() ([]uint64, error) {
	if pf.meta.freelist == noFreelist {
		return nil, nil
	}
	p, err := pf.page(pf.meta.freelist, flagFreelist)
	if err != nil {
		return nil, &pageError{id: pf.meta.freelist, msg: "freelist: " + err.Error()}
	}
	count, at := uint64(nativeEndian.Uint16(p[10:])), uint64(pageHeaderSize)
	if count == 0xFFFF {
		count, at = nativeEndian.Uint64(p[pageHeaderSize:]), pageHeaderSize+8
	}
	if count > uint64(len(p)) || at+count*8 > uint64(len(p)) {
		return nil, &pageError{id: pf.meta.freelist, msg: fmt.Sprintf("freelist of %d pages does not fit its page", count)}
	}
	ids := make([]uint64, count)
	for i := range ids {
		ids[i] = nativeEndian.Uint64(p[at+uint64(i)*8:])
		if ids[i] < 2 || ids[i] >= pf.meta.pages {
			return nil, &pageError{id: pf.meta.freelist, msg: fmt.Sprintf("freelist names page %d, beyond the %d pages in use", ids[i], pf.meta.pages)}
		}
	}
	return ids, nil
}

// structure checks the whole page structure of the file: every page of
// the tree readable and in key order, the freelist readable, and every
// page below the high water mark used or free but not both. It returns
// the problems found, none for a sound file; then bbolt can read it
// without panicking.
func (pf *pageFile) structure() []error {
	var errs []error
	w := &walker{pf: pf, record: func(string, []byte, []byte) {}, bad: func(e *pageError) { errs = append(errs, e) }}
	w.walk()
	free, err := pf.freePages()
	if err != nil {
		return append(errs, err)
	}
	if pf.meta.freelist != noFreelist {
		p, _ := pf.page(pf.meta.freelist, flagFreelist)
		for i := range uint64(len(p) / pf.meta.pageSize) {
			if w.used[pf.meta.freelist+i] {
				errs = append(errs, &pageError{id: pf.meta.freelist + i, msg: "used by the freelist and the tree"})
			}
			w.used[pf.meta.freelist+i] = true
		}
	}
	freed := make(map[uint64]bool, len(free))
	for _, id := range free {
		switch {
		case freed[id]:
			errs = append(errs, &pageError{id: id, msg: "freed twice"})
		case w.used[id]:
			errs = append(errs, &pageError{id: id, msg: "both free and in use"})
		}
		freed[id] = true
	}
	if len(errs) > 0 {
		return errs // a lost subtree leaves its pages neither used nor free
	}
	for id := range pf.meta.pages {
		if !w.used[id] && !freed[id] {
			errs = append(errs, &pageError{id: id, msg: "neither in use nor free"})
		}
	}
	return errs
}

// statFile opens path for reading its pages.
func statFile(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, info.Size(), nil
}
