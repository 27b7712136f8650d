package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestZZExportProf(t *testing.T) {
	db := os.Getenv("PROF_DB")
	if db == "" {
		t.Skip()
	}
	out := filepath.Join(t.TempDir(), "e.csv")
	if code := run(context.Background(), []string{"export", "--db", db, "--format", "csv", "-o", out}, nil, io.Discard, os.Stderr, func(string) string { return "" }); code != 0 {
		t.Fatal(code)
	}
}
