package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// StackReleaseSpec is a curated, immutable set of component versions.
type StackReleaseSpec struct {
	// Version is the release's calendar version, e.g. 2026.11.0; it equals the object's name.
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]{4}\\\\.([1-9]|1[0-2])\\\\.(0|[1-9][0-9]*)$')",message="version must be a calendar version such as 2026.11.0"
	Version string `json:"version"`

	// Channels this release belongs to, e.g. stable and rapid.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:XValidation:rule="self.all(c, c.matches('^[a-z][a-z0-9-]*$'))",message="channels must be lower-case names such as stable"
	Channels []string `json:"channels,omitempty"`

	// Components are the images and versions of the stack's components.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=64
	Components []Component `json:"components,omitempty"`

	// MandatoryStop marks a release every upgrade must pass through.
	// +optional
	MandatoryStop bool `json:"mandatoryStop,omitempty"`
}

// Component is one container image of the stack at one version.
type Component struct {
	// Name identifies the component, e.g. nextcloud or postgresql.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`
	// Image is the upstream image reference without tag, e.g. docker.io/library/nextcloud.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	Image string `json:"image"`
	// Version is the component's upstream version and image tag.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Version string `json:"version"`
	// Digest pins the image, e.g. sha256:...; when set it is used instead of the tag.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Digest string `json:"digest,omitempty"`
	// License is the SPDX identifier of the image's licence, e.g. AGPL-3.0-or-later, for the
	// gx:SoftwareResource of Gaia-X offerings; the operator knows the licences of the images
	// of its own releases and uses this for others.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	License string `json:"license,omitempty"`
	// CopyrightOwner is who holds the copyright of the image's software, by name.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	CopyrightOwner string `json:"copyrightOwner,omitempty"`
}

// StackRelease is a curated, immutable set of component versions with the channels it belongs
// to. Publish a new release instead of changing one.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=srel,categories=rathaus
// +kubebuilder:validation:XValidation:rule="self.metadata.name == self.spec.version",message="a StackRelease's name must equal spec.version"
// +kubebuilder:validation:XValidation:rule="self.spec == oldSelf.spec",message="a StackRelease is immutable; publish a new release instead"
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.spec.version`
// +kubebuilder:printcolumn:name="Channels",type=string,JSONPath=`.spec.channels`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type StackRelease struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec StackReleaseSpec `json:"spec"`
}

// StackReleaseList is a list of StackReleases.
// +kubebuilder:object:root=true
type StackReleaseList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []StackRelease `json:"items"`
}

func init() {
	SchemeBuilder.Register(&StackRelease{}, &StackReleaseList{})
}
