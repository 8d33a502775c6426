package browsertest

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// hasMessage is a JavaScript condition: a message in the open conversation
// contains text and matches the extra attribute selector attrs.
func hasMessage(text, attrs string) string {
	return `[...document.querySelectorAll('[data-testid="messages"] [data-testid="message"]` + attrs + `')]` +
		`.some((m) => m.textContent.includes(` + js(text) + `))`
}

// dialogNamed is a JavaScript expression: the id of the first listed dialog
// whose item shows name, or 0.
func dialogNamed(name string) string {
	return `Number([...document.querySelectorAll('[data-testid="dialog-item"]')]` +
		`.find((d) => d.textContent.includes(` + js(name) + `))?.dataset.dialogId || 0)`
}

// waitDialog waits for a dialog showing name in the list and returns its id.
func (tb *tab) waitDialog(name string) int64 {
	tb.t.Helper()
	tb.waitJS("dialog of "+name+" in the list", dialogNamed(name)+` > 0`)
	return eval[int64](tb, dialogNamed(name))
}

// open clicks a dialog in the list and waits for its conversation.
func (tb *tab) open(id int64) {
	tb.t.Helper()
	tb.click(item(id))
	tb.do("open dialog "+strconv.FormatInt(id, 10),
		chromedp.WaitVisible(chromedp.CSS(item(id)+`[aria-current="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(tid("composer-text"))),
	)
}

// markPage leaves a flag on the page's window: it survives only as long as
// the page is not reloaded.
func (tb *tab) markPage() {
	tb.t.Helper()
	eval[bool](tb, `window.__sbNoReload = true`)
}

func (tb *tab) assertNotReloaded() {
	tb.t.Helper()
	if !eval[bool](tb, `window.__sbNoReload === true`) {
		tb.t.Fatalf("%s: the page was reloaded", tb.name)
	}
}

// TestLiveDialogAndReply: a client message posted to the API channel shows
// up in the agent's list and conversation without a reload; the agent's
// reply goes out through the outbox to the channel's callback, and its
// status turns to sent in the console.
func TestLiveDialogAndReply(t *testing.T) {
	h := startHub(t)
	anna := newBrowser(t).tab("anna", h.URL, false)
	anna.login("anna", "anna-password")
	anna.markPage()

	h.post("order-1", "Ivan Petrov", "+79123456701", "Hello, where is my order 1042?")
	id := anna.waitDialog("Ivan Petrov")
	anna.open(id)
	anna.waitJS("the client's message in the conversation", hasMessage("where is my order 1042?", `[data-direction="in"]`))

	// A second message while the conversation is open arrives live too.
	h.post("order-2", "Ivan Petrov", "+79123456701", "It was due yesterday.")
	anna.waitJS("the second message live", hasMessage("It was due yesterday.", `[data-direction="in"]`))

	const reply = "Your order ships today, tracking follows."
	anna.do("type the reply", chromedp.SendKeys(chromedp.CSS(tid("composer-text")), reply))
	anna.click(tid("composer-send"))
	got := h.reply(20 * time.Second)
	if got.Body.Text != reply || got.Body.DialogID != id || got.Body.MessageID == 0 {
		t.Fatalf("callback got %+v, want text %q in dialog %d", got.Body, reply, id)
	}
	anna.waitJS("the reply shown as sent",
		hasMessage(reply, `[data-direction="out"][data-message-id="`+strconv.FormatInt(got.Body.MessageID, 10)+`"][data-status="sent"]`))
	// The composer empties when the send's answer arrives, which may come
	// after the stream has shown the reply.
	anna.waitJS("the composer emptied", `document.querySelector('[data-testid="composer-text"]').value === ''`)
	anna.assertNotReloaded()
}

// TestTransferCloseReopen: an agent transfers a dialog to a colleague
// through the transfer dialog; it leaves her list and arrives in his (a
// second browser context, as on another machine), live; he closes it and
// reopens it.
func TestTransferCloseReopen(t *testing.T) {
	h := startHub(t)
	b := newBrowser(t)
	anna := b.tab("anna", h.URL, false)
	anna.login("anna", "anna-password")

	// Posted before Boris is online, so it can only go to Anna.
	h.post("transfer-1", "Olga Sidorova", "+79123456702", "Please call me back about the invoice.")
	id := anna.waitDialog("Olga Sidorova")

	boris := b.tab("boris", h.URL, true)
	boris.login("boris", "boris-password")
	boris.markPage()
	if n := eval[int](boris, `document.querySelectorAll('`+item(id)+`').length`); n != 0 {
		t.Fatalf("boris lists dialog %d before the transfer", id)
	}

	anna.open(id)
	anna.click(tid("transfer-button"))
	anna.click(tid("transfer-kind-manager"))
	anna.do("transfer dialog lists boris",
		chromedp.WaitVisible(chromedp.CSS(tid("transfer-dialog"))),
		chromedp.WaitReady(chromedp.CSS(tid("transfer-manager")+` option[value="`+h.managerID("boris")+`"]`)),
	)
	eval[string](anna, `(() => { const s = document.querySelector('[data-testid="transfer-manager"]'); s.value = `+js(h.managerID("boris"))+`; return s.value })()`)
	anna.click(tid("transfer-submit"))
	anna.do("the dialog leaves anna's list",
		chromedp.WaitNotPresent(chromedp.CSS(tid("transfer-dialog"))),
		chromedp.WaitNotPresent(chromedp.CSS(`[data-testid="dialog-list"] `+item(id))),
	)

	boris.do("the dialog arrives", chromedp.WaitVisible(chromedp.CSS(item(id))))
	boris.assertNotReloaded()
	boris.open(id)
	boris.waitJS("history came along", hasMessage("call me back about the invoice", `[data-direction="in"]`))

	boris.click(tid("close-button"))
	boris.do("closed", chromedp.WaitVisible(chromedp.CSS(tid("reopen-button"))))
	boris.waitJS("status closed", `document.querySelector('[data-testid="dialog-status"]').classList.contains('chip-closed')`)

	boris.click(tid("reopen-button"))
	boris.do("reopened", chromedp.WaitVisible(chromedp.CSS(tid("close-button"))))
	boris.waitJS("status no longer closed", `!document.querySelector('[data-testid="dialog-status"]').classList.contains('chip-closed')`)
	boris.waitJS("reopened dialog back in his list", `!!document.querySelector('[data-testid="dialog-list"] `+item(id)+`')`)
}

// TestSupervisorLoadLive: the supervisor page shows an agent's load going
// up when a new dialog is assigned to her, without a reload.
func TestSupervisorLoadLive(t *testing.T) {
	h := startHub(t)
	b := newBrowser(t)
	// Anna's console being connected is what makes her online.
	anna := b.tab("anna", h.URL, false)
	anna.login("anna", "anna-password")

	sveta := b.tab("sveta", h.URL, true)
	sveta.login("sveta", "sveta-password")
	row := `[data-testid="supervisor-manager"][data-manager-id="` + h.managerID("anna") + `"]`
	sveta.click(tid("nav-supervisor"))
	sveta.do("open the supervisor page",
		chromedp.WaitVisible(chromedp.CSS(tid("supervisor-page"))),
		chromedp.WaitVisible(chromedp.CSS(row)),
	)
	load := `document.querySelector('` + row + ` .loadbar-text')?.textContent`
	sveta.waitJS("anna online with no load", load+` === '0 / 5' && !!document.querySelector('`+row+` [data-presence="online"]')`)
	sveta.markPage()

	h.post("load-1", "Pavel Orlov", "+79123456703", "Do you deliver to Kazan?")
	anna.waitDialog("Pavel Orlov")
	sveta.waitJS("anna's load goes to 1", load+` === '1 / 5'`)

	h.post("load-2", "Nina Volkova", "+79123456704", "Is there a discount for schools?")
	anna.waitDialog("Nina Volkova")
	sveta.waitJS("anna's load goes to 2", load+` === '2 / 5'`)
	sveta.assertNotReloaded()
}

// TestReconnectAfterRestart: the daemon stops mid-conversation. The console
// shows that it is reconnecting and keeps the half-typed reply; a message
// written while the daemon was down (by another replica, here straight into
// the store) appears once the console is back, without a reload.
func TestReconnectAfterRestart(t *testing.T) {
	h := startHub(t)
	anna := newBrowser(t).tab("anna", h.URL, false)
	anna.login("anna", "anna-password")
	anna.markPage()

	h.post("restart-1", "Egor Lebedev", "+79123456705", "My card was charged twice.")
	id := anna.waitDialog("Egor Lebedev")
	anna.open(id)
	anna.waitJS("first message", hasMessage("charged twice", `[data-direction="in"]`))

	const draft = "Let me check the payment log"
	anna.do("type a draft", chromedp.SendKeys(chromedp.CSS(tid("composer-text")), draft))

	h.stop()
	anna.do("reconnecting banner shown", chromedp.WaitVisible(chromedp.CSS(tid("reconnect-banner"))))
	if got := h.ingestOffline("restart-2", "Egor Lebedev", "+79123456705", "Any news? Still two charges."); got != id {
		t.Fatalf("message while down went to dialog %d, want %d", got, id)
	}
	h.start()

	anna.waitLive()
	anna.do("banner gone", chromedp.WaitNotPresent(chromedp.CSS(tid("reconnect-banner"))))
	anna.waitJS("message written while down appears", hasMessage("Still two charges.", `[data-direction="in"]`))
	if v := eval[string](anna, `document.querySelector('[data-testid="composer-text"]').value`); v != draft {
		t.Fatalf("draft after reconnect = %q, want %q", v, draft)
	}
	anna.assertNotReloaded()

	// And the console works on: a reply still reaches the channel.
	anna.click(tid("composer-send"))
	if got := h.reply(20 * time.Second); got.Body.Text != draft {
		t.Fatalf("callback got %q, want the draft %q", got.Body.Text, draft)
	}
}

// TestLanguageSwitch: the console starts in Russian and the switch turns the
// visible labels to English, and the choice survives a reload.
func TestLanguageSwitch(t *testing.T) {
	h := startHub(t)
	anna := newBrowser(t).tab("anna", h.URL, false)
	anna.login("anna", "anna-password")

	if got := anna.text(tid("nav-inbox")); got != "Диалоги" {
		t.Fatalf("inbox link = %q, want Russian by default", got)
	}
	ruMine := anna.text(tid("tab-mine"))
	anna.do("switch to English",
		chromedp.SetValue(chromedp.CSS(tid("lang-switch")), "en"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="lang-switch"]').dispatchEvent(new Event('change', { bubbles: true }))`),
	)
	anna.waitJS("labels in English", `document.querySelector('[data-testid="nav-inbox"]')?.textContent.trim() === 'Dialogs'`)
	if enMine := anna.text(tid("tab-mine")); enMine == ruMine {
		t.Errorf("the 'mine' tab still reads %q", enMine)
	}
	if lang := eval[string](anna, `document.documentElement.lang`); lang != "en" {
		t.Errorf("<html lang> = %q, want en", lang)
	}
	anna.waitLive()

	anna.do("reload", chromedp.Reload())
	anna.waitJS("English after reload", `document.querySelector('[data-testid="nav-inbox"]')?.textContent.trim() === 'Dialogs'`)
}
