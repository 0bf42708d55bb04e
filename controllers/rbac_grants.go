package controllers

// Kubernetes lets the operator grant only permissions it holds itself (RBAC escalation
// prevention). The tenant Role (internal/tenant) lets a municipality's admins read their
// workspace's status, so the operator holds the same read access on it.
// +kubebuilder:rbac:groups=rathaus.io,resources=municipalityworkspaces/status,verbs=get;list;watch

// Metrics are served to whoever the API server authenticates and authorizes for GET /metrics
// (--metrics-secure, controller-runtime's filters.WithAuthenticationAndAuthorization).
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create
