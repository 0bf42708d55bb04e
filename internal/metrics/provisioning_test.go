package metrics

import (
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

func TestObserveTimeToReady(t *testing.T) {
	created := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	ObserveTimeToReady(created, created.Add(90*time.Second))
	// The API server's clock may be ahead of the operator's.
	ObserveTimeToReady(created, created.Add(-5*time.Second))

	var m dto.Metric
	if err := TimeToReady.Write(&m); err != nil {
		t.Fatal(err)
	}
	h := m.GetHistogram()
	if h.GetSampleCount() != 2 || h.GetSampleSum() != 90 {
		t.Errorf("count %d sum %v, want 2 and 90", h.GetSampleCount(), h.GetSampleSum())
	}
	for _, b := range h.GetBucket() {
		if b.GetUpperBound() == 60 && b.GetCumulativeCount() != 1 {
			t.Errorf("le=60 holds %d, want 1 (the clamped observation)", b.GetCumulativeCount())
		}
	}
}
