package controllers

import (
	"encoding/hex"
	"maps"
	"slices"
	"time"
	"unique"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rathaus-io/rathaus/internal/apply"
	"github.com/rathaus-io/rathaus/internal/ownership"
)

// recordMeta is what a record keeps of an object's metadata (slimmed, see newRecordMeta), in
// fewer bytes than an ObjectMeta: 232 bytes of struct, with a UID and two digests as strings
// of their own beside it, for each of the eighty thousand records of a thousand workspaces.
// What nearly every object has is held inline, the UID and the digests as their bytes; what
// few have (another controller's owner reference, finalizers, a deletion under way, a UID or
// digest of an unusual form) is behind a pointer that is nil for the others.
type recordMeta struct {
	name, namespace, resourceVersion string
	generation                       int64
	created                          int64 // Unix nanoseconds; 0 for none
	labels                           map[string]string
	uid                              [16]byte // when uidParsed
	uidParsed                        bool
	hash, fingerprint                packedDigest
	rare                             *rareMeta
}

// packedDigest is one of the operator's digests (apply.Fingerprint, the desired hash), sixteen
// lower-case hex digits, as its eight bytes; when parsed is false the record keeps the string
// in its rare part.
type packedDigest struct {
	b      [8]byte
	parsed bool
}

// pack reads s into d when it has the digests' form, so that it reads back as the same
// string.
func (d *packedDigest) pack(s string) bool {
	d.parsed = len(s) == 2*len(d.b) && lowerHex(s)
	if d.parsed {
		_, err := hex.Decode(d.b[:], []byte(s))
		d.parsed = err == nil
	}
	return d.parsed
}

// text is the digest as it was given; unpacked, the string kept in the rare part.
func (d *packedDigest) text(unpacked string) string {
	if d.parsed {
		return hex.EncodeToString(d.b[:])
	}
	return unpacked
}

// rareMeta is the metadata few records have.
type rareMeta struct {
	uid                        types.UID // when not a UUID in canonical form
	hash, fingerprint          string    // when not sixteen lower-case hex digits
	generateName               string
	ownerReferences            []metav1.OwnerReference
	finalizers                 []string
	deletionTimestamp          *metav1.Time
	deletionGracePeriodSeconds *int64
}

// newRecordMeta keeps of meta what the operator reads of an object of a trimmed kind: its
// identity, the labels named in labels (all of them when nil), owner references only where
// they say another controller made the object (the operator maps events by label, and such an
// object is not the workspace's), finalizers and a deletion under way; of its annotations the
// desired hash, and the fingerprint taken before anything was dropped. The namespace is
// interned and the labels, the same for every object of a workspace's component, are one map
// shared by all of them (sharedLabels).
func newRecordMeta(meta *metav1.ObjectMeta, controlledByAnother bool, labels []string, hash, fingerprint string) recordMeta {
	m := recordMeta{
		name: meta.Name, namespace: unique.Make(meta.Namespace).Value(), resourceVersion: meta.ResourceVersion,
		generation: meta.Generation, labels: sharedLabels(meta.Labels, labels),
	}
	if !meta.CreationTimestamp.IsZero() {
		m.created = meta.CreationTimestamp.UnixNano()
	}
	rare := rareMeta{generateName: meta.GenerateName, finalizers: meta.Finalizers,
		deletionTimestamp: meta.DeletionTimestamp, deletionGracePeriodSeconds: meta.DeletionGracePeriodSeconds}
	if controlledByAnother {
		rare.ownerReferences = meta.OwnerReferences
	}
	m.uidParsed = parseUID(meta.UID, &m.uid)
	if !m.uidParsed {
		rare.uid = meta.UID
	}
	if !m.hash.pack(hash) {
		rare.hash = hash
	}
	if !m.fingerprint.pack(fingerprint) {
		rare.fingerprint = fingerprint
	}
	if !rare.empty() {
		m.rare = &rare
	}
	return m
}

func (r *rareMeta) empty() bool {
	return r.uid == "" && r.hash == "" && r.fingerprint == "" && r.generateName == "" && r.ownerReferences == nil &&
		r.finalizers == nil && r.deletionTimestamp == nil && r.deletionGracePeriodSeconds == nil
}

// objectMeta is the ObjectMeta the record stands for, sharing nothing with it: the kept
// metadata, and the desired hash (when the object had one) and the fingerprint as annotations.
func (m *recordMeta) objectMeta() metav1.ObjectMeta {
	meta := metav1.ObjectMeta{
		Name: m.name, Namespace: m.namespace, ResourceVersion: m.resourceVersion, Generation: m.generation,
		CreationTimestamp: m.GetCreationTimestamp(), UID: m.GetUID(), Labels: maps.Clone(m.labels),
		Annotations: map[string]string{},
	}
	if hash := m.hash.text(m.rareView().hash); hash != "" {
		meta.Annotations[ownership.HashAnnotation] = hash
	}
	meta.Annotations[apply.FingerprintAnnotation] = m.fingerprint.text(m.rareView().fingerprint)
	if r := m.rare; r != nil {
		meta.GenerateName = r.generateName
		meta.Finalizers = slices.Clone(r.finalizers)
		meta.DeletionTimestamp = r.deletionTimestamp.DeepCopy()
		meta.DeletionGracePeriodSeconds = copyOf(r.deletionGracePeriodSeconds)
		for _, ref := range r.ownerReferences {
			meta.OwnerReferences = append(meta.OwnerReferences, *ref.DeepCopy())
		}
	}
	return meta
}

