package loire

// StandInRegistration is a registration number credential (gx:VatID) as a Gaia-X notary
// issues it, from a notary notaryDID that is not one: for demos and tests, which have no
// notary to ask. A compliance service does not trust its issuer, so it is never a substitute
// for the provider's real one. Its subject id is the credential's id + "#cs".
func StandInRegistration(notaryDID, vatID, countryCode, validFrom string) Credential {
	id := CredentialURL(notaryDID, "registration/"+vatID)
	return envelope(id, notaryDID, validFrom, []string{"gx:VatID"}, map[string]any{
		"id": SubjectID(id), "type": "gx:VatID", "gx:vatID": vatID, "gx:countryCode": countryCode,
	})
}
