package pipeline

import "time"

// SetClock makes r measure CommitEvery by now instead of the wall clock,
// so that a test decides when time passes.
func SetClock(r *Runner, now func() time.Time) { r.now = now }
