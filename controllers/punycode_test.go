package controllers

import "testing"

func TestPunycodeValid(t *testing.T) {
	for hosts, valid := range map[string]bool{
		"kiel.de":                 true,
		"xn--mnchen-3ya.de":       true,
		"files.xn--mnchen-3ya.de": true,
		"xn--a.de":                false,
		"files.xn--a.de":          false,
	} {
		if err := punycodeValid([]string{hosts}); (err == nil) != valid {
			t.Errorf("%s: %v, want valid %v", hosts, err, valid)
		}
	}
}
