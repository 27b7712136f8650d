//go:build race

package extract

// raceDetector reports whether the tests run under the race detector.
const raceDetector = true
