// Package sizing turns a workspace's size tier, and the platform's overrides of it, into the
// figures of its namespace quota.
package sizing

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// Tier is the resource budget of one size tier.
type Tier struct {
	// Users is the number of users the tier is planned for.
	Users int
	// CPU and Memory are the total requests a workspace may make; limits may reach
	// LimitFactor times that, because office workloads are bursty and mostly idle.
	CPU    resource.Quantity
	Memory resource.Quantity
	// Storage is the total capacity of the workspace's volumes.
	Storage resource.Quantity
	// Pods and Volumes bound object counts, so a runaway controller cannot flood the namespace.
	Pods    int64
	Volumes int64
}

// LimitFactor is how far limits may exceed requests in a workspace's quota.
const LimitFactor = 2

// builtIn are the figures of each tier before platform overrides; they are sized for the
// whole stack (mail, files, video, media, single sign-on and databases) at the tier's users.
var builtIn = map[rathausv1alpha1.SizeTier]Tier{
	rathausv1alpha1.SizeS:  {Users: 500, CPU: resource.MustParse("10"), Memory: resource.MustParse("24Gi"), Storage: resource.MustParse("500Gi"), Pods: 60, Volumes: 30},
	rathausv1alpha1.SizeM:  {Users: 2000, CPU: resource.MustParse("16"), Memory: resource.MustParse("48Gi"), Storage: resource.MustParse("2Ti"), Pods: 100, Volumes: 40},
	rathausv1alpha1.SizeL:  {Users: 10000, CPU: resource.MustParse("32"), Memory: resource.MustParse("128Gi"), Storage: resource.MustParse("10Ti"), Pods: 200, Volumes: 60},
	rathausv1alpha1.SizeXL: {Users: 50000, CPU: resource.MustParse("96"), Memory: resource.MustParse("384Gi"), Storage: resource.MustParse("50Ti"), Pods: 400, Volumes: 100},
}

// For returns the tier's figures with the platform's overrides applied. An empty size means S,
// the API's default.
func For(size rathausv1alpha1.SizeTier, overrides []rathausv1alpha1.SizeOverride) (Tier, error) {
	if size == "" {
		size = rathausv1alpha1.SizeS
	}
	tier, ok := builtIn[size]
	if !ok {
		return Tier{}, fmt.Errorf("unknown size tier %q: use one of S, M, L or XL", size)
	}
	for _, o := range overrides {
		if o.Size != size {
			continue
		}
		if o.CPU != nil {
			tier.CPU = o.CPU.DeepCopy()
		}
		if o.Memory != nil {
			tier.Memory = o.Memory.DeepCopy()
		}
		if o.Storage != nil {
			tier.Storage = o.Storage.DeepCopy()
		}
	}
	return tier, nil
}

// Limit returns q times LimitFactor.
func Limit(q resource.Quantity) resource.Quantity {
	l := q.DeepCopy()
	l.Mul(LimitFactor)
	return l
}
