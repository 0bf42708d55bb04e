// Package framework holds what the test campaigns under test/ share (the resilience campaign
// in test/e2e, the benchmarks in test/perf): a client at the operator's rate limit, the base
// of a campaign's workspace, reading the operator's Prometheus metrics (sums, histogram
// quantiles), and printing figures as a Markdown table and JSON.
package framework
