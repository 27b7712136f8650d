//go:build !unix

package pipeline_test

import (
	"testing"
	"time"
)

// processCPU is not measured here: the CPU metrics read 0.
func processCPU(b *testing.B) time.Duration { return 0 }
