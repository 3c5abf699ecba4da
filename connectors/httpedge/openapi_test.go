package httpedge

import "testing"

// What a surface's operations share is given to each that does not say
// otherwise, and a path's shared parameters are not taken for one.
func TestCommonApply(t *testing.T) {
	id := []any{PathParam("id", "", Obj{"type": "string"})}
	paths := Obj{"/x/{id}": Obj{"parameters": id,
		"get":  Obj{"responses": Obj{"200": Answer("ok", nil)}},
		"post": Obj{"security": Security(), "responses": Obj{"200": Answer("ok", nil), "429": Fail("its own")}, "tags": []any{"own"}},
	}}
	schemes, sec := CredentialSchemes("b", "k", "a key")
	Common{Tag: "x", Security: sec, Responses: Refused(Doctor)}.Apply(paths)
	Common{Responses: Obj{"429": Fail("shared")}}.Apply(paths)
	item := paths["/x/{id}"].(Obj)
	get, post := item["get"].(Obj), item["post"].(Obj)
	if len(get["security"].([]any)) != 2 || len(schemes) != 2 || get["tags"].([]any)[0] != "x" || get["responses"].(Obj)["401"] == nil {
		t.Errorf("get: %v", get)
	}
	if len(post["security"].([]any)) != 0 || post["tags"].([]any)[0] != "own" || post["responses"].(Obj)["429"].(Obj)["description"] != "its own" {
		t.Errorf("post: %v", post)
	}
	if len(item["parameters"].([]any)) != 1 {
		t.Errorf("parameters: %v", item["parameters"])
	}
}
