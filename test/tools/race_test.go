//go:build race

package tools

// raceEnabled builds the spool under test with -race when the tests run
// with it, so that it shares the race-instrumented build cache of the other
// packages and is itself checked for data races.
const raceEnabled = true
