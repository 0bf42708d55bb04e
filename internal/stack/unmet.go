package stack

// UnmetError is returned by a component's Render when the platform lacks a capability the
// workspace's settings need, for example shared storage for a multi-node service. The
// workspace is Stalled with Reason until the platform or the workspace changes; retrying
// cannot help. Reason is a condition reason (CamelCase), Message is for the workspace's
// admins and must not change between renders of the same inputs.
type UnmetError struct {
	Reason  string
	Message string
}

func (e *UnmetError) Error() string { return e.Message }
