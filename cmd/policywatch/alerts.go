package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/policywatch/policywatch/alert"
	"github.com/policywatch/policywatch/config"
	"github.com/policywatch/policywatch/pipeline"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/store/pgstore"
)

func (a *app) alertsCmd() *cobra.Command {
	var config string
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "List, test and check the alert rules that post new stories to webhooks",
		Long: `Alert rules live in the alerts section of the configuration (feeds.yaml; its
comments show the format). After each 'policywatch run', every rule posts each
new story it matches to its webhook (Slack, Mattermost, Discord or any JSON
endpoint), once: what was posted is recorded in the database, so no story is
posted twice, even after a crash or a webhook that answers too late. A webhook
that is down does not stop a run; its alerts are tried again by the next runs,
and run exits 3 to say some alerts were not sent.

  list     show the rules
  test     post a sample to a rule's webhook, to check it works
  status   show what each rule sent, what failed and what is unknown
  resend   post a rule's alert for a story again, on purpose
  clear    queue failed (or unknown) alerts for the next run`,
		Example: `  policywatch alerts list
  policywatch alerts test iran-telegram
  policywatch alerts status --db /var/lib/policywatch/policywatch.db
  policywatch alerts resend iran-telegram 3f2a9c1e
  policywatch alerts clear --rule iran-telegram`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown alerts command %q; want list, test, status, resend or clear", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringVarP(&config, "config", "c", "feeds.yaml", "configuration holding the alert rules (YAML)")
	cmd.AddCommand(a.alertsListCmd(&config), a.alertsTestCmd(&config), a.alertsStatusCmd(&config),
		a.alertsResendCmd(&config), a.alertsClearCmd())
	return cmd
}

// alertRules reads the alert rules of a configuration file: those that
// can be used, and those that cannot, as run skips them. The error is for
// a file that cannot be read at all.
func (a *app) alertRules(path string) (alert.Rules, []skippedRule, error) {
	gaz, err := a.gazetteer()
	if err != nil {
		return nil, nil, err
	}
	f, err := config.Load(path)
	if err != nil {
		return nil, nil, err
	}
	rules, skipped := skipBroken(alert.ParseRules(f.Alerts, f.Name, gaz, a.getenv))
	return rules, skipped, nil
}

// alertRule finds the rule a command names, warning of the broken rules
// it does not need. One that is broken itself, or not there, is an error.
func (a *app) alertRule(path, name string) (alert.Rule, error) {
	rules, skipped, err := a.alertRules(path)
	if err != nil {
		return alert.Rule{}, err
	}
	if r, ok := rules.Find(name); ok {
		a.warnSkipped(skipped)
		return r, nil
	}
	names := rules.Names()
	for _, s := range skipped {
		if s.Rule == name || s.section() {
			return alert.Rule{}, &exitError{code: exitFailure, msg: fmt.Sprintf("alert rule %q cannot be used: %s", name, s.Error)}
		}
		if s.Rule != "" {
			names = append(names, s.Rule)
		}
	}
	if len(names) == 0 {
		return alert.Rule{}, usagef("no alert rule %q: %s has no alert rules", name, path)
	}
	return alert.Rule{}, usagef("no alert rule %q in %s; its rules are %s", name, path, strings.Join(names, ", "))
}

// warnSkipped tells, on stderr, of the rules a command leaves out.
func (a *app) warnSkipped(skipped []skippedRule) {
	for _, s := range skipped {
		fmt.Fprintf(a.stderr, "policywatch: warning: alert rule skipped: %s\n", s.Error)
	}
}

