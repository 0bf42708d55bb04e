package controllers

// Kubernetes lets the operator grant only permissions it holds itself (RBAC escalation
// prevention). The tenant Role (internal/tenant) lets a municipality's admins read their
// workspace's status, so the operator holds the same read access on it.
// +kubebuilder:rbac:groups=rathaus.io,resources=municipalityworkspaces/status,verbs=get;list;watch