// parseUID reads uid into b when it is a UUID in the canonical form the API server gives
// (8-4-4-4-12 lower-case hex digits), so that it reads back as the same string.
func parseUID(uid types.UID, b *[16]byte) bool {
	s := string(uid)
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	digits := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if !lowerHex(digits) {
		return false
	}
	_, err := hex.Decode(b[:], []byte(digits))
	return err == nil
}

func formatUID(b [16]byte) types.UID {
	h := hex.EncodeToString(b[:])
	return types.UID(h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32])
}

func lowerHex(s string) bool {
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// metav1.Object, as the cache's indexers, selectors and event handlers read a record. The
// setters keep what they are given, in the record's form; no one calls them on the cache's
// records.

func (m *recordMeta) GetNamespace() string           { return m.namespace }
func (m *recordMeta) SetNamespace(namespace string)  { m.namespace = namespace }
func (m *recordMeta) GetName() string                { return m.name }
func (m *recordMeta) SetName(name string)            { m.name = name }
func (m *recordMeta) GetResourceVersion() string     { return m.resourceVersion }
func (m *recordMeta) SetResourceVersion(rv string)   { m.resourceVersion = rv }
func (m *recordMeta) GetGeneration() int64           { return m.generation }
func (m *recordMeta) SetGeneration(generation int64) { m.generation = generation }
func (m *recordMeta) GetSelfLink() string            { return "" }
func (m *recordMeta) SetSelfLink(string)             {}
func (m *recordMeta) GetLabels() map[string]string   { return m.labels }
func (m *recordMeta) SetLabels(labels map[string]string) {
	m.labels = labels
}
func (m *recordMeta) GetAnnotations() map[string]string { return nil }
func (m *recordMeta) SetAnnotations(map[string]string)  {}
func (m *recordMeta) GetManagedFields() []metav1.ManagedFieldsEntry {
	return nil
}
func (m *recordMeta) SetManagedFields([]metav1.ManagedFieldsEntry) {}

func (m *recordMeta) GetCreationTimestamp() metav1.Time {
	if m.created == 0 {
		return metav1.Time{}
	}
	return metav1.NewTime(time.Unix(0, m.created))
}

func (m *recordMeta) SetCreationTimestamp(t metav1.Time) {
	m.created = 0
	if !t.IsZero() {
		m.created = t.UnixNano()
	}
}

func (m *recordMeta) GetUID() types.UID {
	if m.uidParsed {
		return formatUID(m.uid)
	}
	return m.rareView().uid
}

func (m *recordMeta) SetUID(uid types.UID) {
	if m.uidParsed = parseUID(uid, &m.uid); m.uidParsed {
		uid = ""
	}
	if uid != "" || m.rare != nil {
		m.rareForWrite().uid = uid
	}
}

// noRareMeta is the rare part of the records that have none; no one writes to it.
var noRareMeta rareMeta

// rareView is the record's rare metadata, to read.
func (m *recordMeta) rareView() *rareMeta {
	if m.rare == nil {
		return &noRareMeta
	}
	return m.rare
}

// rareForWrite is the record's rare metadata, made when it has none, to write.
func (m *recordMeta) rareForWrite() *rareMeta {
	if m.rare == nil {
		m.rare = &rareMeta{}
	}
	return m.rare
}

func (m *recordMeta) GetGenerateName() string             { return m.rareView().generateName }
func (m *recordMeta) SetGenerateName(name string)         { m.rareForWrite().generateName = name }
func (m *recordMeta) GetDeletionTimestamp() *metav1.Time  { return m.rareView().deletionTimestamp }
func (m *recordMeta) SetDeletionTimestamp(t *metav1.Time) { m.rareForWrite().deletionTimestamp = t }
func (m *recordMeta) GetDeletionGracePeriodSeconds() *int64 {
	return m.rareView().deletionGracePeriodSeconds
}
func (m *recordMeta) SetDeletionGracePeriodSeconds(s *int64) {
	m.rareForWrite().deletionGracePeriodSeconds = s
}
func (m *recordMeta) GetFinalizers() []string           { return m.rareView().finalizers }
func (m *recordMeta) SetFinalizers(finalizers []string) { m.rareForWrite().finalizers = finalizers }
func (m *recordMeta) GetOwnerReferences() []metav1.OwnerReference {
	return m.rareView().ownerReferences
}
func (m *recordMeta) SetOwnerReferences(refs []metav1.OwnerReference) {
	m.rareForWrite().ownerReferences = refs
}