func (a *app) alertsListCmd(config *string) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "Show the alert rules of the configuration",
		Long: `List shows each alert rule: its name, payload format, webhook (only its host:
the rest of a Slack or Discord webhook URL is a secret), whether it posts only
new stories, and its filters. A rule that cannot be used (a webhook variable
that is not set, a bad URL or filter) is reported with its line, and the exit
code is then 1: 'policywatch run' would skip it.`,
		Example: `  policywatch alerts list
  policywatch alerts list --config /etc/policywatch/feeds.yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rules, skipped, err := a.alertRules(*config)
			if err != nil {
				return err
			}
			if err := writeRules(a.stdout, rules, len(skipped) > 0, *config); err != nil {
				return err
			}
			switch {
			case len(skipped) == 1 && skipped[0].section():
				return errors.New(skipped[0].Error)
			case len(skipped) > 0:
				msgs := make([]string, len(skipped))
				for i, s := range skipped {
					msgs[i] = s.Error
				}
				return fmt.Errorf("%s cannot be used; 'policywatch run' skips each until it is fixed:\n%s",
					plural(len(skipped), "alert rule", "alert rules"), strings.Join(msgs, "\n"))
			}
			return nil
		},
	}
}

// writeRules is the table of alerts list.
func writeRules(w io.Writer, rules alert.Rules, broken bool, config string) error {
	if len(rules) == 0 {
		if !broken {
			fmt.Fprintf(w, "No alert rules in %s. Its comments show how to add some.\n", config)
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tFORMAT\tWEBHOOK\tNEW ONLY\tFILTERS")
	for _, r := range rules {
		newOnly := "yes"
		if !r.NewStoriesOnly {
			newOnly = "no"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.Webhook.Format, redactURL(r.Webhook.URL), newOnly, describeFilter(r.Filter))
	}
	return tw.Flush()
}

func (a *app) alertsTestCmd(config *string) *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "test RULE",
		Short: "Post a sample alert to a rule's webhook and report the answer",
		Long: `Test posts one message to the webhook of RULE, marked as a test in every format,
and prints the HTTP status the webhook answered. The message shows the newest
stored story the rule matches, or a made-up one when the database has none (or
does not exist yet). Nothing is recorded: the story can still be alerted.

The exit code is 0 when the webhook accepted the message, 1 when it refused it
or could not be reached, and 2 when there is no rule of that name.`,
		Example: `  policywatch alerts test iran-telegram
  policywatch alerts test research-bot --config /etc/policywatch/feeds.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("alerts test takes one rule name, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := a.alertRule(*config, args[0])
			if err != nil {
				return err
			}
			log, err := a.logger(true)
			if err != nil {
				return err
			}
			msg, from := a.sampleMessage(cmd.Context(), r)
			n := &alert.Notifier{Client: alert.NewClient(timeout), Attempts: 1, Logger: log}
			res := n.Send(cmd.Context(), r, msg)

			fmt.Fprintf(a.stdout, "Rule:    %s (%s)\nWebhook: %s\nSample:  %s\n", r.Name, r.Webhook.Format, redactURL(r.Webhook.URL), from)
			if res.Status != 0 {
				fmt.Fprintf(a.stdout, "Answer:  HTTP %d %s\n", res.Status, http.StatusText(res.Status))
			} else {
				fmt.Fprintln(a.stdout, "Answer:  none")
			}
			if !res.OK() {
				return &exitError{code: exitFailure, msg: fmt.Sprintf("alert %q: the webhook did not take the test: %v", r.Name, res.Err)}
			}
			fmt.Fprintln(a.stdout, "The webhook accepted the test message.")
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", alert.DefaultTimeout, "give up on the webhook after this long")
	return cmd
}

// sampleMessage is what alerts test posts: the newest stored story the
// rule matches, or a made-up one; from says which, for the user.
func (a *app) sampleMessage(ctx context.Context, r alert.Rule) (alert.Message, string) {
	made := func(why string) (alert.Message, string) {
		return alert.Sample(r, time.Now()), "a made-up story (" + why + ")"
	}
	db, err := a.openReader(ctx)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return made("no database at " + a.dbPath + " yet")
	case err != nil:
		return made("the database could not be read: " + err.Error())
	}
	defer db.Close()
	f := r.Filter
	f.Limit = 1
	stories, err := db.Stories(store.StoryFilter{Filter: f})
	if err != nil {
		return made("the database could not be read: " + err.Error())
	}
	if len(stories) == 0 {
		return made("the database holds no story this rule matches")
	}
	s, events, err := db.Story(stories[0].ID)
	if err != nil {
		return made("the database could not be read: " + err.Error())
	}
	return alert.Message{Rule: r.Name, Story: s, Events: events, Test: true},
		fmt.Sprintf("stored story %s (%s %s %s, %s)", shortID(s.ID), s.Country, s.Action, s.Service, s.Date)
}

