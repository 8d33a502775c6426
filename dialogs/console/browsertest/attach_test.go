package browsertest

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// composerChips is a JavaScript expression: the file names on the
// composer's attachment chips.
const composerChips = `[...document.querySelectorAll('[data-testid="composer-attachment"]')].map((c) => c.title)`

// TestComposerAttachment: the agent attaches two files in the composer
// (uploaded at once, shown as chips), removes one, and sends the reply.
// The reply reaches the API channel's callback, and the sent message in
// the conversation shows the kept file, which downloads with its content.
// The API channel's callback carries no files, so the file is checked on
// the console's side.
func TestComposerAttachment(t *testing.T) {
	h := startHub(t)
	anna := newBrowser(t).tab("anna", h.URL, false)
	anna.login("anna", "anna-password")

	h.post("attach-1", "Oleg Kuznetsov", "+79123456706", "Could you send me your price list?")
	id := anna.waitDialog("Oleg Kuznetsov")
	anna.open(id)
	anna.waitJS("the client's message", hasMessage("send me your price list", `[data-direction="in"]`))

	dir := t.TempDir()
	const content = "Price list 2026\nPaper A4: 300 RUB per box\n"
	price, extra := filepath.Join(dir, "price-list.txt"), filepath.Join(dir, "wrong-file.txt")
	if err := os.WriteFile(price, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(extra, []byte("not for the client"), 0o600); err != nil {
		t.Fatal(err)
	}
	anna.do("choose two files", chromedp.SetUploadFiles(chromedp.CSS(tid("composer-file")), []string{price, extra}))
	anna.waitJS("both files uploaded and shown", composerChips+`.sort().join() === 'price-list.txt,wrong-file.txt'`)
	anna.click(`[data-testid="composer-attachment"][title="wrong-file.txt"] [data-testid="composer-attachment-remove"]`)
	anna.waitJS("the wrong file removed", composerChips+`.join() === 'price-list.txt'`)

	const reply = "Here is our price list."
	anna.do("type the reply", chromedp.SendKeys(chromedp.CSS(tid("composer-text")), reply))
	anna.click(tid("composer-send"))
	got := h.reply(20 * time.Second)
	if got.Body.Text != reply || got.Body.DialogID != id || got.Body.MessageID == 0 {
		t.Fatalf("callback got %+v, want text %q in dialog %d", got.Body, reply, id)
	}

	sent := `[data-testid="message"][data-direction="out"][data-message-id="` + strconv.FormatInt(got.Body.MessageID, 10) + `"]`
	link := sent + ` [data-testid="attachment"]`
	anna.waitJS("the sent reply shows its one file",
		`document.querySelectorAll('`+link+`').length === 1 && document.querySelector('`+link+`').textContent.includes('price-list.txt')`)
	anna.waitJS("the reply marked sent", `!!document.querySelector('`+sent+`[data-status="sent"]')`)
	// The composer empties when the send's answer arrives, which may come
	// after the stream has shown the reply.
	anna.waitJS("the composer's attachments cleared", `document.querySelectorAll('[data-testid="composer-attachment"]').length === 0`)

	// The link downloads the uploaded bytes with the manager's session.
	eval[bool](anna, `(fetch(document.querySelector('`+link+`').href).then((r) => r.text()).then((s) => { window.__sbAttachment = s }), true)`)
	anna.waitJS("the file downloads", `window.__sbAttachment === `+js(content))
}

// TestCannedResponseWithFile: the agent keeps a price list on a canned
// response through the canned page; in a dialog "/price" inserts the
// response's text and attaches its file, and the reply goes out with it.
func TestCannedResponseWithFile(t *testing.T) {
	h := startHub(t)
	anna := newBrowser(t).tab("anna", h.URL, false)
	anna.login("anna", "anna-password")

	price := filepath.Join(t.TempDir(), "price-list.txt")
	if err := os.WriteFile(price, []byte("Price list 2026\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	anna.click(tid("nav-canned"))
	anna.do("fill in a canned response with a file",
		chromedp.WaitVisible(chromedp.CSS(tid("canned-form"))),
		chromedp.SendKeys(chromedp.CSS(tid("canned-title")), "Price list"),
		chromedp.SendKeys(chromedp.CSS(tid("canned-shortcut")), "price"),
		chromedp.SendKeys(chromedp.CSS(tid("canned-text")), "Our price list is attached, {{client.name}}."),
		chromedp.SetUploadFiles(chromedp.CSS(tid("canned-file")), []string{price}),
	)
	anna.waitJS("the file uploaded", `document.querySelector('[data-testid="canned-attachment"]')?.title === 'price-list.txt'`)
	anna.click(tid("canned-save"))
	anna.waitJS("the saved response lists its file", `!!document.querySelector('[data-testid="canned-row"] [data-testid="canned-row-files"]')`)

	// A knowledge-base snippet is kept and listed as such.
	anna.do("fill in a knowledge-base snippet",
		chromedp.SendKeys(chromedp.CSS(tid("canned-title")), "Payment terms"),
		chromedp.SetValue(chromedp.CSS(tid("canned-kind")), "snippet"),
		chromedp.SendKeys(chromedp.CSS(tid("canned-text")), "We accept bank transfer within 5 days."),
	)
	anna.click(tid("canned-save"))
	anna.waitJS("the snippet is listed as knowledge base", `[...document.querySelectorAll('[data-testid="canned-row"]')].some((r) => r.textContent.includes('Payment terms') && r.querySelector('[data-testid="canned-row-kind"]'))`)

	anna.click(tid("nav-inbox"))
	h.post("canned-1", "Irina Belova", "+79123456707", "What are your prices?")
	id := anna.waitDialog("Irina Belova")
	anna.open(id)
	anna.do("pick the response by its shortcut",
		chromedp.SendKeys(chromedp.CSS(tid("composer-text")), "/price"),
		chromedp.WaitVisible(chromedp.CSS(tid("canned-option"))),
		chromedp.SendKeys(chromedp.CSS(tid("composer-text")), kb.Enter),
	)
	// Trimmed: the protocol's Enter also types a newline after the
	// insertion, which sending trims anyway.
	const text = "Our price list is attached, Irina Belova."
	anna.waitJS("the text inserted and the file attached",
		`document.querySelector('[data-testid="composer-text"]').value.trim() === `+js(text)+` && `+composerChips+`.join() === 'price-list.txt'`)
	anna.click(tid("composer-send"))
	got := h.reply(20 * time.Second)
	if got.Body.Text != text || got.Body.DialogID != id {
		t.Fatalf("callback got %+v, want text %q in dialog %d", got.Body, text, id)
	}
	anna.waitJS("the sent reply shows the response's file",
		`document.querySelector('[data-testid="message"][data-message-id="`+strconv.FormatInt(got.Body.MessageID, 10)+`"] [data-testid="attachment"]')?.textContent.includes('price-list.txt')`)
}
