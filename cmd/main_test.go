package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

func logLine(t *testing.T, args ...string) []byte {
	t.Helper()
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	opts := logOptions(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	opts.DestWriter = &out
	zap.New(zap.UseFlagOptions(opts)).WithName("setup").Info("Starting manager", "qps", 50)
	return out.Bytes()
}

func TestLogsAreJSONByDefault(t *testing.T) {
	line := logLine(t)
	var got map[string]any
	if err := json.Unmarshal(line, &got); err != nil {
		t.Fatalf("default log line is not JSON: %v\n%s", err, line)
	}
	for key, want := range map[string]any{"level": "info", "logger": "setup", "msg": "Starting manager", "qps": float64(50)} {
		if got[key] != want {
			t.Errorf("%s = %v, want %v", key, got[key], want)
		}
	}
	ts, _ := got["ts"].(string)
	if _, err := time.Parse("2006-01-02T15:04:05.000Z0700", ts); err != nil {
		t.Errorf("ts %q is not ISO 8601: %v", ts, err)
	}
}

func TestDevelopmentLogsAreConsoleLines(t *testing.T) {
	line := logLine(t, "--zap-devel")
	if json.Valid(bytes.TrimSpace(line)) {
		t.Errorf("--zap-devel still writes JSON: %s", line)
	}
	if !bytes.Contains(line, []byte("Starting manager")) {
		t.Errorf("message missing: %s", line)
	}
}
