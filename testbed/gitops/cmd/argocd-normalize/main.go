// Command argocd-normalize removes from a Kubernetes object what an Argo CD Application's spec.ignoreDifferences
// ignores, the way Argo CD's diff normalizer does (argo-cd util/argo/normalizers/diff_normalizer.go): for every entry
// matching the object's group, kind (and name and namespace when set), first each JSON pointer is removed (a missing
// one is skipped), then each jqPathExpression runs as `del(EXPRESSION)` with gojq, the jq implementation Argo CD uses,
// in the order listed. Stdin: {"ignoreDifferences": [...], "object": {...}}; stdout: the normalized object as JSON.
// A jq error (a parse error, or a path expression gojq refuses) exits 1 with the error, as Argo CD would report it.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/itchyny/gojq"
)

type ignore struct {
	Group             string   `json:"group"`
	Kind              string   `json:"kind"`
	Name              string   `json:"name"`
	Namespace         string   `json:"namespace"`
	JSONPointers      []string `json:"jsonPointers"`
	JQPathExpressions []string `json:"jqPathExpressions"`
}

type input struct {
	IgnoreDifferences []ignore       `json:"ignoreDifferences"`
	Object            map[string]any `json:"object"`
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(code)
}

func str(m map[string]any, keys ...string) string {
	var v any = m
	for _, k := range keys {
		next, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = next[k]
	}
	s, _ := v.(string)
	return s
}

// removePointer deletes the member a JSON pointer (RFC 6901) names from maps; a missing path is left alone.
func removePointer(obj map[string]any, pointer string) {
	tokens := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	cur := obj
	for i, t := range tokens {
		t = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		if i == len(tokens)-1 {
			delete(cur, t)
			return
		}
		next, ok := cur[t].(map[string]any)
		if !ok {
			return
		}
		cur = next
	}
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail(2, "reading input: %v", err)
	}
	obj := in.Object
	group := strings.Split(str(obj, "apiVersion"), "/")[0]
	if !strings.Contains(str(obj, "apiVersion"), "/") {
		group = ""
	}
	for _, ig := range in.IgnoreDifferences {
		if ig.Group != group || ig.Kind != str(obj, "kind") || (ig.Name != "" && ig.Name != str(obj, "metadata", "name")) ||
			(ig.Namespace != "" && ig.Namespace != str(obj, "metadata", "namespace")) {
			continue
		}
		for _, p := range ig.JSONPointers {
			removePointer(obj, p)
		}
		for _, expr := range ig.JQPathExpressions {
			query, err := gojq.Parse(fmt.Sprintf("del(%s)", expr))
			if err != nil {
				fail(1, "jqPathExpression %q: %v", expr, err)
			}
			code, err := gojq.Compile(query)
			if err != nil {
				fail(1, "jqPathExpression %q: %v", expr, err)
			}
			out, ok := code.Run(obj).Next()
			if !ok {
				fail(1, "jqPathExpression %q: no result", expr)
			}
			if err, isErr := out.(error); isErr {
				fail(1, "jqPathExpression %q: %v", expr, err)
			}
			obj, ok = out.(map[string]any)
			if !ok {
				fail(1, "jqPathExpression %q: the result is not an object", expr)
			}
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(obj); err != nil {
		fail(2, "writing output: %v", err)
	}
}
