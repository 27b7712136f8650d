//go:build unix

package store_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used, user and system, GC
// workers included: on a machine shared with other work a benchmark's
// wall time per op moves with the load, its CPU time much less.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