func (a *app) alertsStatusCmd(config *string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show, per rule, the alerts sent, failed, given up and of unknown delivery",
		Long: `Status reads the database and counts, for each rule, the alerts sent, those that
failed (the next run tries them again, up to 5 runs in all), those given up,
those whose delivery is unknown, and those queued by 'alerts clear'. An alert's
delivery is unknown when its request may have reached the webhook but no answer
came (it timed out after sending, the connection broke, the run was stopped or
killed while waiting, or a gateway answered 504): it may or may not have
arrived. Those are never posted again by a run, to be sure no channel hears of
a story twice; 'alerts resend' posts one on purpose, and 'alerts clear
--unknown' queues them for the next run. Every alert not sent is listed below
the counts with its story and last error.

Rules of the configuration that never posted show zeros; rules no longer in it
are shown too, marked as such.`,
		Example: `  policywatch alerts status
  policywatch alerts status --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var names []string
			if _, err := os.Stat(*config); err == nil || cmd.Flags().Changed("config") {
				rules, skipped, err := a.alertRules(*config)
				if err != nil {
					return err
				}
				a.warnSkipped(skipped)
				names = rules.Names()
				for _, s := range skipped {
					if s.Rule != "" {
						names = append(names, s.Rule)
					}
				}
			}
			var recs []store.AlertRecord
			err := a.withAlerts(cmd.Context(), false, func(db alert.Store) (err error) {
				recs, err = db.Alerts("")
				return err
			})
			if err != nil {
				return err
			}
			now := time.Now()
			st := alertStatus(names, recs, now)
			if asJSON {
				return writeJSON(a.stdout, st)
			}
			return writeAlertStatus(a.stdout, st, now)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return cmd
}

// ruleStatus is one rule's line in alerts status.
type ruleStatus struct {
	Rule     string `json:"rule"`
	InConfig bool   `json:"in_config"`
	Sent     int    `json:"sent"`
	Failed   int    `json:"failed"`
	GaveUp   int    `json:"gave_up"`
	// Unknown counts the alerts of unknown delivery, and the claims left
	// by a run that died while posting, which the next run records so.
	Unknown int `json:"unknown"`
	Queued  int `json:"queued"`
	// InFlight are being posted by a run now.
	InFlight int                 `json:"in_flight"`
	Problems []store.AlertRecord `json:"problems"`
}

func alertStatus(names []string, recs []store.AlertRecord, now time.Time) []ruleStatus {
	var out []ruleStatus
	index := map[string]int{}
	for _, name := range names {
		if _, dup := index[name]; dup {
			continue
		}
		index[name] = len(out)
		out = append(out, ruleStatus{Rule: name, InConfig: true, Problems: []store.AlertRecord{}})
	}
	staleBefore := now.Add(-alert.DefaultStaleAfter)
	for _, rec := range recs {
		i, ok := index[rec.Rule]
		if !ok {
			i = len(out)
			index[rec.Rule] = i
			out = append(out, ruleStatus{Rule: rec.Rule, Problems: []store.AlertRecord{}})
		}
		st := &out[i]
		switch rec.State {
		case store.AlertSent:
			st.Sent++
			continue
		case store.AlertFailed:
			st.Failed++
		case store.AlertGaveUp:
			st.GaveUp++
		case store.AlertUnknown:
			st.Unknown++
		case store.AlertQueued:
			st.Queued++
		case store.AlertSending:
			if rec.At.Before(staleBefore) {
				st.Unknown++
			} else {
				st.InFlight++
			}
		}
		st.Problems = append(st.Problems, rec)
	}
	return out
}

func writeAlertStatus(w io.Writer, st []ruleStatus, now time.Time) error {
	if len(st) == 0 {
		_, err := fmt.Fprintln(w, "No alert rules, and no alerts recorded.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tSENT\tFAILED\tGAVE UP\tUNKNOWN\tQUEUED")
	for _, s := range st {
		name := s.Rule
		if !s.InConfig {
			name += " (not in config)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\n", name, s.Sent, s.Failed, s.GaveUp, s.Unknown, s.Queued)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	first := true
	for _, s := range st {
		for _, p := range s.Problems {
			if first {
				fmt.Fprintln(w, "\nNot sent:")
				first = false
			}
			fmt.Fprintf(w, "  %s  story %s  %s  (%s, %s)\n", s.Rule, shortID(p.Story), describeAlertState(p, now), plural(p.Attempts, "attempt", "attempts"), p.At.UTC().Format(time.RFC3339))
			if p.LastError != "" {
				fmt.Fprintf(w, "      %s\n", p.LastError)
			}
		}
	}
	if !first {
		fmt.Fprintln(w, "\nPost one again with 'policywatch alerts resend RULE STORY'; put failed ones back\nfor the next run with 'policywatch alerts clear'.")
	}
	return nil
}

// describeAlertState says what became of an alert not sent; now tells a
// claim a run holds from one a dead run left.
func describeAlertState(r store.AlertRecord, now time.Time) string {
	switch r.State {
	case store.AlertFailed:
		return "failed, tried again next run"
	case store.AlertGaveUp:
		return "failed, given up"
	case store.AlertUnknown:
		return "delivery unknown, not posted again"
	case store.AlertQueued:
		return "queued, posted by the next run"
	case store.AlertSending:
		if r.At.Before(now.Add(-alert.DefaultStaleAfter)) {
			return "delivery unknown, not posted again"
		}
		return "being posted by a run now"
	}
	return string(r.State)
}

// alertStore opens what alerts resend posts through: the file, opened
// for each call as during a run (see alert.Visits), or the PostgreSQL
// database a postgres:// URL names. done releases it.
func (a *app) alertStore(ctx context.Context) (st alert.Store, done func() error, err error) {
	if pgstore.IsURL(a.dbPath) {
		db, err := pgstore.Open(ctx, a.dbPath)
		if err != nil {
			return nil, nil, err
		}
		return db, db.Close, nil
	}
	return alert.Visits(store.Handle{Path: a.dbPath, Options: store.Options{Timeout: 30 * time.Second}}), func() error { return nil }, nil
}

// withAlerts calls fn with the database's stories and alert records: the
// file opened once for the whole call, read-only unless write, or the
// PostgreSQL database a postgres:// URL names.
func (a *app) withAlerts(ctx context.Context, write bool, fn func(alert.Store) error) error {
	if pgstore.IsURL(a.dbPath) {
		db, err := pgstore.Open(ctx, a.dbPath)
		if err != nil {
			return err
		}
		defer db.Close()
		return fn(db)
	}
	if !write {
		db, err := a.openRead()
		if err != nil {
			return err
		}
		defer db.Close()
		return fn(db)
	}
	h := store.Handle{Path: a.dbPath, Options: store.Options{Timeout: 30 * time.Second}}
	return h.Do(func(db *store.DB) error { return fn(db) })
}

// alertsAfterRun posts the alerts of a run that started at since, or
// with no rules only marks its stories as handled, so that rules added
// later do not post them. The rules skipped as broken are held, so that
// they post what they missed once fixed. The file is opened per call, as
// during the run, so a server reading it is not locked out while a
// webhook is slow.
func (a *app) alertsAfterRun(ctx context.Context, rules alert.Rules, skipped []skippedRule, since time.Time, log *slog.Logger) (*alert.Report, error) {
	st := alert.Visits(store.Handle{Path: a.dbPath, Options: store.Options{Timeout: 30 * time.Second}})
	return notifyAlerts(ctx, st, rules, skipped, since, log)
}

// notifyAlerts is alertsAfterRun on any store: a worker's PostgreSQL.
func notifyAlerts(ctx context.Context, st alert.Store, rules alert.Rules, skipped []skippedRule, since time.Time, log *slog.Logger) (*alert.Report, error) {
	var held []string
	for _, sk := range skipped {
		if sk.section() {
			// No rule could be read, so none can be held by name: leave
			// the stories uncovered for the first run that reads them.
			return nil, nil
		}
		if _, ok := rules.Find(sk.Rule); sk.Rule != "" && !ok {
			held = append(held, sk.Rule)
		}
	}
	if err := alert.Hold(st, held, since); err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	if len(rules) == 0 {
		if err := alert.Skip(st, time.Now()); err != nil {
			return nil, fmt.Errorf("alerts: %w", err)
		}
		return nil, nil
	}
	n := &alert.Notifier{Client: alert.NewClient(alert.DefaultTimeout), Store: st, Logger: log}
	rep, err := n.Notify(ctx, rules, since)
	if err != nil {
		return &rep, fmt.Errorf("alerts: %w", err)
	}
	return &rep, nil
}

// skippedRule is an alert rule run could not use, as run --json lists
// it in alert_rules_skipped. Rule is empty for a rule without a name,
// and Index too when the alerts section as a whole could not be read.
type skippedRule struct {
	Rule  string `json:"rule"`
	Index int    `json:"index,omitempty"` // in the alerts list, from 1
	Line  int    `json:"line,omitempty"`
	Error string `json:"error"`
}

func (s skippedRule) section() bool { return s.Rule == "" && s.Index == 0 }

// skipBroken splits what alert.ParseRules returned into the rules to
// use and those to skip.
func skipBroken(rules alert.Rules, err error) (alert.Rules, []skippedRule) {
	if err == nil {
		return rules, nil
	}
	var broken alert.BrokenRules
	if !errors.As(err, &broken) {
		return nil, []skippedRule{{Error: err.Error()}}
	}
	out := make([]skippedRule, len(broken))
	for i, b := range broken {
		msgs := make([]string, len(b.Problems))
		for j, p := range b.Problems {
			msgs[j] = p.Error()
		}
		out[i] = skippedRule{Rule: b.Rule, Index: b.Index, Line: b.Line, Error: strings.Join(msgs, "; ")}
	}
	return rules, out
}

// printSkippedRules lists the rules a run skipped, after its summary.
func printSkippedRules(w io.Writer, skipped []skippedRule) {
	if len(skipped) == 0 {
		return
	}
	fmt.Fprintln(w, "\nAlert rules skipped (fix them; the first run after posts what they missed):")
	for _, s := range skipped {
		fmt.Fprintf(w, "  %s\n", s.Error)
	}
}

// alertsNotSent says why run exits with exitAlertsNotSent, or "" when
// it need not: every rule was used and every delivery of the run sent.
func alertsNotSent(skipped []skippedRule, rep *alert.Report) string {
	var parts []string
	switch {
	case len(skipped) == 1 && skipped[0].section():
		parts = append(parts, "the alert rules could not be read")
	case len(skipped) > 0:
		parts = append(parts, plural(len(skipped), "alert rule", "alert rules")+" skipped")
	}
	if rep != nil {
		t := rep.Totals()
		if t.Failed+t.GaveUp > 0 {
			parts = append(parts, plural(t.Failed+t.GaveUp, "alert", "alerts")+" failed")
		}
		if t.Unknown > 0 {
			parts = append(parts, plural(t.Unknown, "alert", "alerts")+" of unknown delivery")
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "the data is stored, but some alerts were not sent (" + strings.Join(parts, ", ") + "); see the summary and 'policywatch alerts status'"
}

// runReport is run --json's output: the summary, the alerts when there
// are rules, and the rules skipped as broken.
type runReport struct {
	pipeline.Summary
	Alerts  *alert.Report `json:"alerts,omitempty"`
	Skipped []skippedRule `json:"alert_rules_skipped,omitempty"`
}

// printAlertReport writes the alerts part of a run's summary.
func printAlertReport(w io.Writer, rep alert.Report) {
	for i, r := range rep.Rules {
		label := "Alerts:   "
		if i > 0 {
			label = "          "
		}
		var parts []string
		if r.Sent > 0 || r.Failed+r.GaveUp+r.Unknown == 0 {
			parts = append(parts, fmt.Sprintf("%d sent", r.Sent))
		}
		if r.Failed > 0 {
			parts = append(parts, fmt.Sprintf("%d failed (tried again next run)", r.Failed))
		}
		if r.GaveUp > 0 {
			parts = append(parts, fmt.Sprintf("%d given up", r.GaveUp))
		}
		if r.Unknown > 0 {
			parts = append(parts, plural(r.Unknown, "delivery unknown", "deliveries unknown"))
		}
		fmt.Fprintf(w, "%s%s: %s\n", label, r.Rule, strings.Join(parts, ", "))
	}
	if rep.Interrupted {
		fmt.Fprintln(w, "Alerts were interrupted; the next run posts those left.")
	}
	// A dead webhook fails every story; a few lines say why, and alerts
	// status has the rest.
	const maxLines = 10
	shown, more := 0, 0
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range rep.Rules {
		for _, d := range r.Deliveries {
			switch {
			case d.State == store.AlertSent:
				continue
			case shown == maxLines:
				more++
				continue
			case shown == 0:
				fmt.Fprintln(tw, "\nAlert problems (see policywatch alerts status):")
			}
			shown++
			fmt.Fprintf(tw, "  %s\tstory %s\t%s\t%s\n", r.Rule, shortID(d.Story), describeAlertState(store.AlertRecord{State: d.State}, time.Time{}), d.Error)
		}
	}
	if more > 0 {
		fmt.Fprintf(tw, "  and %d more\n", more)
	}
	tw.Flush()
}

// redactURL shows a webhook URL without its path and query: in Slack
// and Discord URLs they are the secret.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	out := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		out += "/…"
	}
	return out
}

// describeFilter is a short account of a rule's filters.
func describeFilter(f store.Filter) string {
	var parts []string
	add := func(name string, vs []string) {
		if len(vs) > 0 {
			parts = append(parts, name+" "+strings.Join(vs, ","))
		}
	}
	add("countries", f.Countries)
	add("services", f.Services)
	add("actions", f.Actions)
	add("feeds", f.Feeds)
	if f.Since != "" {
		parts = append(parts, "since "+f.Since)
	}
	if f.Until != "" {
		parts = append(parts, "until "+f.Until)
	}
	if f.Text != "" {
		parts = append(parts, fmt.Sprintf("text %q", f.Text))
	}
	if f.MinConfidence > 0 {
		parts = append(parts, fmt.Sprintf("min confidence %.2f", f.MinConfidence))
	}
	if len(parts) == 0 {
		return "every story"
	}
	return strings.Join(parts, "; ")
}

func (a *app) alertsResendCmd(config *string) *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "resend RULE STORY",
		Short: "Post a rule's alert for a story again, whatever became of it",
		Long: `Resend posts the alert of RULE for STORY to the rule's webhook now, as a run
would, and records how it went. Use it for an alert whose delivery is unknown
once you have checked the channel and it is not there, for one given up, or to
post a story again on purpose: resend posts even a story already sent. STORY is
a story id (see 'alerts status --json' or 'query --stories'), or the start of
the id of one of the rule's alerts, as 'alerts status' shows it.

An alert that a run is posting at that moment is refused, so that two requests
for one alert are never in flight at once.

The exit code is 0 when the webhook accepted the alert, 1 when it refused it,
could not be reached or did not answer (the alert is then recorded as failed or
unknown, as in a run), and 2 when there is no such rule or story.`,
		Example: `  policywatch alerts resend iran-telegram 3f2a9c1e
  policywatch alerts resend iran-telegram 3f2a9c1e0b7d4e5f6a7b8c9d --db /var/lib/policywatch/policywatch.db`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("alerts resend takes a rule name and a story id, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := a.alertRule(*config, args[0])
			if err != nil {
				return err
			}
			id, err := a.alertStory(cmd.Context(), r.Name, args[1])
			if err != nil {
				return err
			}
			log, err := a.logger(true)
			if err != nil {
				return err
			}
			st, done, err := a.alertStore(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			n := &alert.Notifier{Client: alert.NewClient(timeout), Store: st, Logger: log}
			d, err := n.Resend(cmd.Context(), r, id)
			if errors.Is(err, store.ErrAlertInFlight) {
				return &exitError{code: exitFailure, msg: fmt.Sprintf("alert %q for story %s: %v; try again when that run is done", r.Name, id, err)}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Rule:    %s (%s)\nWebhook: %s\nStory:   %s\n", r.Name, r.Webhook.Format, redactURL(r.Webhook.URL), id)
			if d.Status != 0 {
				fmt.Fprintf(a.stdout, "Answer:  HTTP %d %s\n", d.Status, http.StatusText(d.Status))
			} else {
				fmt.Fprintln(a.stdout, "Answer:  none")
			}
			if d.State != store.AlertSent {
				return &exitError{code: exitFailure, msg: fmt.Sprintf("alert %q for story %s: %s: %s", r.Name, id, describeAlertState(store.AlertRecord{State: d.State}, time.Time{}), d.Error)}
			}
			fmt.Fprintln(a.stdout, "The webhook accepted the alert.")
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", alert.DefaultTimeout, "give up waiting for the webhook's answer after this long")
	return cmd
}

// alertStory finds the story a command names for a rule: a stored story
// id, or the start of the story id of one of the rule's alerts.
func (a *app) alertStory(ctx context.Context, rule, arg string) (string, error) {
	var recs []store.AlertRecord
	found := false
	err := a.withAlerts(ctx, false, func(db alert.Store) error {
		if _, _, err := db.Story(arg); err == nil {
			found = true
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		var err error
		recs, err = db.Alerts(rule)
		return err
	})
	if err != nil || found {
		return arg, err
	}
	return matchAlertStory(recs, rule, arg)
}

// matchAlertStory finds the one alert record whose story id starts with
// prefix.
func matchAlertStory(recs []store.AlertRecord, rule, prefix string) (string, error) {
	who := fmt.Sprintf("rule %q", rule)
	if rule == "" {
		who = "any rule"
	}
	var found []string
	for _, r := range recs {
		if prefix != "" && strings.HasPrefix(r.Story, prefix) && !slices.Contains(found, r.Story) {
			found = append(found, r.Story)
		}
	}
	switch len(found) {
	case 0:
		return "", usagef("no story %q: it is not a stored story's id, nor the start of one that %s alerted", prefix, who)
	case 1:
		return found[0], nil
	}
	if len(found) > 5 {
		found = append(found[:5], "…")
	}
	return "", usagef("story %q is ambiguous: %s has alerts for %s; give more of the id", prefix, who, strings.Join(found, ", "))
}

func (a *app) alertsClearCmd() *cobra.Command {
	var rule, story string
	var failed, unknown bool
	cmd := &cobra.Command{
		Use:   "clear",
		Short: "Queue failed alerts, or those of unknown delivery, for the next run",
		Long: `Clear puts alerts back so that the next run posts them, with the count of
attempts started again: those that failed or were given up (--failed, the
default) and, with --unknown, those whose delivery is unknown. Give both to
clear both. --rule and --story narrow it to one rule and one story (an id, or
its start as 'alerts status' shows it); by default it clears the alerts of
every rule. It lists what it queued; 'alerts status' shows them as queued.

An alert of unknown delivery may have arrived: clear those only once you have
checked the channel. Sent alerts are never cleared ('alerts resend' posts one
again), and nor are those a run is posting at that moment.`,
		Example: `  policywatch alerts clear
  policywatch alerts clear --rule iran-telegram --unknown
  policywatch alerts clear --rule iran-telegram --story 3f2a9c1e --failed --unknown`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var states []store.AlertState
			if failed || !unknown {
				states = append(states, store.AlertFailed, store.AlertGaveUp)
			}
			if unknown {
				states = append(states, store.AlertUnknown)
			}
			if !pgstore.IsURL(a.dbPath) {
				if _, err := os.Stat(a.dbPath); err != nil {
					return fmt.Errorf("alerts clear: %w", err)
				}
			}
			var cleared []store.AlertRecord
			err := a.withAlerts(cmd.Context(), true, func(db alert.Store) error {
				now := time.Now()
				if story != "" {
					recs, err := db.Alerts(rule)
					if err != nil {
						return err
					}
					if story, err = matchAlertStory(recs, rule, story); err != nil {
						return err
					}
				}
				if unknown {
					// A claim a dead run left is an alert of unknown
					// delivery that no run has recorded so yet.
					if _, err := db.ExpireAlertClaims(rule, now.Add(-alert.DefaultStaleAfter), now); err != nil {
						return err
					}
				}
				var err error
				cleared, err = db.ClearAlerts(rule, story, states, now)
				return err
			})
			if err != nil {
				return err
			}
			which := "failed"
			switch {
			case unknown && failed:
				which = "failed or unknown"
			case unknown && !failed:
				which = "unknown"
			}
			if len(cleared) == 0 {
				fmt.Fprintf(a.stdout, "No %s alerts to clear.\n", which)
				return nil
			}
			fmt.Fprintf(a.stdout, "Queued %s for the next run:\n", plural(len(cleared), which+" alert", which+" alerts"))
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			for _, r := range cleared {
				fmt.Fprintf(tw, "  %s\tstory %s\twas %s\n", r.Rule, r.Story, describeAlertState(r, time.Time{}))
			}
			return tw.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVar(&rule, "rule", "", "clear the alerts of this rule only")
	f.StringVar(&story, "story", "", "clear the alerts of this story only")
	f.BoolVar(&failed, "failed", false, "clear the alerts that failed or were given up (the default)")
	f.BoolVar(&unknown, "unknown", false, "clear the alerts of unknown delivery, which may have arrived")
	return cmd
}
