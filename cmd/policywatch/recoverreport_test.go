package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/store"
)

func TestPrintRecoverReportOrphaned(t *testing.T) {
	tests := []struct {
		name string
		rep  store.RecoverReport
		want []string
		not  []string
	}{
		{"none", store.RecoverReport{Kept: map[string]int{"events": 3}}, nil, []string{"cut off"}},
		{"freelist read", store.RecoverReport{
			Kept:     map[string]int{"articles": 22, "events": 40},
			Orphaned: map[string]int{"events": 40, "articles": 22},
		}, []string{"62 records came from pages cut off from their bucket's tree (articles 22, events 40)"}, []string{"older versions"}},
		{"freelist lost", store.RecoverReport{
			Kept:             map[string]int{"events": 1},
			Orphaned:         map[string]int{"events": 1},
			OrphanedUnsure:   1,
			OrphanedVersions: 1,
		}, []string{"1 record came from", "1 of them may be older versions", "1 record was found in two versions"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			printRecoverReport(&b, tt.rep)
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, b.String())
				}
			}
			for _, w := range tt.not {
				if strings.Contains(b.String(), w) {
					t.Errorf("report says %q:\n%s", w, b.String())
				}
			}
		})
	}
}
