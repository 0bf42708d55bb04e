package main

import (
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"
)

func TestRenderListsEveryFieldWithItsRules(t *testing.T) {
	crd := &apiextensionsv1.CustomResourceDefinition{Spec: apiextensionsv1.CustomResourceDefinitionSpec{
		Group: "example.eu", Scope: apiextensionsv1.NamespaceScoped,
		Names: apiextensionsv1.CustomResourceDefinitionNames{Kind: "Town", Plural: "towns", ShortNames: []string{"tw"}},
		Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{Name: "v1", Served: true, Schema: &apiextensionsv1.CustomResourceValidation{
			OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
				"spec": {Type: "object", Required: []string{"name"}, Properties: map[string]apiextensionsv1.JSONSchemaProps{
					"size": {Type: "string", Description: "Size of | the town.", Default: &apiextensionsv1.JSON{Raw: []byte(`"S"`)},
						Enum: []apiextensionsv1.JSON{{Raw: []byte(`"S"`)}, {Raw: []byte(`"L"`)}}},
					"name": {Type: "string", MaxLength: ptr.To[int64](63),
						XValidations: apiextensionsv1.ValidationRules{{Rule: "self == oldSelf", Message: "name is immutable"}}},
					"hosts": {Type: "array", Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &apiextensionsv1.JSONSchemaProps{
						Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{"fqdn": {Type: "string"}},
					}}},
				}},
			}},
		}}},
	}}
	got := Render(crd)
	for _, want := range []string{
		"short names `tw`",
		"| `spec.hosts` | []object |",
		"| `spec.hosts[].fqdn` | string |",
		"| `spec.name` | string | yes |  | max length 63; CEL `self == oldSelf`: name is immutable |",
		"| `spec.size` | string |  | `\"S\"` | one of \"S\", \"L\" | Size of \\| the town. |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("reference lacks %q:\n%s", want, got)
		}
	}
	if strings.Index(got, "`spec.hosts`") > strings.Index(got, "`spec.name`") {
		t.Error("fields are not sorted by path")
	}
}
