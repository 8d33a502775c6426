package daemon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"testing"

	"github.com/emersion/go-message/mail"

	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/storage"
)

// attachmentRef is a file as the API lists and accepts it.
type attachmentRef struct {
	Key         string `json:"key"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// upload posts content to /api/v1/uploads as the console does and returns
// the stored file.
func (a *agent) upload(filename, contentType string, content []byte) attachmentRef {
	a.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "file", "filename": filename}))
	h.Set("Content-Type", contentType)
	pw, err := mw.CreatePart(h)
	if err != nil {
		a.t.Fatal(err)
	}
	_, _ = pw.Write(content)
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, a.base+"/api/v1/uploads", &body)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set(auth.CSRFHeader, a.csrf)
	resp, err := a.c.Do(req)
	if err != nil {
		a.t.Fatalf("upload: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		a.t.Fatalf("upload %s: %d %s", filename, resp.StatusCode, raw)
	}
	var out struct {
		Upload attachmentRef `json:"upload"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		a.t.Fatalf("upload answer %s: %v", raw, err)
	}
	return out.Upload
}

// letterAttachment is one attachment part of a sent letter.
type letterAttachment struct {
	filename, contentType string
	content               []byte
}

// letterParts reads a sent letter's text and attachments.
func letterParts(t *testing.T, raw []byte) (text string, atts []letterAttachment) {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read sent letter: %v", err)
	}
	defer r.Close()
	for {
		p, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			return text, atts
		}
		if err != nil {
			t.Fatalf("read sent letter's parts: %v", err)
		}
		body, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatal(err)
		}
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				text = string(body)
			}
		case *mail.AttachmentHeader:
			name, _ := h.Filename()
			ct, _, _ := h.ContentType()
			atts = append(atts, letterAttachment{filename: name, contentType: ct, content: body})
		}
	}
}

// TestEmailReplyFromCannedWithAttachment: a manager keeps the price list
// on a canned response, answers a letter starting from that response, and
// the client receives a letter with the price list attached, byte for
// byte, under its name.
func TestEmailReplyFromCannedWithAttachment(t *testing.T) {
	t.Parallel()
	h := newEmailHub(t)
	h.start()
	petrov := h.login("petrov")
	petrov.online()
	// Only petrov is online, so the letter's dialog is his.
	h.dc.Deliver(t, "sales", "INBOX",
		letter(person("Ольга Смирнова", "olga@zavod.ru"), "sales@example.com", "Прайс-лист", "price-1@zavod.ru", "Пришлите, пожалуйста, прайс-лист."))
	_, dlg := h.stored("email:sales", "price-1@zavod.ru")
	if dlg.AssigneeID != h.managers["petrov"].ID {
		t.Fatalf("dialog %d assigned to %d, want petrov", dlg.ID, dlg.AssigneeID)
	}

	// The price list is uploaded once and kept on a canned response.
	priceList := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("Бумага A4 — 300 ₽\n"), 200)...)
	up := petrov.upload("Прайс-лист 2026.pdf", "application/pdf", priceList)
	var created struct {
		Canned storage.Canned `json:"canned"`
	}
	petrov.do(http.MethodPost, "/api/v1/canned", map[string]any{
		"title": "Прайс-лист", "shortcut": "price", "text": "Добрый день! Прайс-лист во вложении.",
		"attachments": []attachmentRef{up},
	}, http.StatusCreated, &created)

	// The console lists the response and sends its text and files back.
	var list struct {
		Canned []storage.Canned `json:"canned"`
	}
	petrov.do(http.MethodGet, "/api/v1/canned", nil, http.StatusOK, &list)
	var tpl storage.Canned
	for _, c := range list.Canned {
		if c.ID == created.Canned.ID {
			tpl = c
		}
	}
	if len(tpl.Attachments) != 1 || tpl.Attachments[0].Key != up.Key || tpl.Attachments[0].Size != int64(len(priceList)) {
		t.Fatalf("canned response listed with attachments %+v", tpl.Attachments)
	}
	var replied struct {
		Message storage.Message `json:"message"`
	}
	petrov.do(http.MethodPost, fmt.Sprintf("/api/v1/dialogs/%d/messages", dlg.ID),
		map[string]any{"text": tpl.Body, "attachments": tpl.Attachments}, http.StatusCreated, &replied)

	sent := h.sink.Wait(t, 1, waitFor)
	if len(sent) != 1 || len(sent[0].To) != 1 || sent[0].To[0] != "olga@zavod.ru" {
		t.Fatalf("sink got %+v, want one letter to olga@zavod.ru", sent)
	}
	text, atts := letterParts(t, sent[0].Raw)
	if !bytes.Contains([]byte(text), []byte("Прайс-лист во вложении")) {
		t.Errorf("letter text %q", text)
	}
	if len(atts) != 1 {
		t.Fatalf("letter has %d attachments, want 1", len(atts))
	}
	if a := atts[0]; a.filename != "Прайс-лист 2026.pdf" || a.contentType != "application/pdf" || !bytes.Equal(a.content, priceList) {
		t.Fatalf("attachment %q %s (%d bytes), want the price list (%d bytes)", a.filename, a.contentType, len(a.content), len(priceList))
	}

	// The reply in the dialog's history shows the file, which downloads.
	var msgs struct {
		Messages []storage.Message `json:"messages"`
	}
	petrov.do(http.MethodGet, fmt.Sprintf("/api/v1/dialogs/%d/messages", dlg.ID), nil, http.StatusOK, &msgs)
	if len(msgs.Messages) == 0 || msgs.Messages[0].ID != replied.Message.ID || len(msgs.Messages[0].Attachments) != 1 {
		t.Fatalf("newest message %+v, want the reply with its attachment", msgs.Messages)
	}
	code, ct, body := petrov.get(fmt.Sprintf("/api/v1/attachments/%d", msgs.Messages[0].Attachments[0].ID))
	if code != http.StatusOK || ct != "application/pdf" || !bytes.Equal(body, priceList) {
		t.Fatalf("download: %d %s (%d bytes)", code, ct, len(body))
	}
}
