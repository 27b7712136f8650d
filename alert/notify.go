package alert

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// Store is what a Notifier reads stories from and records deliveries in:
// *store.DB or *pgstore.DB, or Visits for a file opened per call. Its
// alert records keep a story from being posted twice by a rule, however
// many runs or workers notify at once.
type Store interface {
	Stories(f store.StoryFilter) ([]store.Story, error)
	Story(id string) (store.Story, []event.Record, error)
	store.AlertStore
}

// Notifier posts the stories of a run to the webhooks of the rules that
// match them. The zero value of each setting means its default.
type Notifier struct {
	// Client makes the requests; nil is NewClient(DefaultTimeout). Its
	// Timeout bounds each request.
	Client *http.Client
	Store  Store
	// Now stamps delivery records and the time alerts are covered up
	// to, which is compared with the times the store stamps stories
	// with; nil is time.Now.
	Now func() time.Time
	// Sleep waits between retries; nil waits on a timer, returning early
	// with the context's error. Tests record the waits instead.
	Sleep  func(ctx context.Context, d time.Duration) error
	Logger *slog.Logger
	// Attempts is how many requests one delivery makes at most
	// (DefaultAttempts); Backoff is the wait after the first failure,
	// doubled after each next one (DefaultBackoff). A 429's Retry-After
	// replaces the backoff, up to MaxRetryAfter (DefaultMaxRetryAfter);
	// a longer one fails the delivery, to be tried again next run.
	Attempts      int
	Backoff       time.Duration
	MaxRetryAfter time.Duration
	// MaxDeliveries is how many runs try an alert before giving up on it
	// (DefaultMaxDeliveries).
	MaxDeliveries int
	// BreakAfter is how many deliveries of one rule may fail in a row in
	// a run (DefaultBreakAfter) before the rest of its alerts are
	// recorded as failed without being tried, for the next run: a dead
	// webhook should cost a run seconds, not its backoff for every story.
	BreakAfter int
	// StaleAfter is how old a claim must be to have been left by a run
	// that died while posting (DefaultStaleAfter); a younger one may be
	// another run's, posting now. It must be longer than a delivery can
	// take: Attempts requests of the client's timeout, with the waits
	// between them.
	StaleAfter time.Duration
	UserAgent  string
}

// Report is what a Notify did, rule by rule in the order given.
type Report struct {
	Rules []RuleReport `json:"rules"`
	// Interrupted means the context ended before every alert was tried;
	// the next Notify tries those left (see Notify).
	Interrupted bool `json:"interrupted,omitempty"`
}

// RuleReport counts one rule's deliveries.
type RuleReport struct {
	Rule string `json:"rule"`
	Sent int    `json:"sent"`
	// Failed will be tried again by the next run; GaveUp will not.
	Failed int `json:"failed"`
	GaveUp int `json:"gave_up"`
	// Unknown are deliveries whose outcome nobody knows: the request
	// may have reached the webhook, but no answer came; and claims found
	// left by a run that died while posting. They are never posted again
	// by a run (see 'policywatch alerts resend' and 'alerts clear').
	Unknown int `json:"unknown"`
	// Deliveries lists every alert tried, and every claim found left by
	// a dead run.
	Deliveries []Delivery `json:"deliveries,omitempty"`
}

// Delivery is one alert of one rule.
type Delivery struct {
	Story    string           `json:"story"`
	State    store.AlertState `json:"state"`
	Attempts int              `json:"attempts"` // runs that tried it, this one included
	Requests int              `json:"requests"` // HTTP requests in this run
	Status   int              `json:"status,omitempty"`
	Error    string           `json:"error,omitempty"`
}

// NotSent reports whether some delivery of the report failed, was given
// up or is of unknown outcome.
func (r Report) NotSent() bool {
	t := r.Totals()
	return t.Failed+t.GaveUp+t.Unknown > 0
}

// Totals sums the counts of every rule.
func (r Report) Totals() (t RuleReport) {
	for _, rr := range r.Rules {
		t.Sent += rr.Sent
		t.Failed += rr.Failed
		t.GaveUp += rr.GaveUp
		t.Unknown += rr.Unknown
	}
	return t
}

