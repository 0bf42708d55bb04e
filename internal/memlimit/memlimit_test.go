package memlimit

import (
	"math"
	"testing"
	"testing/fstest"
)

func TestFromCgroup(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  int64
		ok    bool
	}{
		{"cgroup v2 with a limit", map[string]string{v2Max: "536870912\n"}, 536870912, true},
		{"cgroup v2 without one", map[string]string{v2Max: "max\n"}, 0, false},
		{"cgroup v1 with a limit", map[string]string{v1Max: "314572800\n"}, 314572800, true},
		{"cgroup v1 without one", map[string]string{v1Max: "9223372036854771712\n"}, 0, false},
		{"cgroup v2 showing v1's no-limit value", map[string]string{v2Max: "9223372036854771712\n"}, 0, false},
		{"v2 wins over v1", map[string]string{v2Max: "1048576", v1Max: "2097152"}, 1048576, true},
		{"no cgroup files", map[string]string{}, 0, false},
		{"garbage", map[string]string{v2Max: "a lot"}, 0, false},
		{"zero", map[string]string{v2Max: "0"}, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, content := range tc.files {
				fsys[name] = &fstest.MapFile{Data: []byte(content)}
			}
			got, ok := FromCgroup(fsys)
			if got != tc.want || ok != tc.ok {
				t.Errorf("got %d, %v; want %d, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestSoft(t *testing.T) {
	cases := []struct {
		limit int64
		ratio float64
		want  int64
	}{
		{2 << 30, 0.9, 2 << 30 * 9 / 10},        // 2 GiB: the ratio leaves more than the code needs
		{2 << 30, 1, 2<<30 - CodeReserve},       // all of it: the code still needs its room
		{300 << 20, 0.9, 300<<20 - CodeReserve}, // 300 MiB: a tenth would not hold the code
		{300 << 20, 0.5, 150 << 20},             // a lower ratio wins
		{100 << 20, 0.9, 50 << 20},              // too small for the reserve: half the limit
		{100 << 20, 0.3, 30 << 20},              // the ratio, when it is less than half
		{1 << 30, 0, 0},                         // turned off
		{1 << 30, 1.5, 0},
		{1 << 30, -0.1, 0},
		{0, 0.9, 0},
		{math.MaxInt64 / 2, 0.5, math.MaxInt64 / 4},
	}
	for _, tc := range cases {
		if got := Soft(tc.limit, tc.ratio); got != tc.want && !(tc.limit > 1<<40 && math.Abs(float64(got-tc.want)) < 1<<12) {
			t.Errorf("Soft(%d, %v) = %d, want %d", tc.limit, tc.ratio, got, tc.want)
		}
	}
}
