// Package buildid names the operator's build. What the operator records for a later run of
// itself to trust (status.settledDigest) holds the build's name, so that an operator upgraded
// to code that renders differently never trusts what the old code settled.
package buildid

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"sync"
)

// Executable is the digest of the running executable, read once; "" when it cannot be read,
// and then nothing is trusted across restarts. Its content, unlike a version string, tells
// apart two builds of one version and a developer's rebuild.
var Executable = sync.OnceValue(func() string {
	path, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer func() { _ = f.Close() }()
	id, err := Of(f)
	if err != nil {
		return ""
	}
	return id
})

// Of is the digest of a build's content.
func Of(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}