// Notify posts, for each rule, every matching story made since the given
// time (the start of the run), or with NewStoriesOnly false also every
// matching story that gained a report since then, which the rule has not
// posted before; and it tries again the rule's deliveries that failed in
// earlier runs. A webhook that fails is reported, not returned: the error
// is for a store that cannot be read or written, and the report holds
// what was done until then.
//
// When an earlier run stopped before its alerts were done, since reaches
// back to the last Notify that finished (see store.DB.AlertsCovered), so
// the stories that run made are posted now; those already posted are
// not, as the store remembers them. A Notify that finishes marks every
// story made before it began as covered. A rule that Hold kept back
// reaches back to its hold, and is released once its alerts are done.
func (n *Notifier) Notify(ctx context.Context, rules Rules, since time.Time) (Report, error) {
	var rep Report
	began := n.now()
	covered, err := n.Store.AlertsCovered()
	if err != nil {
		return rep, err
	}
	if !covered.IsZero() && covered.Before(since) {
		since = covered
	}
	for _, r := range rules {
		held, err := n.Store.AlertsHeld(r.Name)
		if err != nil {
			return rep, fmt.Errorf("alert %q: %w", r.Name, err)
		}
		rsince := since
		if !held.IsZero() && held.Before(rsince) {
			rsince = held
		}
		rr, err := n.notifyRule(ctx, r, rsince)
		rep.Rules = append(rep.Rules, rr)
		if err != nil {
			return rep, fmt.Errorf("alert %q: %w", r.Name, err)
		}
		if ctx.Err() != nil {
			rep.Interrupted = true
			continue
		}
		if !held.IsZero() {
			if err := n.Store.ReleaseAlerts(r.Name); err != nil {
				return rep, fmt.Errorf("alert %q: %w", r.Name, err)
			}
		}
	}
	if rep.Interrupted {
		return rep, nil
	}
	return rep, n.Store.SetAlertsCovered(began)
}

// Hold keeps back the stories of the rules named, which a run could not
// use (see BrokenRules), from the time alerts are covered to (or since,
// the start of the run, when that is later or unknown): the first Notify
// that has the rule again posts what it missed, however many runs later.
// Call it before Notify or Skip moves that time on.
func Hold(s Store, names []string, since time.Time) error {
	if len(names) == 0 {
		return nil
	}
	covered, err := s.AlertsCovered()
	if err != nil {
		return err
	}
	from := since
	if !covered.IsZero() && covered.Before(since) {
		from = covered
	}
	for _, name := range names {
		if err := s.HoldAlerts(name, from); err != nil {
			return err
		}
	}
	return nil
}

// Skip marks every story made until now as covered, as a run that
// posts no alerts (policywatch run --no-alerts, or a configuration
// without rules) must: the next run that alerts would otherwise post the
// stories made since the last one that did.
func Skip(s Store, now time.Time) error {
	return s.SetAlertsCovered(now)
}

func (n *Notifier) notifyRule(ctx context.Context, r Rule, since time.Time) (RuleReport, error) {
	rr := RuleReport{Rule: r.Name}
	log := n.logger().With("rule", r.Name)
	recs, err := n.Store.Alerts(r.Name)
	if err != nil {
		return rr, err
	}
	now := n.now()
	staleBefore := now.Add(-n.staleAfter())
	if slices.ContainsFunc(recs, func(rec store.AlertRecord) bool {
		return rec.State == store.AlertSending && rec.At.Before(staleBefore)
	}) {
		// Only then write: most runs find none.
		dead, err := n.Store.ExpireAlertClaims(r.Name, staleBefore, now)
		if err != nil {
			return rr, err
		}
		for _, rec := range dead {
			log.Warn("alert delivery unknown", "story", rec.Story, "err", rec.LastError)
			rr.Unknown++
			rr.Deliveries = append(rr.Deliveries, Delivery{Story: rec.Story, State: rec.State, Attempts: rec.Attempts, Error: rec.LastError})
		}
	}
	known := make(map[string]store.AlertRecord, len(recs))
	var retry []string
	for _, rec := range recs {
		known[rec.Story] = rec
		switch {
		case rec.State == store.AlertSending && !rec.At.Before(staleBefore):
			log.Info("alert is being posted by another run", "story", rec.Story, "claimed", rec.At)
		case rec.State.Claimable():
			retry = append(retry, rec.Story)
		}
	}

	fresh, err := n.candidates(r, since)
	if err != nil {
		return rr, err
	}
	todo := retry
	for _, s := range fresh {
		if _, ok := known[s.ID]; !ok {
			todo = append(todo, s.ID)
		}
	}

	breakAfter := cmp.Or(n.BreakAfter, DefaultBreakAfter)
	failures := 0 // in a row
	for _, id := range todo {
		if ctx.Err() != nil {
			break
		}
		var skip error
		if failures >= breakAfter {
			skip = fmt.Errorf("not tried: the webhook failed or did not answer %d deliveries in a row in this run", failures)
		}
		d, err := n.deliver(ctx, log, r, id, since, known[id].State.Claimable(), skip)
		if err != nil {
			return rr, err
		}
		switch {
		case d.State == store.AlertSent:
			failures = 0
		case d.Requests > 0:
			// A webhook that takes longer than the timeout would cost the
			// run a timeout per story, and leave each unknown.
			failures++
		}
		switch d.State {
		case "":
			continue // not for this rule after all, or another run has it
		case store.AlertSent:
			rr.Sent++
		case store.AlertFailed:
			rr.Failed++
		case store.AlertGaveUp:
			rr.GaveUp++
		case store.AlertUnknown:
			rr.Unknown++
		}
		rr.Deliveries = append(rr.Deliveries, d)
	}
	return rr, nil
}

