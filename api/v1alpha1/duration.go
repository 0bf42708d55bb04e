package v1alpha1

import (
	"encoding/json"
	"time"
)

// Duration is a length of time written like 24h or 1h30m. Unlike metav1.Duration it decodes
// whatever text an object holds: one object stored before the schema checked durations must
// not keep the operator from reading every other object of its kind (a list that fails to
// decode stops the cache). Text that does not parse is kept and reported by Valid.
// +kubebuilder:validation:Type=string
type Duration struct {
	time.Duration `json:"-"`
	// text is what the object holds when it does not parse; empty otherwise.
	text string
}

// NewDuration returns d as a Duration.
func NewDuration(d time.Duration) *Duration { return &Duration{Duration: d} }

// Valid reports whether the text parsed as a duration.
func (d Duration) Valid() bool { return d.text == "" }

// String is the duration as written, or the text that did not parse.
func (d Duration) String() string {
	if !d.Valid() {
		return d.text
	}
	return d.Duration.String()
}

// UnmarshalJSON implements json.Unmarshaler; it never fails on a string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	parsed, err := time.ParseDuration(s)
	if err != nil {
		*d = Duration{text: s}
		return nil
	}
	*d = Duration{Duration: parsed}
	return nil
}

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }
