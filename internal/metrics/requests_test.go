package metrics

import "testing"

func TestResourceOfARequest(t *testing.T) {
	for path, want := range map[string]string{
		"/api/v1/namespaces/kiel/secrets/rathaus-db-nextcloud":                         "secrets",
		"/api/v1/namespaces/kiel/secrets":                                              "secrets",
		"/api/v1/namespaces/kiel":                                                      "namespaces",
		"/api/v1/namespaces":                                                           "namespaces",
		"/api/v1/nodes/node-1/status":                                                  "nodes/status",
		"/apis/apps/v1/namespaces/kiel/statefulsets/rathaus-postgresql":                "statefulsets.apps",
		"/apis/apps/v1/deployments":                                                    "deployments.apps",
		"/apis/rathaus.io/v1alpha1/namespaces/kiel/municipalityworkspaces/kiel/status": "municipalityworkspaces.rathaus.io/status",
		"/apis/rathaus.io/v1alpha1/workspaceplatforms/default/status":                  "workspaceplatforms.rathaus.io/status",
		"/apis/events.k8s.io/v1/namespaces/kiel/events":                                "events.events.k8s.io",
		"/api":     "discovery",
		"/apis":    "discovery",
		"/api/v1":  "discovery",
		"/version": "discovery",
	} {
		if got := Resource(path); got != want {
			t.Errorf("Resource(%q) = %q, want %q", path, got, want)
		}
	}
}
