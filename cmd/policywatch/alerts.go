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
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/policywatch/policywatch/alert"
	"github.com/policywatch/policywatch/config"
	"github.com/policywatch/policywatch/pipeline"
	"github.com/policywatch/policywatch/store"
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
posted twice, even after a crash. A webhook that is down fails no run; its
alerts are tried again by the next runs.

  list     show the rules
  test     post a sample to a rule's webhook, to check it works
  status   show what each rule sent, what failed and what is unknown`,
		Example: `  policywatch alerts list
  policywatch alerts test iran-telegram
  policywatch alerts status --db /var/lib/policywatch/policywatch.db`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown alerts command %q; want list, test or status", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringVarP(&config, "config", "c", "feeds.yaml", "configuration holding the alert rules (YAML)")
	cmd.AddCommand(a.alertsListCmd(&config), a.alertsTestCmd(&config), a.alertsStatusCmd(&config))
	return cmd
}

// alertRules reads the alert rules of a configuration file.
func (a *app) alertRules(path string) (alert.Rules, error) {
	gaz, err := a.gazetteer()
	if err != nil {
		return nil, err
	}
	f, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	return alert.ParseRules(f.Alerts, f.Name, gaz, a.getenv)
}

func (a *app) alertsListCmd(config *string) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "Show the alert rules of the configuration",
		Long: `List shows each alert rule: its name, payload format, webhook (only its host:
the rest of a Slack or Discord webhook URL is a secret), whether it posts only
new stories, and its filters.`,
		Example: `  policywatch alerts list
  policywatch alerts list --config /etc/policywatch/feeds.yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rules, err := a.alertRules(*config)
			if err != nil {
				return err
			}
			if len(rules) == 0 {
				fmt.Fprintf(a.stdout, "No alert rules in %s. Its comments show how to add some.\n", *config)
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tFORMAT\tWEBHOOK\tNEW ONLY\tFILTERS")
			for _, r := range rules {
				newOnly := "yes"
				if !r.NewStoriesOnly {
					newOnly = "no"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.Webhook.Format, redactURL(r.Webhook.URL), newOnly, describeFilter(r.Filter))
			}
			return tw.Flush()
		},
	}
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
			rules, err := a.alertRules(*config)
			if err != nil {
				return err
			}
			r, ok := rules.Find(args[0])
			if !ok {
				if len(rules) == 0 {
					return usagef("no alert rule %q: %s has no alert rules", args[0], *config)
				}
				return usagef("no alert rule %q in %s; its rules are %s", args[0], *config, strings.Join(rules.Names(), ", "))
			}
			log, err := a.logger(true)
			if err != nil {
				return err
			}
			msg, from := a.sampleMessage(r)
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
func (a *app) sampleMessage(r alert.Rule) (alert.Message, string) {
	made := func(why string) (alert.Message, string) {
		return alert.Sample(r, time.Now()), "a made-up story (" + why + ")"
	}
	db, err := a.openRead()
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
and those whose delivery is unknown: a run stopped while posting them, so they
may or may not have arrived. Those are never posted again, to be sure no
channel hears of a story twice. Every alert not sent is listed below the counts
with its story and last error.

Rules of the configuration that never posted show zeros; rules no longer in it
are shown too, marked as such.`,
		Example: `  policywatch alerts status
  policywatch alerts status --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var rules alert.Rules
			if _, err := os.Stat(*config); err == nil || cmd.Flags().Changed("config") {
				var err error
				if rules, err = a.alertRules(*config); err != nil {
					return err
				}
			}
			db, err := a.openRead()
			if err != nil {
				return err
			}
			defer db.Close()
			recs, err := db.Alerts("")
			if err != nil {
				return err
			}
			st := alertStatus(rules, recs)
			if asJSON {
				return writeJSON(a.stdout, st)
			}
			return writeAlertStatus(a.stdout, st)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return cmd
}

// ruleStatus is one rule's line in alerts status.
type ruleStatus struct {
	Rule     string              `json:"rule"`
	InConfig bool                `json:"in_config"`
	Sent     int                 `json:"sent"`
	Failed   int                 `json:"failed"`
	GaveUp   int                 `json:"gave_up"`
	Unknown  int                 `json:"unknown"`
	Problems []store.AlertRecord `json:"problems"`
}

func alertStatus(rules alert.Rules, recs []store.AlertRecord) []ruleStatus {
	var out []ruleStatus
	index := map[string]int{}
	for _, r := range rules {
		index[r.Name] = len(out)
		out = append(out, ruleStatus{Rule: r.Name, InConfig: true, Problems: []store.AlertRecord{}})
	}
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
		case store.AlertSending:
			st.Unknown++
		}
		st.Problems = append(st.Problems, rec)
	}
	return out
}

func writeAlertStatus(w io.Writer, st []ruleStatus) error {
	if len(st) == 0 {
		_, err := fmt.Fprintln(w, "No alert rules, and no alerts recorded.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tSENT\tFAILED\tGAVE UP\tUNKNOWN")
	for _, s := range st {
		name := s.Rule
		if !s.InConfig {
			name += " (not in config)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", name, s.Sent, s.Failed, s.GaveUp, s.Unknown)
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
			fmt.Fprintf(w, "  %s  story %s  %s  (%s, %s)\n", s.Rule, shortID(p.Story), describeAlertState(p), plural(p.Attempts, "attempt", "attempts"), p.At.UTC().Format(time.RFC3339))
			if p.LastError != "" {
				fmt.Fprintf(w, "      %s\n", p.LastError)
			}
		}
	}
	return nil
}

func describeAlertState(r store.AlertRecord) string {
	switch r.State {
	case store.AlertFailed:
		return "failed, tried again next run"
	case store.AlertGaveUp:
		return "failed, given up"
	case store.AlertSending:
		return "delivery unknown, not posted again"
	}
	return string(r.State)
}

// alertsAfterRun posts the alerts of a run that started at since, or
// with no rules only marks its stories as handled, so that rules added
// later do not post them. The file is opened per call, as during the run,
// so a server reading it is not locked out while a webhook is slow.
func (a *app) alertsAfterRun(ctx context.Context, rules alert.Rules, since time.Time, log *slog.Logger) (*alert.Report, error) {
	st := alert.Visits(store.Handle{Path: a.dbPath, Options: store.Options{Timeout: 30 * time.Second}})
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

// runReport is run --json's output: the summary, and the alerts when
// there are rules.
type runReport struct {
	pipeline.Summary
	Alerts *alert.Report `json:"alerts,omitempty"`
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
			fmt.Fprintf(tw, "  %s\tstory %s\t%s\t%s\n", r.Rule, shortID(d.Story), describeAlertState(store.AlertRecord{State: d.State}), d.Error)
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
