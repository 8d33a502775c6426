package console

import (
	"path"
	"regexp"
)

// importRe finds static import specifiers: `from "./x.js"` and `import "./x.js"`.
var importRe = regexp.MustCompile(`(?m)(?:from|^import)\s+["']([^"']+)["']`)

func importSpecifiers(src string) []string {
	var out []string
	for _, m := range importRe.FindAllStringSubmatch(src, -1) {
		out = append(out, m[1])
	}
	return out
}

// resolve turns a relative specifier into an asset path.
func resolve(from, spec string) string {
	if path.IsAbs(spec) {
		return path.Clean(spec)
	}
	return path.Join(path.Dir(from), spec)
}
