package email

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/switchboard-hub/switchboard/channels"
)

// maxIngestAttempts is how often one letter may fail to ingest before it is
// replaced by its minimal fallback event. A letter the router keeps
// rejecting must not stop the mailbox for good; a database outage fails the
// fallback too, so nothing is skipped while the store is down.
const maxIngestAttempts = 5

// Mailbox imports letters from one mailbox's IMAP folders into the hub. It
// is a service: Run polls until its context ends.
type Mailbox struct {
	cfg   MailboxConfig
	ing   channels.Ingester
	state StateStore
	o     options
	leads []leadMatcher
	parse ParseOptions

	mu       sync.Mutex
	failures map[string]int // "<folder>/<uidvalidity>/<uid>" → failed ingests
}

// NewMailbox builds the importer for cfg; it validates cfg first.
func NewMailbox(cfg MailboxConfig, ing channels.Ingester, state StateStore, opts ...Option) (*Mailbox, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if ing == nil || state == nil {
		return nil, errors.New("email: mailbox needs an ingester and a state store")
	}
	cfg = cfg.withDefaults()
	leads, err := compileLeadRules(cfg.LeadRules)
	if err != nil {
		return nil, err
	}
	m := &Mailbox{
		cfg: cfg, ing: ing, state: state, o: newOptions(opts), leads: leads,
		failures: map[string]int{},
	}
	m.o.log = m.o.log.With(slog.String("channel", cfg.Channel()))
	m.parse = ParseOptions{
		MaxAttachmentBytes: cfg.MaxAttachmentBytes,
		AllowRemoteImages:  cfg.AllowRemoteImages,
		Channel:            cfg.Channel(),
	}
	if cfg.SMTP.FromAddress != "" {
		m.parse.OwnAddresses = []string{cfg.SMTP.FromAddress}
	}
	return m, nil
}

// Run imports new mail from every configured folder until ctx ends; it
// returns nil on shutdown. Each folder has its own connection, because IDLE
// watches only the selected folder. With a Locker, Run first waits to hold
// the lock "email:<name>" so only one replica polls the mailbox. A mailbox
// without IMAP (send-only) returns at once.
func (m *Mailbox) Run(ctx context.Context) error {
	if m.cfg.IMAP.Addr == "" {
		return nil
	}
	if m.o.locker == nil {
		return m.runFolders(ctx)
	}
	lockName := m.cfg.Channel()
	for {
		release, ok, err := m.o.locker.TryLock(ctx, lockName)
		switch {
		case err != nil:
			m.o.log.Warn("email: lock", slog.Any("err", err))
		case ok:
			err := m.runFolders(ctx)
			release()
			return err
		}
		if !sleep(ctx, m.o.lockRetry) {
			return nil
		}
	}
}

func (m *Mailbox) runFolders(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, f := range m.cfg.IMAP.Folders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.runFolder(ctx, f)
		}()
	}
	wg.Wait()
	return nil
}

// runFolder keeps one folder's session alive, reconnecting with exponential
// backoff; a session that got as far as a completed sync resets it.
func (m *Mailbox) runFolder(ctx context.Context, folder string) {
	log := m.o.log.With(slog.String("folder", folder))
	delay := m.o.backoffMin
	for ctx.Err() == nil {
		synced, err := m.session(ctx, folder, log)
		if ctx.Err() != nil {
			return
		}
		if synced {
			delay = m.o.backoffMin
		}
		log.Warn("email: imap session ended", slog.Any("err", err), slog.Duration("retry_in", delay))
		m.o.metrics.reconnect(m.cfg.Name)
		if !sleep(ctx, delay) {
			return
		}
		delay = min(delay*2, m.o.backoffMax)
	}
}

