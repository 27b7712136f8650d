package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/policywatch/policywatch/extract"
)

// buildInfo is what policywatch version reports.
type buildInfo struct {
	Module    string `json:"module"`
	Version   string `json:"version"`
	Revision  string `json:"revision,omitempty"`
	Time      string `json:"revision_time,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	Go        string `json:"go"`
	Extractor string `json:"extractor"`
}

func readBuildInfo() buildInfo {
	b := buildInfo{Module: "github.com/policywatch/policywatch", Version: "devel", Go: runtime.Version(), Extractor: extract.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if info.Main.Path != "" {
		b.Module = info.Main.Path
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		b.Version = v
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// String is the version text, one field a line.
func (b buildInfo) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "policywatch %s\n", b.Version)
	fmt.Fprintf(&s, "module     %s\n", b.Module)
	rev := "unknown (built without version control information)"
	if b.Revision != "" {
		rev = b.Revision
		if b.Time != "" {
			rev += " (" + b.Time + ")"
		}
		if b.Modified {
			rev += ", with uncommitted changes"
		}
	}
	fmt.Fprintf(&s, "revision   %s\n", rev)
	fmt.Fprintf(&s, "go         %s\n", b.Go)
	fmt.Fprintf(&s, "extractor  %s\n", b.Extractor)
	return s.String()
}

func (a *app) versionCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, revision, Go version and extractor version",
		Long: `Version prints the module version of policywatch, the version-control revision
it was built from, the Go version that built it, and the version of its
extractor: the module version and a hash of the data extraction reads. Every
stored event records the extractor version that made it; after an upgrade
changes it, 'policywatch reextract' brings the stored events up to date.

'policywatch --version' prints the same.`,
		Example: `  policywatch version
  policywatch version --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b := readBuildInfo()
			if asJSON {
				return writeJSON(a.stdout, b)
			}
			_, err := fmt.Fprint(a.stdout, b)
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the version as JSON")
	return cmd
}
