// Package email is the email channel: IMAP mailboxes in, SMTP replies out,
// and an SMTP listener for mail sent straight to the hub (web forms,
// leads@).
//
// A Mailbox (one per configured mailbox) watches its folders over IMAP,
// with IDLE where the server has it and polling otherwise, and hands each
// letter to a channels.Ingester as an InboundEvent on channel
// "email:<name>". The folder's cursor (UIDVALIDITY and last UID) advances
// only after Ingest returns nil, so a crash re-offers at most the letter in
// flight, and external ids (the Message-ID, or a content hash when there is
// none) make that replay a no-op. A changed UIDVALIDITY re-reads the folder
// for the same reason.
//
// A Sender delivers the outbox's replies through the mailbox's submission
// server with threading headers and a plus-addressed Reply-To, derives the
// Message-ID from the outbox idempotency key so a retried send is
// recognisable, and files a copy in the Sent folder.
//
// A Listener is an SMTP server that feeds accepted mail into the same
// parse-and-ingest path and answers 250 only after the commit.
//
// Unreadable mail is never dropped: Parse degrades part by part, and a
// letter whose header cannot be read at all is ingested as FallbackEvent
// (subject and sender found by a lenient scan, the original attached, the
// error in Meta["parse_error"]) so the mailbox moves on and a person can
// open it. A letter over the size limit is imported from its header with a
// note and left on the server. A letter the hub keeps refusing is, after a
// few attempts, ingested as a minimal event so it cannot stop the mailbox.
//
// Meta keys set here: message_id, to, cc, reply-to, mailbox, folder,
// text_full (the text before quote folding, when folding removed
// something), automated (the reason), dsn_* (bounce details),
// attachments_skipped, parse_warnings, parse_error, oversize,
// ingest_error, lead and lead_source, and smtp_from, smtp_to, smtp_remote
// for listener mail.
package email