// session connects, then alternates sync and wait (IDLE or poll) until an
// error or shutdown. synced reports whether at least one sync completed.
func (m *Mailbox) session(ctx context.Context, folder string, log *slog.Logger) (synced bool, err error) {
	wake := make(chan struct{}, 1)
	notify := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	c, err := dialIMAP(ctx, m.cfg.IMAP, &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					notify()
				}
			},
		},
	})
	if err != nil {
		return false, err
	}
	defer c.Close()
	m.o.metrics.connUp(m.cfg.Name, 1)
	defer m.o.metrics.connUp(m.cfg.Name, -1)
	stop := closeOnDone(ctx, c)
	defer stop()
	idle := c.Caps().Has(imap.CapIdle) || c.Caps().Has(imap.CapIMAP4rev2)
	log.Debug("email: imap connected", slog.Bool("idle", idle))

	for {
		if err := m.sync(ctx, c, folder, log); err != nil {
			return synced, err
		}
		synced = true
		m.o.metrics.polled(m.cfg.Name, time.Now())
		if idle {
			err = waitIdle(ctx, c, wake, m.cfg.IMAP.PollInterval)
		} else if !sleep(ctx, m.cfg.IMAP.PollInterval) {
			return synced, ctx.Err()
		}
		if err != nil {
			return synced, err
		}
		if ctx.Err() != nil {
			return synced, ctx.Err()
		}
	}
}

// waitIdle idles until the server reports new mail, the safety period
// passes, or ctx ends.
func waitIdle(ctx context.Context, c *imapclient.Client, wake <-chan struct{}, period time.Duration) error {
	cmd, err := c.Idle()
	if err != nil {
		return fmt.Errorf("email: idle: %w", err)
	}
	t := time.NewTimer(period)
	defer t.Stop()
	select {
	case <-wake:
	case <-t.C:
	case <-ctx.Done():
	case <-c.Closed():
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("email: idle done: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("email: idle: %w", err)
	}
	return nil
}

// sync selects the folder afresh (which reports a changed UIDVALIDITY) and
// imports every letter above the cursor, in UID order, in batches.
func (m *Mailbox) sync(ctx context.Context, c *imapclient.Client, folder string, log *slog.Logger) error {
	defer watchdog(c, m.o.opTimeout)()
	sel, err := c.Select(folder, nil).Wait()
	if err != nil {
		return fmt.Errorf("email: select %s: %w", folder, err)
	}
	key := cursorKey(m.cfg.Name, folder)
	cur, err := loadCursor(ctx, m.state, key)
	if err != nil {
		return err
	}
	if cur.UIDValidity != sel.UIDValidity {
		if cur.UIDValidity != 0 {
			// The folder was rebuilt: old UIDs mean nothing now. Read it
			// again; Message-ID based external ids make repeats no-ops.
			log.Warn("email: uidvalidity changed, re-reading folder",
				slog.Uint64("old", uint64(cur.UIDValidity)), slog.Uint64("new", uint64(sel.UIDValidity)))
		}
		cur = cursor{UIDValidity: sel.UIDValidity}
	}
	if sel.NumMessages == 0 || (sel.UIDNext != 0 && uint32(sel.UIDNext) <= cur.LastUID+1) {
		return nil
	}
	var set imap.UIDSet
	set.AddRange(imap.UID(cur.LastUID+1), 0)
	found, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
	if err != nil {
		return fmt.Errorf("email: search %s: %w", folder, err)
	}
	var uids []imap.UID
	for _, u := range found.AllUIDs() {
		// "n:*" always includes the highest UID, even below n.
		if uint32(u) > cur.LastUID {
			uids = append(uids, u)
		}
	}
	sort.Slice(uids, func(i, j int) bool { return uids[i] < uids[j] })
	for len(uids) > 0 {
		n := min(len(uids), m.o.batchSize)
		if err := m.importBatch(ctx, c, folder, key, &cur, uids[:n], log); err != nil {
			return err
		}
		uids = uids[n:]
	}
	return nil
}

// letterMeta is what one metadata fetch tells about a letter.
type letterMeta struct {
	uid      imap.UID
	size     int64
	received time.Time
}

// importBatch imports up to batchSize letters: one metadata fetch for their
// sizes, then bodies in groups of at most batchBytes, each letter ingested
// and the cursor advanced one by one in UID order.
func (m *Mailbox) importBatch(ctx context.Context, c *imapclient.Client, folder, key string, cur *cursor, uids []imap.UID, log *slog.Logger) error {
	metas, err := fetchMeta(c, uids)
	if err != nil {
		return fmt.Errorf("email: fetch sizes in %s: %w", folder, err)
	}
	var seen []imap.UID
	for len(metas) > 0 {
		group, total := 0, int64(0)
		for group < len(metas) {
			size := min(metas[group].size, m.cfg.MaxMessageBytes)
			if group > 0 && total+size > m.o.batchBytes {
				break
			}
			total += size
			group++
		}
		bodies, err := m.fetchBodies(c, metas[:group])
		if err != nil {
			return fmt.Errorf("email: fetch letters in %s: %w", folder, err)
		}
		for _, lm := range metas[:group] {
			if bodies[lm.uid] == nil {
				// Expunged or moved since the size fetch: nothing left to
				// import here (a move to a watched folder imports it there).
				log.Info("email: letter vanished before import", slog.Uint64("uid", uint64(lm.uid)))
			} else if err := m.importOne(ctx, folder, cur.UIDValidity, lm, bodies[lm.uid], log); err != nil {
				m.markSeen(c, seen, log)
				return err
			}
			cur.LastUID = uint32(lm.uid)
			if err := saveCursor(ctx, m.state, key, *cur); err != nil {
				m.markSeen(c, seen, log)
				return err
			}
			seen = append(seen, lm.uid)
		}
		metas = metas[group:]
	}
	m.markSeen(c, seen, log)
	return nil
}

func fetchMeta(c *imapclient.Client, uids []imap.UID) ([]letterMeta, error) {
	bufs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, RFC822Size: true, InternalDate: true}).Collect()
	if err != nil {
		return nil, err
	}
	out := make([]letterMeta, 0, len(bufs))
	for _, b := range bufs {
		out = append(out, letterMeta{uid: b.UID, size: b.RFC822Size, received: b.InternalDate})
	}
	// A letter expunged between SEARCH and FETCH is simply absent.
	sort.Slice(out, func(i, j int) bool { return out[i].uid < out[j].uid })
	return out, nil
}

