package sizing

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

func TestFor(t *testing.T) {
	q := func(s string) *resource.Quantity { v := resource.MustParse(s); return &v }
	tests := []struct {
		name        string
		size        rathausv1alpha1.SizeTier
		overrides   []rathausv1alpha1.SizeOverride
		wantCPU     string
		wantMemory  string
		wantStorage string
		wantErr     bool
	}{
		{name: "empty means S", size: "", wantCPU: "10", wantMemory: "24Gi", wantStorage: "500Gi"},
		{name: "XL", size: rathausv1alpha1.SizeXL, wantCPU: "96", wantMemory: "384Gi", wantStorage: "50Ti"},
		{
			name: "override of another tier is ignored", size: rathausv1alpha1.SizeM,
			overrides: []rathausv1alpha1.SizeOverride{{Size: rathausv1alpha1.SizeS, CPU: q("1")}},
			wantCPU:   "16", wantMemory: "48Gi", wantStorage: "2Ti",
		},
		{
			name: "partial override keeps the rest", size: rathausv1alpha1.SizeM,
			overrides: []rathausv1alpha1.SizeOverride{{Size: rathausv1alpha1.SizeM, CPU: q("20"), Storage: q("3Ti")}},
			wantCPU:   "20", wantMemory: "48Gi", wantStorage: "3Ti",
		},
		{name: "unknown tier", size: "XXL", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := For(tt.size, tt.overrides)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			for _, c := range []struct{ name, got, want string }{
				{"cpu", got.CPU.String(), tt.wantCPU},
				{"memory", got.Memory.String(), tt.wantMemory},
				{"storage", got.Storage.String(), tt.wantStorage},
			} {
				if c.got != c.want {
					t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
				}
			}
		})
	}
}

func TestForDoesNotAliasBuiltIn(t *testing.T) {
	tier, _ := For(rathausv1alpha1.SizeS, nil)
	tier.CPU.Add(resource.MustParse("100"))
	again, _ := For(rathausv1alpha1.SizeS, nil)
	if again.CPU.String() != "10" {
		t.Fatalf("built-in tier was modified through a returned value: cpu = %s", again.CPU.String())
	}
}

func TestLimit(t *testing.T) {
	if got := Limit(resource.MustParse("24Gi")); got.String() != "48Gi" {
		t.Fatalf("Limit(24Gi) = %s, want 48Gi", got.String())
	}
}
