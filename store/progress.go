package store

// UpgradeStep is how far one step of an upgrade made on opening has got:
// Open reports it through Options.Progress, so that a command can show a
// progress bar, or log lines, while a large store is upgraded.
type UpgradeStep struct {
	// Step says what is done, for a person: "counting events for stats".
	Step string
	// Done of Total records; Total is 0 when it is not known beforehand.
	Done, Total int
	// End is set on the step's last report, where Done is Total.
	End bool
}

// reporter passes the progress of one step to Options.Progress, about
// every hundredth of the way rather than every record. A nil reporter
// reports nothing.
type reporter struct {
	fn          func(UpgradeStep)
	step        UpgradeStep
	every, next int
}

// newReporter starts a step of total records; fn may be nil.
func newReporter(fn func(UpgradeStep), step string, total int) *reporter {
	return resumeReporter(fn, step, total, 0)
}

// resumeReporter starts a step of total records of which done were done
// by an earlier run that was stopped; fn may be nil.
func resumeReporter(fn func(UpgradeStep), step string, total, done int) *reporter {
	if fn == nil {
		return nil
	}
	r := &reporter{fn: fn, step: UpgradeStep{Step: step, Done: done, Total: total}, every: max(total/100, 1000)}
	r.next = done + r.every
	fn(r.step)
	return r
}

func (r *reporter) add(n int) {
	if r == nil {
		return
	}
	r.step.Done += n
	if r.step.Done >= r.next {
		r.next = r.step.Done + r.every
		r.fn(r.step)
	}
}

// end reports the step done.
func (r *reporter) end() {
	if r == nil {
		return
	}
	if r.step.Total < r.step.Done {
		r.step.Total = r.step.Done
	}
	r.step.Done = r.step.Total
	r.step.End = true
	r.fn(r.step)
}
