package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the raw body>" in
// both directions.
const SignatureHeader = "X-Switchboard-Signature"

const sigPrefix = "sha256="

// Errors of VerifySignature.
var (
	errNoSignature  = errors.New("api: missing signature")
	errBadSignature = errors.New("api: signature does not match")
)

// Sign returns the header value for body signed with secret.
func Sign(secret string, body []byte) string {
	return sigPrefix + hex.EncodeToString(mac(secret, body))
}

// VerifySignature checks header against body in constant time.
func VerifySignature(secret string, body []byte, header string) error {
	if header == "" {
		return errNoSignature
	}
	hexSum, ok := strings.CutPrefix(header, sigPrefix)
	if !ok {
		return errBadSignature
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return errBadSignature
	}
	// hmac.Equal is constant-time for equal lengths and returns early only
	// on a length mismatch, which reveals nothing about the secret.
	if !hmac.Equal(got, mac(secret, body)) {
		return errBadSignature
	}
	return nil
}

func mac(secret string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(body)
	return h.Sum(nil)
}
