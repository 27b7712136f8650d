package extract

import (
	"testing"

	"github.com/policywatch/policywatch/internal/race"
)

// skipUnderRace skips a check that runs one goroutine over every labelled
// article. The race detector makes those checks 20 to 70 times slower and
// has nothing to find in them; `make test` runs the package once more
// without it, where they take seconds.
func skipUnderRace(t testing.TB) {
	t.Helper()
	if race.Enabled {
		t.Skip("one goroutine over the whole corpus: run without -race (make test does)")
	}
}

// SkipUnderRace is skipUnderRace for the package's external tests.
var SkipUnderRace = skipUnderRace
