package web

import (
	"slices"
	"testing"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

func TestVocab(t *testing.T) {
	v, err := loadVocab(gazetteer(t))
	if err != nil {
		t.Fatal(err)
	}
	var order []event.Action
	for _, w := range v.actions {
		order = append(order, w.Action)
	}
	if !slices.Equal(order, event.Actions) {
		t.Errorf("actions.yaml lists %v, want the vocabulary in order %v", order, event.Actions)
	}
	for _, tc := range []struct {
		country, service string
		action           event.Action
		want             string
	}{
		{"IR", "telegram", event.Restrict, "Iran restricts Telegram"},
		{"RU", "twitter", event.Throttle, "Russia throttles Twitter"},
		{"EU", "google", event.Fine, "European Union fines Google"},
		{"IR", "internet", event.Shutdown, "Iran shuts down the internet"},
		{"BD", "mobile-internet", event.Shutdown, "Bangladesh shuts down the mobile internet"},
		{"RU", "telegram", event.Order, "Russia issues an order to Telegram"},
		{"ZZ", "gopher", event.Block, "ZZ blocks gopher"}, // unknown codes stand for themselves
	} {
		if got := v.headline(tc.country, tc.service, tc.action); got != tc.want {
			t.Errorf("headline(%s, %s, %s) = %q, want %q", tc.country, tc.service, tc.action, got, tc.want)
		}
	}
	if got := v.describe(store.Filter{Countries: []string{"IR", "RU"}, Actions: []string{"block"}, Since: "2018", Text: "keys"}); got != `Iran, Russia; block; since 2018; "keys"` {
		t.Errorf("describe: %q", got)
	}
	if got := v.describe(store.Filter{Limit: 5}); got != "" {
		t.Errorf("describe of no filter: %q", got)
	}
}
