package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// uploaded posts content as an upload and returns the answer's file.
func (f *fixture) uploaded(who, filename, contentType, content string) upload {
	f.t.Helper()
	w := f.do(f.uploadRequest(who, "/api/v1/uploads", "file", filename, contentType, content))
	if w.Code != http.StatusCreated {
		f.t.Fatalf("upload %s: %d %s", filename, w.Code, w.Body.String())
	}
	var body struct{ Upload upload }
	decodeBody(f.t, w, &body)
	return body.Upload
}

func TestUploadStoresTheFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	doc := loadServedDoc(t)
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"

	req := f.uploadRequest("agent", "/api/v1/uploads", "file", `C:\Users\anna\Desktop\logo`+"\u202e"+`gnp.exe`, "", png)
	w := f.do(req)
	if w.Code != http.StatusCreated {
		t.Fatalf("upload: %d %s", w.Code, w.Body.String())
	}
	doc.checkResponse(t, req, w)
	var body struct{ Upload upload }
	decodeBody(t, w, &body)
	sum := sha256.Sum256([]byte(png))
	want := upload{Key: hex.EncodeToString(sum[:]), Filename: "logognp.exe", ContentType: "image/png", Size: int64(len(png))}
	if body.Upload != want {
		t.Fatalf("upload answered %+v, want %+v", body.Upload, want)
	}
	got, err := f.blobs.Get(context.Background(), want.Key)
	if err != nil || string(got) != png {
		t.Fatalf("blob %s holds %q (%v), want the upload", want.Key, got, err)
	}

	// A declared type is kept (normalized); application/octet-stream, what
	// browsers send for an unknown extension, is sniffed instead.
	if up := f.uploaded("agent", "offer.pdf", "Application/PDF", "%PDF-1.4 offer"); up.ContentType != "application/pdf" {
		t.Errorf("declared application/pdf stored as %q", up.ContentType)
	}
	if up := f.uploaded("agent", "notes", "application/octet-stream", "plain words"); up.ContentType != "text/plain; charset=utf-8" {
		t.Errorf("octet-stream text stored as %q", up.ContentType)
	}

	wantError(t, f.do(f.uploadRequest("agent", "/api/v1/uploads", "attachment", "a.txt", "", "x")), http.StatusBadRequest, CodeBadRequest)
	wantError(t, f.do(f.uploadRequest("agent", "/api/v1/uploads", "file", "empty.txt", "", "")), http.StatusBadRequest, CodeBadRequest)
}