// candidates lists the stories the rule would post for this run, oldest
// first so that a channel reads in order.
func (n *Notifier) candidates(r Rule, since time.Time) ([]store.Story, error) {
	// Only what changed since the run began: the index of update times
	// makes this cost what the run did, not what the store holds.
	f := store.StoryFilter{Filter: r.Filter, ChangedSince: since}
	f.Limit = 0
	if r.NewStoriesOnly {
		// CreatedAfter is strict; a story stamped the very instant the
		// run began is the run's own.
		f.CreatedAfter = since.Add(-time.Nanosecond)
	}
	// A story that gained a report was recomputed: its Sources changed,
	// so Updated is this run's. Whether a report is really new is checked
	// on its events before posting.
	stories, err := n.Store.Stories(f)
	if err != nil {
		return nil, err
	}
	slices.Reverse(stories)
	return stories, nil
}

// deliver claims one alert, posts it (unless skip says why not) and
// records how that went. A zero Delivery means nothing was claimed.
func (n *Notifier) deliver(ctx context.Context, log *slog.Logger, r Rule, id string, since time.Time, isRetry bool, skip error) (Delivery, error) {
	s, events, err := n.Store.Story(id)
	missing := errors.Is(err, store.ErrNotFound)
	if err != nil && !missing {
		return Delivery{}, err
	}
	if !missing && !isRetry && !r.NewStoriesOnly && s.Created.Before(since) &&
		!slices.ContainsFunc(events, func(e event.Record) bool { return !e.FirstSeen.Before(since) }) {
		return Delivery{}, nil // recomputed, but no new report
	}

	rec, ok, err := n.Store.ClaimAlert(r.Name, id, n.now())
	if err != nil {
		return Delivery{}, err
	}
	if !ok {
		log.Debug("alert already taken", "story", id, "state", rec.State)
		return Delivery{}, nil
	}

	var res Result
	switch {
	case skip != nil:
		res.Err = skip
	case missing:
		// Merged into another story or deleted since it failed: there is
		// nothing left to post.
		res.Err = fmt.Errorf("story %s is no longer in the store", id)
	default:
		res = n.Send(ctx, r, Message{Rule: r.Name, Story: s, Events: events})
	}
	return n.finish(log, r, rec, res, missing)
}

// finish records how the delivery of a claimed alert went.
func (n *Notifier) finish(log *slog.Logger, r Rule, rec store.AlertRecord, res Result, missing bool) (Delivery, error) {
	id := rec.Story
	d := Delivery{Story: id, Attempts: rec.Attempts, Requests: res.Requests, Status: res.Status}
	state, msg := store.AlertSent, ""
	switch {
	case res.Unknown:
		state = store.AlertUnknown
		msg = res.Err.Error() + "; not posted again"
	case res.Err != nil:
		msg = res.Err.Error()
		state = store.AlertFailed
		if missing || rec.Attempts >= cmp.Or(n.MaxDeliveries, DefaultMaxDeliveries) {
			state = store.AlertGaveUp
		}
	}
	if _, err := n.Store.FinishAlert(r.Name, id, state, msg, n.now()); err != nil {
		// The claim stays: a later run finds it stale and reports the
		// alert as unknown rather than risk posting it twice.
		return Delivery{}, err
	}
	d.State, d.Error = state, msg
	switch state {
	case store.AlertSent:
		log.Info("alert sent", "story", id, "requests", d.Requests, "status", d.Status)
	case store.AlertUnknown:
		log.Warn("alert delivery unknown", "story", id, "requests", d.Requests, "err", msg)
	default:
		log.Warn("alert failed", "story", id, "state", state, "attempt", d.Attempts, "requests", d.Requests, "err", msg)
	}
	return d, nil
}

// Resend posts rule's alert for a story again on purpose, whatever
// became of it before: sent, failed, given up, unknown, or never tried.
// Only an alert that a run is posting now is refused, so that two
// requests for it are never in flight at once. How it went is recorded
// as a run's delivery is; a store that fails is the error.
func (n *Notifier) Resend(ctx context.Context, r Rule, id string) (Delivery, error) {
	s, events, err := n.Store.Story(id)
	if err != nil {
		return Delivery{}, err
	}
	now := n.now()
	rec, err := n.Store.ResendAlert(r.Name, id, now, now.Add(-n.staleAfter()))
	if err != nil {
		return Delivery{}, err
	}
	log := n.logger().With("rule", r.Name)
	res := n.Send(ctx, r, Message{Rule: r.Name, Story: s, Events: events})
	return n.finish(log, r, rec, res, false)
}

func (n *Notifier) staleAfter() time.Duration {
	return cmp.Or(n.StaleAfter, DefaultStaleAfter)
}

func (n *Notifier) logger() *slog.Logger {
	if n.Logger != nil {
		return n.Logger
	}
	return slog.New(slog.DiscardHandler)
}
