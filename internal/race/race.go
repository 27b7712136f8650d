//go:build race

// Package race reports whether the race detector is compiled in, for
// tests that skip corpus-wide checks it only slows down.
package race

// Enabled is true when built with -race.
const Enabled = true
