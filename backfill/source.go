package backfill

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/policywatch/policywatch/ingest"
)

// Opener opens WARC files and listings by name: an http(s) URL through
// the fetcher (its address guard, user agent and politeness), anything
// else as a local file.
func Opener(f *ingest.Fetcher) func(ctx context.Context, name string) (io.ReadCloser, error) {
	return func(ctx context.Context, name string) (io.ReadCloser, error) {
		if isURL(name) {
			return f.Open(ctx, name)
		}
		return os.Open(name)
	}
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// IsListing reports whether an argument names a paths listing, like
// CC-NEWS's warc.paths.gz, rather than a WARC file.
func IsListing(name string) bool {
	base := strings.ToLower(name)
	if i := strings.LastIndexAny(base, "/\\"); i >= 0 {
		base = base[i+1:]
	}
	return strings.HasSuffix(base, ".paths") || strings.HasSuffix(base, ".paths.gz")
}

// Files turns the arguments of a backfill into the WARC files to read, in
// order: a WARC file (path or URL) stands for itself, a paths listing for
// the files it lists, each line resolved against base (or, without one,
// against the listing's own directory). Local paths are made absolute,
// so that a file is known by one name wherever the backfill runs from.
func Files(ctx context.Context, args []string, base string, open func(context.Context, string) (io.ReadCloser, error)) ([]string, error) {
	var out []string
	for _, arg := range args {
		if !IsListing(arg) {
			name, err := fileName(arg)
			if err != nil {
				return nil, err
			}
			out = append(out, name)
			continue
		}
		listed, err := readListing(ctx, arg, base, open)
		if err != nil {
			return nil, err
		}
		out = append(out, listed...)
	}
	return out, nil
}

func fileName(s string) (string, error) {
	if isURL(s) {
		return s, nil
	}
	abs, err := filepath.Abs(s)
	if err != nil {
		return "", fmt.Errorf("WARC file %s: %w", s, err)
	}
	return abs, nil
}

// readListing reads a paths listing, gzipped or not: one path a line,
// blank lines and lines starting with # skipped.
func readListing(ctx context.Context, name, base string, open func(context.Context, string) (io.ReadCloser, error)) ([]string, error) {
	rc, err := open(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("paths listing %s: %w", name, err)
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	var r io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("paths listing %s: %w", name, err)
		}
		defer gz.Close()
		r = gz
	}
	if base == "" {
		if isURL(name) {
			base = name[:strings.LastIndex(name, "/")+1]
		} else {
			abs, err := filepath.Abs(name)
			if err != nil {
				return nil, fmt.Errorf("paths listing %s: %w", name, err)
			}
			base = filepath.Dir(abs)
		}
	}
	var out []string
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		p := strings.TrimSpace(sc.Text())
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		f, err := resolve(base, p)
		if err != nil {
			return nil, fmt.Errorf("paths listing %s:%d: %w", name, line, err)
		}
		out = append(out, f)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("paths listing %s: %w (is it a listing of paths, one a line?)", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("paths listing %s lists no files", name)
	}
	return out, nil
}

// resolve makes a listed path a URL or an absolute path.
func resolve(base, p string) (string, error) {
	if isURL(p) || filepath.IsAbs(p) {
		return fileName(p)
	}
	if isURL(base) {
		b, err := url.Parse(strings.TrimSuffix(base, "/") + "/")
		if err != nil {
			return "", fmt.Errorf("base %s: %w", base, err)
		}
		u, err := b.Parse(strings.TrimPrefix(p, "/"))
		if err != nil {
			return "", fmt.Errorf("path %q: %w", p, err)
		}
		return u.String(), nil
	}
	return fileName(filepath.Join(base, filepath.FromSlash(p)))
}
