// Package v1alpha1 contains the rathaus API: MunicipalityWorkspace (one municipality's digital
// workplace), WorkspacePlatform (the provider's hosting environment) and StackRelease (a
// curated set of component versions).
//
// +kubebuilder:object:generate=true
// +groupName=rathaus.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of every rathaus kind.
	GroupVersion = schema.GroupVersion{Group: "rathaus.io", Version: "v1alpha1"}

	// SchemeBuilder registers the rathaus kinds with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the rathaus kinds to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