// fetchBodies streams the raw letters of one group, each read with a hard
// limit: the server's declared size is not trusted. Letters over
// MaxMessageBytes are fetched as their header only.
func (m *Mailbox) fetchBodies(c *imapclient.Client, metas []letterMeta) (map[imap.UID][]byte, error) {
	var whole, headers []imap.UID
	for _, lm := range metas {
		if lm.size > m.cfg.MaxMessageBytes {
			headers = append(headers, lm.uid)
		} else {
			whole = append(whole, lm.uid)
		}
	}
	out := make(map[imap.UID][]byte, len(metas))
	fetch := func(uids []imap.UID, section *imap.FetchItemBodySection, limit int64) error {
		if len(uids) == 0 {
			return nil
		}
		cmd := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			var uid imap.UID
			var data []byte
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch it := item.(type) {
				case imapclient.FetchItemDataUID:
					uid = it.UID
				case imapclient.FetchItemDataBodySection:
					if it.Literal != nil {
						// Over the limit despite the declared size: keep the
						// head (the header parses; the body is cut) and drop
						// the rest.
						data, _ = io.ReadAll(io.LimitReader(it.Literal, limit))
						_, _ = io.Copy(io.Discard, it.Literal)
						if data == nil {
							data = []byte{}
						}
					}
				}
			}
			if uid != 0 {
				out[uid] = data
			}
		}
		return cmd.Close()
	}
	if err := fetch(whole, &imap.FetchItemBodySection{Peek: true}, m.cfg.MaxMessageBytes); err != nil {
		return nil, err
	}
	err := fetch(headers, &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}, maxHeaderLen*4)
	return out, err
}

