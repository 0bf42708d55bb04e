package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/ownership"
)

// object is what the half-owned check needs of any namespaced object: its kind and metadata.
type object struct {
	Kind string
	metav1.ObjectMeta
}

func (o object) String() string { return o.Kind + " " + o.Namespace + "/" + o.Name }

// owner is the workspace of a namespace.
type owner struct {
	Name string
	UID  types.UID
}

// halfOwned lists the objects of the workspaces' namespaces that the operator owns only in
// part. The operator marks what it manages in three ways at once (internal/inventory,
// internal/stack): the inventory labels (managed-by rathaus and the workspace's name), its
// field manager "rathaus" in managedFields, and, for everything but data, the workspace as
// controlling owner (data, label rathaus.io/data=true, has no owner so that garbage
// collection never takes it). An object is half-owned when it has some of these marks but
// not all, or when its marks point at a workspace that is not the namespace's.
func halfOwned(objs []object, workspaces map[string]owner) []string {
	var out []string
	for _, o := range objs {
		ws, hasWorkspace := workspaces[o.Namespace]
		labelled := o.Labels[ownership.ManagedByLabel] == ownership.ManagedByValue
		claimed := o.Labels[ownership.WorkspaceLabel]
		written := slices.ContainsFunc(o.ManagedFields, func(f metav1.ManagedFieldsEntry) bool {
			return f.Manager == ownership.FieldOwner
		})
		controller := controllerOf(o.OwnerReferences)
		data := o.Labels[ownership.DataLabel] == "true"
		switch {
		case !labelled && !written && controller == nil:
			continue // not the operator's
		case !hasWorkspace:
			out = append(out, fmt.Sprintf("%s carries rathaus marks in a namespace without a workspace", o))
		case written && !labelled:
			out = append(out, fmt.Sprintf("%s was written by the operator but lacks the label %s=%s, so it is never pruned", o, ownership.ManagedByLabel, ownership.ManagedByValue))
		case labelled && claimed != ws.Name:
			out = append(out, fmt.Sprintf("%s is labelled for workspace %q, but the namespace's workspace is %s", o, claimed, ws.Name))
		case labelled && !written:
			out = append(out, fmt.Sprintf("%s carries the inventory labels but the operator's field manager %q owns none of its fields", o, ownership.FieldOwner))
		case data && len(o.OwnerReferences) > 0:
			out = append(out, fmt.Sprintf("%s holds data but has an owner reference, so garbage collection would delete it with %s", o, o.OwnerReferences[0].Name))
		case !data && controller == nil:
			out = append(out, fmt.Sprintf("%s is managed by the operator but has no controlling owner", o))
		case !data && (controller.Kind != "MunicipalityWorkspace" || controller.Name != ws.Name || controller.UID != ws.UID):
			out = append(out, fmt.Sprintf("%s is controlled by %s %s (UID %s), not by workspace %s (UID %s)", o, controller.Kind, controller.Name, controller.UID, ws.Name, ws.UID))
		}
	}
	slices.Sort(out)
	return out
}

func controllerOf(refs []metav1.OwnerReference) *metav1.OwnerReference {
	for i := range refs {
		if refs[i].Controller != nil && *refs[i].Controller {
			return &refs[i]
		}
	}
	return nil
}

// panicLine matches what Go prints when a goroutine panics and what controller-runtime logs
// when it recovers a reconciler's panic ("Observed a panic").
var panicLine = regexp.MustCompile(`(?i)(^panic: |observed a panic|goroutine \d+ \[running\]:)`)

// panics returns the lines of an operator log that show a panic.
func panics(log string) []string {
	var out []string
	for line := range strings.Lines(log) {
		if panicLine.MatchString(line) {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// settledOn: the workspace runs release v in full, is Ready and UpToDate, with no step under
// way, and its status is about its current generation.
func settledOn(ws *rathausv1alpha1.MunicipalityWorkspace, v string) bool {
	u := ws.Status.Upgrade
	return u != nil && u.Current == v && u.Step == nil && ws.Status.Release == v &&
		ws.Status.ObservedGeneration == ws.Generation &&
		conditionTrue(ws, "Ready") && conditionTrue(ws, "UpToDate")
}

func conditionTrue(ws *rathausv1alpha1.MunicipalityWorkspace, typ string) bool {
	for _, c := range ws.Status.Conditions {
		if c.Type == typ {
			return c.Status == metav1.ConditionTrue && c.ObservedGeneration == ws.Generation
		}
	}
	return false
}

// unsettled describes the workspaces that are not settled on v, for a failure message.
func unsettled(list []rathausv1alpha1.MunicipalityWorkspace, v string) []string {
	var out []string
	for i := range list {
		ws := &list[i]
		if settledOn(ws, v) {
			continue
		}
		var conds []string
		for _, c := range ws.Status.Conditions {
			if c.Status != metav1.ConditionTrue || c.Type == "Ready" {
				conds = append(conds, fmt.Sprintf("%s=%s/%s: %s", c.Type, c.Status, c.Reason, c.Message))
			}
		}
		current := ""
		if ws.Status.Upgrade != nil {
			current = ws.Status.Upgrade.Current
		}
		out = append(out, fmt.Sprintf("workspace %s/%s is not settled on %s (current %q, release %q): %s",
			ws.Namespace, ws.Name, v, current, ws.Status.Release, strings.Join(conds, "; ")))
	}
	return out
}

// failedSteps lists the upgrade steps a workspace recorded as failed.
func failedSteps(list []rathausv1alpha1.MunicipalityWorkspace) []string {
	var out []string
	for _, ws := range list {
		if ws.Status.Upgrade == nil {
			continue
		}
		for _, h := range ws.Status.Upgrade.History {
			if h.Result != rathausv1alpha1.UpgradeSucceeded {
				out = append(out, fmt.Sprintf("workspace %s/%s: step %s → %s %s: %s", ws.Namespace, ws.Name, h.From, h.To, h.Result, h.Message))
			}
		}
	}
	return out
}
