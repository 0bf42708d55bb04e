package v1alpha1

// DNSRecord is one resource record a municipality must publish in its zone.
type DNSRecord struct {
	// Name is the fully qualified owner name, without the trailing dot.
	Name string `json:"name"`
	// Type is the record type: A, AAAA, CNAME, MX, TXT or SRV.
	Type string `json:"type"`
	// Value is the record data as a zone file writes it (TXT data unquoted).
	Value string `json:"value"`
	// TTL in seconds.
	// +optional
	TTL int32 `json:"ttl,omitempty"`
}
