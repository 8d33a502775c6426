package event

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestEveryTypeDocumented keeps docs/EVENTS.md in step with the constants:
// each event type declared here must have a row in its table.
func TestEveryTypeDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/EVENTS.md")
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "event.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || len(vs.Values) != 1 || strings.HasPrefix(vs.Names[0].Name, "Reset") {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		typ, _ := strconv.Unquote(lit.Value)
		n++
		if !strings.Contains(string(doc), "| `"+typ+"` |") {
			t.Errorf("%s (%q) has no row in docs/EVENTS.md", vs.Names[0].Name, typ)
		}
		return true
	})
	if n < 25 {
		t.Fatalf("found only %d event types in event.go", n)
	}
}
