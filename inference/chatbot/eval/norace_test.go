//go:build !race

package eval

// raceDetector is set when the tests run under the race detector.
const raceDetector = false
