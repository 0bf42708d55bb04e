// Package kubeclient configures the operator's connection to the API server.
package kubeclient

import (
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
)

// The operator's default request limit, chosen from make bench (docs/performance.md):
// sustained and burst requests per second to the API server, for the operator as a whole.
const (
	DefaultQPS   = 50
	DefaultBurst = 100
)

// LimitRequests makes qps and burst the limit of every request sent through cfg. client-go
// gives each REST client a token bucket of its own unless the config brings one, and
// controller-runtime makes a REST client per kind, so without a shared limiter the limit
// would bound each kind, and the operator as a whole could send many times its budget.
func LimitRequests(cfg *rest.Config, qps float32, burst int) {
	cfg.QPS, cfg.Burst = qps, burst
	cfg.RateLimiter = flowcontrol.NewTokenBucketRateLimiter(qps, burst)
}
