package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/channels/api"
)

// httpClient is shared by the tests; the timeout bounds a request to a
// daemon that was just killed or whose database hangs.
var httpClient = &http.Client{Timeout: 10 * time.Second}

func itoa(n int) string { return strconv.Itoa(n) }

// event is an API-channel body.
type event struct {
	ID   string    `json:"id"`
	From eventFrom `json:"from"`
	Text string    `json:"text"`
	At   string    `json:"at,omitempty"`
}

type eventFrom struct {
	Name       string `json:"name,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
}

// messyPhones writes the same Russian mobile number the ways people do.
var messyPhones = []string{"+7 (912) %03d-%02d-%02d", "8 912 %03d %02d %02d", "7912%03d%02d%02d", "+7912-%03d-%02d%02d"}

// phone returns client n's number in one of the messy formats.
func phone(n, variant int) string {
	return fmt.Sprintf(messyPhones[variant%len(messyPhones)], n/10000%1000, n/100%100, n%100)
}

// hookAnswer is what POST /hooks/api/{channel} answered.
type hookAnswer struct {
	Status     int
	RetryAfter string
	Body       string
	Receipt    struct {
		ClientID  int64 `json:"client_id"`
		DialogID  int64 `json:"dialog_id"`
		MessageID int64 `json:"message_id"`
		Duplicate bool  `json:"duplicate"`
	}
}

// postEvent signs and posts ev. A transport error (the daemon is down)
// is returned as an error with no answer.
func postEvent(base string, ev event) (hookAnswer, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return hookAnswer{}, err
	}
	return postRaw(base, channelName, body, api.Sign(channelSecret, body))
}

// postRaw posts body to the channel's hook with the given signature header
// ("" leaves the header out).
func postRaw(base, channel string, body []byte, sig string) (hookAnswer, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/hooks/api/"+channel, bytes.NewReader(body))
	if err != nil {
		return hookAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(api.SignatureHeader, sig)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return hookAnswer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return hookAnswer{}, err
	}
	a := hookAnswer{Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After"), Body: string(b)}
	if a.Status/100 == 2 {
		if err := json.Unmarshal(b, &a.Receipt); err != nil {
			return a, fmt.Errorf("2xx with an unreadable receipt %q: %w", b, err)
		}
	}
	return a, nil
}

// agent calls the agent API with a bearer token.
type agent struct {
	base  string
	token string
}

// do sends a JSON request and decodes a JSON answer into out (when not
// nil), returning the status.
func (a agent) do(method, path string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("decode %s %s: %w", method, path, err)
		}
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	return resp.StatusCode, nil
}

// mustDo is do failing the test on anything but a 2xx.
func (a agent) mustDo(t *testing.T, method, path string, in, out any) {
	t.Helper()
	if _, err := a.do(method, path, in, out); err != nil {
		t.Fatal(err)
	}
}

// online sets the agent online so that new dialogs are offered to them.
func (a agent) online(t *testing.T) {
	t.Helper()
	a.mustDo(t, http.MethodPut, "/api/v1/me/presence", map[string]string{"presence": "online"}, nil)
}

// message is the part of an API message the tests read.
type message struct {
	ID         int64  `json:"id"`
	ExternalID string `json:"external_id"`
	Direction  string `json:"direction"`
	Status     string `json:"status"`
}

// reply answers a dialog and returns the stored outbound message.
func (a agent) reply(dialogID int64, text string) (message, error) {
	var out struct {
		Message message `json:"message"`
	}
	_, err := a.do(http.MethodPost, "/api/v1/dialogs/"+strconv.FormatInt(dialogID, 10)+"/messages", map[string]string{"text": text}, &out)
	return out.Message, err
}

// messages lists a dialog's newest messages.
func (a agent) messages(dialogID int64) ([]message, error) {
	var out struct {
		Messages []message `json:"messages"`
	}
	_, err := a.do(http.MethodGet, "/api/v1/dialogs/"+strconv.FormatInt(dialogID, 10)+"/messages", nil, &out)
	return out.Messages, err
}

// messageStatus returns the status of message id in a dialog.
func (a agent) messageStatus(dialogID, id int64) (string, error) {
	ms, err := a.messages(dialogID)
	if err != nil {
		return "", err
	}
	for _, m := range ms {
		if m.ID == id {
			return m.Status, nil
		}
	}
	return "", fmt.Errorf("message %d not in dialog %d", id, dialogID)
}
