package identity

// phoneCacheSize is how many recent phone inputs a Normalizer remembers per
// generation. Parsing a phone costs tens of microseconds (phonenumbers'
// patterns), and a returning client sends the same string every time.
const phoneCacheSize = 8192

// phoneResult is one remembered Phone answer.
type phoneResult struct {
	out string
	err error
}
