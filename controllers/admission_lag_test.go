package controllers

import (
	"errors"
	"os"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestOperatorScopeDenialMatchesThePolicy(t *testing.T) {
	for _, file := range []string{"../config/admission/operator-scope.yaml", "../charts/rathaus/templates/admission-operator-scope.yaml"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), operatorScopeDenial) {
			t.Errorf("%s no longer says %q: the operator would not recognise its refusal", file, operatorScopeDenial)
		}
	}
}

func TestDeniedForUnlabelledNamespace(t *testing.T) {
	gr := schema.GroupResource{Resource: "secrets"}
	cases := map[string]struct {
		err  error
		want bool
	}{
		"the policy's refusal": {apierrors.NewForbidden(gr, "x", errors.New("ValidatingAdmissionPolicy 'rathaus-operator-scope' with binding 'rathaus-operator-scope' denied request: "+operatorScopeDenial+" (labelled rathaus.io/workspace); kiel is not one")), true},
		"another refusal":      {apierrors.NewForbidden(gr, "x", errors.New("quota exceeded")), false},
		"not a refusal":        {errors.New(operatorScopeDenial), false},
		"no error":             {nil, false},
	}
	for name, tc := range cases {
		if got := deniedForUnlabelledNamespace(tc.err); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}
