package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/storage"
)

// DefaultMaxUploadBytes caps one uploaded file unless Options say
// otherwise: the usual limit of mail servers, which most replies with
// files go through.
const DefaultMaxUploadBytes = 25 << 20

// uploadOverhead is room for the multipart envelope (boundaries, part
// headers, other small fields) around the file, so a file of exactly the
// limit is accepted and the body limit still stops a huge request early.
const uploadOverhead = 64 << 10

// maxAttachments caps the files of one reply or canned response.
const maxAttachments = 10

// maxFilename caps a file name in bytes, the common file system limit.
const maxFilename = 255

// upload is a stored file as the uploads endpoint answers it: what a
// client sends back to attach it.
type upload struct {
	Key         string `json:"key"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// upload stores the multipart field "file" in the blob store. The file is
// attached to nothing yet: a reply or a canned response names it by key.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
	if s.blobs == nil {
		return &apiError{http.StatusServiceUnavailable, CodeUnavailable, "file storage is not configured"}
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.maxUpload+uploadOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		return errBadRequest("send multipart/form-data with the file in the field \"file\"")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return errBadRequest("the form has no field \"file\"")
		}
		if err != nil {
			return multipartError(err)
		}
		if part.FormName() != "file" {
			// Skipped, not refused: a form may carry other fields, and
			// the body limit bounds what is read here.
			if _, err := io.Copy(io.Discard, part); err != nil {
				return multipartError(err)
			}
			continue
		}
		content, err := io.ReadAll(io.LimitReader(part, s.maxUpload+1))
		if err != nil {
			return multipartError(err)
		}
		if int64(len(content)) > s.maxUpload {
			return s.errTooLarge()
		}
		if len(content) == 0 {
			return errBadRequest("the file is empty")
		}
		up := upload{
			Filename:    cleanFilename(partFilename(part.Header.Get("Content-Disposition"))),
			ContentType: contentType(part.Header.Get("Content-Type"), content),
			Size:        int64(len(content)),
		}
		if up.Key, err = s.blobs.Put(r.Context(), content); err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, map[string]any{"upload": up})
		return nil
	}
}

func (s *Server) errTooLarge() error {
	return &apiError{http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("a file may have at most %d bytes", s.maxUpload)}
}

// multipartError keeps the body limit's error (answered 413) and turns
// any other reading failure into a 400.
func multipartError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	return errBadRequest("malformed multipart body: " + err.Error())
}

// partFilename reads the file name from a part's Content-Disposition
// without multipart.Part.FileName's clean-up, which follows the server's
// path rules; cleanFilename applies the same rules whatever the client's
// system.
func partFilename(disposition string) string {
	_, params, err := mime.ParseMediaType(disposition)
	if err != nil {
		return ""
	}
	return params["filename"]
}

// cleanFilename makes a client's file name safe to store and to put in a
// letter's or a download's headers: the last path element only (a
// Windows browser may send C:\Users\...), no control characters and no
// Unicode format characters (a right-to-left override would make
// "invoice\u202Efdp.exe" show as "invoice" + "exe.pdf"), at most
// maxFilename bytes.
func cleanFilename(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > maxFilename {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." || name == "/" {
		return "file"
	}
	return name
}

// contentType is the declared media type when it says something, else
// one sniffed from the content: browsers declare application/octet-stream
// for any extension they do not know.
func contentType(declared string, content []byte) string {
	if mt, params, err := mime.ParseMediaType(declared); err == nil && mt != "application/octet-stream" {
		return mime.FormatMediaType(mt, params)
	}
	return http.DetectContentType(content[:min(len(content), 512)])
}

// attachmentRef names an uploaded file to attach. Size may be sent back
// as read (a canned response's list, say) but is ignored: the blob says
// how big the file is.
type attachmentRef struct {
	Key         string `json:"key"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size,omitempty"`
}

// resolveAttachments checks refs against the blob store and returns them
// with their sizes; an unknown key is the client's mistake (400).
func (s *Server) resolveAttachments(ctx context.Context, refs []attachmentRef) ([]storage.CannedAttachment, error) {
	if len(refs) > maxAttachments {
		return nil, errBadRequest(fmt.Sprintf("at most %d attachments", maxAttachments))
	}
	if len(refs) > 0 && s.blobs == nil {
		return nil, &apiError{http.StatusServiceUnavailable, CodeUnavailable, "file storage is not configured"}
	}
	out := make([]storage.CannedAttachment, 0, len(refs))
	for i, ref := range refs {
		a, err := s.statBlob(ctx, ref)
		if err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return nil, errBadRequest(fmt.Sprintf("attachment %d: no uploaded file has key %q", i+1, ref.Key))
			}
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// statBlob opens ref's blob for its size and, when the client gave no
// media type, the bytes to sniff one from.
func (s *Server) statBlob(ctx context.Context, ref attachmentRef) (storage.CannedAttachment, error) {
	if ref.Key == "" {
		return storage.CannedAttachment{}, fmt.Errorf("%w: empty key", storage.ErrNotFound)
	}
	f, err := s.blobs.Open(ctx, ref.Key)
	if err != nil {
		return storage.CannedAttachment{}, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return storage.CannedAttachment{}, err
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return storage.CannedAttachment{}, err
	}
	return storage.CannedAttachment{
		Key: ref.Key, Filename: cleanFilename(ref.Filename), ContentType: contentType(ref.ContentType, head[:n]), Size: size,
	}, nil
}

// messageAttachments turns checked files into a reply's attachments.
func messageAttachments(atts []storage.CannedAttachment) []storage.Attachment {
	if len(atts) == 0 {
		return nil
	}
	out := make([]storage.Attachment, len(atts))
	for i, a := range atts {
		out[i] = storage.Attachment{Key: a.Key, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size}
	}
	return out
}