func TestCleanFilename(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"price.xlsx":                      "price.xlsx",
		"/etc/passwd":                     "passwd",
		`C:\Users\anna\Прайс-лист.xlsx`:   "Прайс-лист.xlsx",
		"../../secret.txt":                "secret.txt",
		"bad\r\nContent-Type: x\x00.txt":  "badContent-Type: x.txt",
		"invoice\u202efdp.exe":            "invoicefdp.exe",
		"  spaced.txt  ":                  "spaced.txt",
		"":                                "file",
		"..":                              "file",
		"dir/":                            "dir",
		strings.Repeat("я", 200) + ".txt": strings.Repeat("я", 127),
	} {
		if got := cleanFilename(in); got != want {
			t.Errorf("cleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUploadLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	f.srv.maxUpload = 16
	f.uploaded("agent", "exact.txt", "text/plain", strings.Repeat("x", 16))
	wantError(t, f.do(f.uploadRequest("agent", "/api/v1/uploads", "file", "over.txt", "text/plain", strings.Repeat("x", 17))),
		http.StatusRequestEntityTooLarge, CodeTooLarge)
	// A body far past the limit is cut off by the body limit while the
	// envelope is still being read.
	wantError(t, f.do(f.uploadRequest("agent", "/api/v1/uploads", "note", "", "", strings.Repeat("x", 2*uploadOverhead))),
		http.StatusRequestEntityTooLarge, CodeTooLarge)
}

func TestUploadNeedsCSRFWithCookie(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	cookies, csrf := f.login("agent")
	send := func(token string) int {
		r := f.uploadRequest("anon", "/api/v1/uploads", "file", "a.txt", "text/plain", "hello")
		for _, c := range cookies {
			r.AddCookie(c)
		}
		if token != "" {
			r.Header.Set("X-CSRF-Token", token)
		}
		w := f.do(r)
		if w.Code >= 400 {
			checkErrorBody(t, w)
		}
		return w.Code
	}
	if code := send(""); code != http.StatusForbidden {
		t.Fatalf("cookie upload without the CSRF header: %d, want 403", code)
	}
	if code := send("forged"); code != http.StatusForbidden {
		t.Fatalf("cookie upload with a wrong CSRF header: %d, want 403", code)
	}
	if code := send(csrf); code != http.StatusCreated {
		t.Fatalf("cookie upload with the CSRF header: %d, want 201", code)
	}
	wantError(t, f.do(f.uploadRequest("anon", "/api/v1/uploads", "file", "a.txt", "text/plain", "hello")), http.StatusUnauthorized, CodeUnauthorized)
}

func TestReplyWithAttachments(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	doc := loadServedDoc(t)
	ctx := context.Background()
	up := f.uploaded("agent", "price.txt", "", priceList)

	body := fmt.Sprintf(`{"text":"Our price list is attached.","attachments":[{"key":%q,"filename":"Прайс 2026.txt","content_type":""}]}`, up.Key)
	req := f.request("agent", http.MethodPost, "/api/v1/dialogs/{mine}/messages", body)
	w := f.do(req)
	if w.Code != http.StatusCreated {
		t.Fatalf("reply: %d %s", w.Code, w.Body.String())
	}
	doc.checkResponse(t, req, w)
	var replied struct{ Message storage.Message }
	decodeBody(t, w, &replied)
	if len(replied.Message.Attachments) != 1 {
		t.Fatalf("reply answered with attachments %+v", replied.Message.Attachments)
	}
	att := replied.Message.Attachments[0]
	if att.ID == 0 || att.Filename != "Прайс 2026.txt" || att.ContentType != "text/plain; charset=utf-8" || att.Size != int64(len(priceList)) {
		t.Fatalf("reply's attachment %+v", att)
	}

	// The dialog's history shows it, and it downloads.
	req = f.request("agent", http.MethodGet, "/api/v1/dialogs/{mine}/messages", "")
	w = f.do(req)
	doc.checkResponse(t, req, w)
	var list struct{ Messages []storage.Message }
	decodeBody(t, w, &list)
	if len(list.Messages) == 0 || list.Messages[0].ID != replied.Message.ID || len(list.Messages[0].Attachments) != 1 ||
		list.Messages[0].Attachments[0].ID != att.ID {
		t.Fatalf("history's newest message %+v, want the reply with its attachment", list.Messages[0])
	}
	w = f.do(f.request("agent", http.MethodGet, fmt.Sprintf("/api/v1/attachments/%d", att.ID), ""))
	if w.Code != http.StatusOK || w.Body.String() != priceList || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("download: %d %s %q", w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
	if w := f.do(f.request("agent2", http.MethodGet, fmt.Sprintf("/api/v1/attachments/%d", att.ID), "")); w.Code != http.StatusNotFound {
		t.Fatalf("another agent downloads the reply's file: %d", w.Code)
	}

	// The outbox row names the file by key for the sender to load.
	items, err := f.store.ClaimOutbox(ctx, time.Now().Add(time.Hour), time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out channels.OutboundMessage
	for _, it := range items {
		if it.MessageID == replied.Message.ID {
			if err := json.Unmarshal(it.Payload, &out); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(out.Attachments) != 1 || out.Attachments[0].Filename != "Прайс 2026.txt" || out.Meta["attachment.0"] != up.Key {
		t.Fatalf("outbound payload %+v", out)
	}

	wantError(t, f.do(f.request("agent", http.MethodPost, "/api/v1/dialogs/{mine}/messages",
		`{"text":"x","attachments":[{"key":"`+unknownKey+`"}]}`)), http.StatusBadRequest, CodeBadRequest)
	eleven := strings.TrimSuffix(strings.Repeat(`{"key":"`+up.Key+`"},`, maxAttachments+1), ",")
	wantError(t, f.do(f.request("agent", http.MethodPost, "/api/v1/dialogs/{mine}/messages",
		`{"text":"x","attachments":[`+eleven+`]}`)), http.StatusBadRequest, CodeBadRequest)
}

func TestCannedAttachmentsThroughTheAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	doc := loadServedDoc(t)
	offer := f.uploaded("agent", "offer.pdf", "application/pdf", "%PDF-1.4 commercial offer")

	req := f.request("agent", http.MethodPost, "/api/v1/canned", fmt.Sprintf(
		`{"title":"Commercial offer","text":"Please find our offer attached.","attachments":[{"key":%q,"filename":"offer.pdf","content_type":"application/pdf"}]}`, offer.Key))
	w := f.do(req)
	if w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body.String())
	}
	doc.checkResponse(t, req, w)
	var created struct{ Canned storage.Canned }
	decodeBody(t, w, &created)
	want := []storage.CannedAttachment{{Key: offer.Key, Filename: "offer.pdf", ContentType: "application/pdf", Size: offer.Size}}
	if fmt.Sprint(created.Canned.Attachments) != fmt.Sprint(want) {
		t.Fatalf("created with %+v, want %+v", created.Canned.Attachments, want)
	}

	list := func() []storage.CannedAttachment {
		req := f.request("agent", http.MethodGet, "/api/v1/canned", "")
		w := f.do(req)
		doc.checkResponse(t, req, w)
		var body struct{ Canned []storage.Canned }
		decodeBody(t, w, &body)
		for _, c := range body.Canned {
			if c.ID == created.Canned.ID {
				return c.Attachments
			}
		}
		t.Fatalf("the new response is not listed: %s", w.Body.String())
		return nil
	}
	if got := list(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("listed with %+v, want %+v", got, want)
	}

	// An edit without attachments keeps them; an empty list drops them.
	path := fmt.Sprintf("/api/v1/canned/%d", created.Canned.ID)
	if w := f.do(f.request("agent", http.MethodPut, path, `{"title":"Offer"}`)); w.Code != http.StatusOK {
		t.Fatalf("rename: %d %s", w.Code, w.Body.String())
	}
	if got := list(); len(got) != 1 {
		t.Fatalf("a rename dropped the files: %+v", got)
	}
	if w := f.do(f.request("agent", http.MethodPut, path, `{"attachments":[]}`)); w.Code != http.StatusOK {
		t.Fatalf("drop files: %d %s", w.Code, w.Body.String())
	}
	if got := list(); len(got) != 0 {
		t.Fatalf("files left after dropping them: %+v", got)
	}
}
