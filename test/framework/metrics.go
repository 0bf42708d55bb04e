package framework

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Sample is one line of the Prometheus text format.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// Metrics is one scrape of an endpoint.
type Metrics []Sample

// Scrape reads the metrics at url; nil without a URL.
func Scrape(url string) (Metrics, error) {
	if url == "" {
		return nil, nil
	}
	resp, err := http.Get(url)
	if err != nil {
		return nil, fmt.Errorf("reading metrics: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return Parse(body), nil
}

// Parse reads the samples of the Prometheus text format; comments and lines it cannot read
// are skipped.
func Parse(body []byte) Metrics {
	var out Metrics
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s := Sample{Labels: map[string]string{}}
		rest := line
		if i := strings.IndexByte(line, '{'); i >= 0 {
			j := strings.LastIndexByte(line, '}')
			if j < i {
				continue
			}
			s.Name = line[:i]
			s.Labels = parseLabels(line[i+1 : j])
			rest = line[j+1:]
		} else {
			name, r, ok := strings.Cut(line, " ")
			if !ok {
				continue
			}
			s.Name, rest = name, r
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		s.Value = v
		out = append(out, s)
	}
	return out
}

// parseLabels reads `a="x",b="y"`; values with escaped quotes are not needed here.
func parseLabels(s string) map[string]string {
	out := map[string]string{}
	for s != "" {
		k, rest, ok := strings.Cut(s, `="`)
		if !ok {
			break
		}
		v, rest, _ := strings.Cut(rest, `"`)
		out[strings.TrimSpace(k)] = v
		s = strings.TrimPrefix(rest, ",")
	}
	return out
}

func matches(s Sample, name string, labels map[string]string) bool {
	if s.Name != name {
		return false
	}
	for k, v := range labels {
		if s.Labels[k] != v {
			return false
		}
	}
	return true
}

// Sum adds the samples of name whose labels include labels.
func (m Metrics) Sum(name string, labels map[string]string) float64 {
	var sum float64
	for _, s := range m {
		if matches(s, name, labels) {
			sum += s.Value
		}
	}
	return sum
}

// By sums the samples of name whose labels include labels, by the value of label key.
func (m Metrics) By(name, key string, labels map[string]string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range m {
		if matches(s, name, labels) {
			out[s.Labels[key]] += s.Value
		}
	}
	return out
}

// Bucket is one cumulative histogram bucket.
type Bucket struct {
	Le    float64
	Count float64
}

// Buckets returns the cumulative buckets of histogram name (summed over the series matching
// labels), ordered by bound, +Inf last.
func (m Metrics) Buckets(name string, labels map[string]string) []Bucket {
	by := map[float64]float64{}
	for _, s := range m {
		if !matches(s, name+"_bucket", labels) {
			continue
		}
		le, err := strconv.ParseFloat(s.Labels["le"], 64)
		if err != nil {
			continue
		}
		by[le] += s.Value
	}
	out := make([]Bucket, 0, len(by))
	for le, c := range by {
		out = append(out, Bucket{Le: le, Count: c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Le < out[j].Le })
	return out
}

// Delta is after minus before, bucket by bucket: the histogram of what happened in between.
func Delta(after, before []Bucket) []Bucket {
	prev := map[float64]float64{}
	for _, b := range before {
		prev[b.Le] = b.Count
	}
	out := make([]Bucket, len(after))
	for i, b := range after {
		out[i] = Bucket{Le: b.Le, Count: b.Count - prev[b.Le]}
	}
	return out
}

// Quantile estimates quantile q (0..1) of cumulative buckets by linear interpolation inside
// the bucket that holds it, as Prometheus' histogram_quantile does: the lowest bucket starts
// at 0, and a quantile in the +Inf bucket is the highest finite bound. NaN without samples.
func Quantile(q float64, buckets []Bucket) float64 {
	if len(buckets) == 0 {
		return math.NaN()
	}
	total := buckets[len(buckets)-1].Count
	if total <= 0 {
		return math.NaN()
	}
	rank := q * total
	lower, below := 0.0, 0.0
	for i, b := range buckets {
		if b.Count >= rank {
			if math.IsInf(b.Le, 1) {
				if i == 0 {
					return math.NaN()
				}
				return buckets[i-1].Le
			}
			in := b.Count - below
			if in <= 0 {
				return b.Le
			}
			return lower + (b.Le-lower)*(rank-below)/in
		}
		lower, below = b.Le, b.Count
	}
	return buckets[len(buckets)-1].Le
}

// Names of the operator's metrics the benchmarks and the chaos campaign read.
const (
	ReconcileTotal = "controller_runtime_reconcile_total"
	ReconcileTime  = "controller_runtime_reconcile_time_seconds"
	APIRequests    = "rathaus_kube_api_requests_total"
)

// WorkspaceController selects the workspace reconciler's series.
var WorkspaceController = map[string]string{"controller": "municipalityworkspace"}

// Mutating are the HTTP methods that change the cluster.
var Mutating = []string{"POST", "PUT", "PATCH", "DELETE"}

// RequestsByMethod is the increase of the operator's API requests from before to after
// (before nil: since it started), by HTTP method, and how many of them were mutating.
func RequestsByMethod(before, after Metrics) (byMethod map[string]int, mutating int) {
	byMethod = map[string]int{}
	prev := before.By(APIRequests, "method", nil)
	for verb, v := range after.By(APIRequests, "method", nil) {
		if d := int(v - prev[verb]); d > 0 {
			byMethod[verb] = d
		}
	}
	for _, verb := range Mutating {
		mutating += byMethod[verb]
	}
	return byMethod, mutating
}

// RequestsByResource is the increase of the operator's API requests from before to after,
// by "METHOD resource" (the resource as internal/metrics.Resource names it).
func RequestsByResource(before, after Metrics) map[string]int {
	count := func(m Metrics) map[string]float64 {
		out := map[string]float64{}
		for _, s := range m {
			if s.Name == APIRequests {
				out[s.Labels["method"]+" "+s.Labels["resource"]] += s.Value
			}
		}
		return out
	}
	prev, out := count(before), map[string]int{}
	for k, v := range count(after) {
		if d := int(v - prev[k]); d > 0 {
			out[k] = d
		}
	}
	return out
}
