package main

import (
	"io"
	"log/slog"
	"time"

	"github.com/policywatch/policywatch/store"
	"github.com/schollz/progressbar/v3"
)

// upgradeProgress shows how an upgrade of the database at path goes, as
// store.Options.Progress hears it: a bar for each step on a terminal,
// else a log line as each step begins and ends and every ten seconds
// between, so that a long first open of an older store says what it is
// doing rather than looking hung.
func upgradeProgress(w io.Writer, bar bool, log *slog.Logger, path string) func(store.UpgradeStep) {
	var (
		pb      *progressbar.ProgressBar
		began   time.Time
		logged  time.Time
		current string
	)
	return func(s store.UpgradeStep) {
		now := time.Now()
		if s.Step != current {
			current, began, logged = s.Step, now, now
			if bar {
				total := s.Total
				if total == 0 {
					total = -1 // a spinner
				}
				pb = progressbar.NewOptions(total,
					progressbar.OptionSetWriter(w),
					progressbar.OptionSetDescription("upgrading "+path+": "+s.Step),
					progressbar.OptionShowCount(),
					progressbar.OptionSetWidth(30),
					progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionClearOnFinish(),
				)
			} else {
				log.Info("upgrading the database, once", "db", path, "step", s.Step, "records", s.Total)
			}
		}
		switch done := s.End; {
		case bar && done:
			_ = pb.Finish()
		case bar:
			_ = pb.Set(s.Done)
		case done:
			log.Info("upgrade step done", "db", path, "step", s.Step, "records", s.Done, "took", now.Sub(began).Round(time.Millisecond))
		case now.Sub(logged) >= 10*time.Second:
			logged = now
			log.Info("upgrading the database", "db", path, "step", s.Step, "done", s.Done, "records", s.Total)
		}
	}
}