// importOne parses and ingests one letter. raw is nil when the letter
// vanished or overran its limit; it is then recorded from what is known.
func (m *Mailbox) importOne(ctx context.Context, folder string, uidValidity uint32, lm letterMeta, raw []byte, log *slog.Logger) error {
	opts := m.parse
	opts.ReceivedAt = lm.received
	ev, perr := parseOrFallback(raw, opts)
	if perr != nil {
		log.Warn("email: letter unreadable, recording it with a note", slog.Uint64("uid", uint64(lm.uid)), slog.Any("err", perr))
	}
	if lm.size > m.cfg.MaxMessageBytes {
		ev.Meta["oversize"] = strconv.FormatInt(lm.size, 10)
		ev.Text = fmt.Sprintf("This letter is %d bytes, over the %d byte limit; it was left on the mail server, open it there.\n\n%s",
			lm.size, m.cfg.MaxMessageBytes, ev.Text)
	}
	m.fill(&ev, folder)

	failKey := folder + "/" + strconv.FormatUint(uint64(uidValidity), 10) + "/" + strconv.FormatUint(uint64(lm.uid), 10)
	rcpt, err := m.ing.Ingest(ctx, ev)
	if err == nil {
		m.clearFailure(failKey)
		switch {
		case rcpt.Duplicate:
			m.o.metrics.imports(m.cfg.Name, OutcomeDuplicate)
		case perr != nil:
			m.o.metrics.imports(m.cfg.Name, OutcomeFallback)
		default:
			m.o.metrics.imports(m.cfg.Name, OutcomeStored)
		}
		return nil
	}
	m.o.metrics.imports(m.cfg.Name, OutcomeFailed)
	if m.countFailure(failKey) < maxIngestAttempts {
		return fmt.Errorf("email: ingest uid %d: %w", lm.uid, err)
	}
	log.Error("email: letter keeps failing to ingest, recording it minimally",
		slog.Uint64("uid", uint64(lm.uid)), slog.Any("err", err))
	minimal := channels.InboundEvent{
		ExternalID: ev.ExternalID, SenderID: ev.SenderID, From: ev.From, At: ev.At,
		Subject: ev.Subject, ThreadKey: ev.ThreadKey, Automated: ev.Automated,
		Text: "This letter could not be stored in full; open it in the mailbox.",
		Meta: map[string]string{"ingest_error": truncate(err.Error(), 1024)},
	}
	m.fill(&minimal, folder)
	if _, err := m.ing.Ingest(ctx, minimal); err != nil {
		m.o.metrics.imports(m.cfg.Name, OutcomeFailed)
		return fmt.Errorf("email: ingest uid %d (minimal): %w", lm.uid, err)
	}
	m.o.metrics.imports(m.cfg.Name, OutcomeFallback)
	m.clearFailure(failKey)
	return nil
}

// fill sets what the mailbox knows: channel, routing hints, origin, lead.
func (m *Mailbox) fill(ev *channels.InboundEvent, folder string) {
	ev.Channel = m.cfg.Channel()
	ev.Team = m.cfg.Team
	ev.Owner = m.cfg.Owner
	if ev.Meta == nil {
		ev.Meta = map[string]string{}
	}
	ev.Meta["mailbox"] = m.cfg.Name
	ev.Meta["folder"] = folder
	markLead(ev, m.leads)
}

func (m *Mailbox) countFailure(k string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failures[k]++
	return m.failures[k]
}

func (m *Mailbox) clearFailure(k string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.failures, k)
}

// markSeen flags imported letters \Seen when configured. Best effort: the
// cursor, not the flag, is what prevents a second import.
func (m *Mailbox) markSeen(c *imapclient.Client, uids []imap.UID, log *slog.Logger) {
	if !m.cfg.IMAP.MarkSeen || len(uids) == 0 {
		return
	}
	err := c.Store(imap.UIDSetNum(uids...), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close()
	if err != nil {
		log.Warn("email: mark seen", slog.Any("err", err))
	}
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
