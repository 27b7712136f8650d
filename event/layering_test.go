package event_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The domain is a leaf, and the packages that store, serve and alert on
// events never pull in extraction or its NLP: they depend on package
// event, not on extract. go list reads the real import graph.
func TestLayering(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	forbidden := []string{
		"github.com/policywatch/policywatch/extract",
		"github.com/jdkato/prose",
		"gopkg.in/neurosnap/sentences",
		"gonum.org/",
		"github.com/mingrammer/commonregex",
	}
	for _, pkg := range []string{"event", "store", "web", "alert", "config", "dataset"} {
		out, err := exec.Command("go", "list", "-deps", "github.com/policywatch/policywatch/"+pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
			if pkg == "event" && strings.HasPrefix(dep, "github.com/policywatch/policywatch/") && dep != "github.com/policywatch/policywatch/event" {
				t.Errorf("event, the leaf, imports %s", dep)
			}
		}
	}
}
