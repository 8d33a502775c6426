package router

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/dialogs/event"
	"github.com/switchboard-hub/switchboard/router/identity"
	"github.com/switchboard-hub/switchboard/storage"
)

// Scores of duplicate candidates by reason. A strong-identity conflict is
// certain; a shared corporate domain says "same company", not "same
// person", so it ranks below a close name match.
const (
	scoreIdentityConflict = 1.0
	scoreEmailDomain      = 0.5
)

// resolveClient finds the one client owning the event's identities (found
// are those of ids stored), or creates it, attaches identities it does not
// hold yet, and records duplicate candidates for conflicts and weak
// signals. For an event that threadDialog would look up the client's open
// dialog for, it looks it up with the client (open).
//
// A client it creates comes with fresh: its identities and the reads its
// weak signals are compared by are sent ahead, to travel with the dialog
// and the message (on an engine that holds statements back), and the rest
// is left to settleFresh and recordFresh.
func (r *Router) resolveClient(ctx context.Context, tx storage.Queries, ev channels.InboundEvent, ids, weak, found []storage.Identity, now time.Time, evs *pending) (client storage.Client, fresh *freshClient, open openLookup, err error) {
	owners := ownersOf(found)

	isNew := len(owners) == 0
	switch {
	case isNew:
		client, err = r.createClient(ctx, tx, ev, now, evs)
	case len(owners) == 1 && ev.DialogID == 0 && len(ev.InReplyTo) == 0:
		// One client, nothing merged into it here: its open dialog on the
		// thread is the one threadDialog would find.
		client, open, err = clientWithOpenDialog(ctx, tx, owners[0], ev)
	default:
		client, err = tx.GetClient(ctx, owners[0])
	}
	if err != nil {
		return storage.Client{}, nil, open, err
	}

	held := make(map[storage.Identity]bool, len(found))
	for _, f := range found {
		held[storage.Identity{Kind: f.Kind, Value: f.Value}] = true
	}
	// The identities the client does not hold yet, in one statement.
	var add []storage.Identity
	for _, id := range ids {
		if !held[id] {
			id.ClientID, id.CreatedAt = client.ID, now
			add = append(add, id)
		}
	}
	for _, id := range weak {
		id.ClientID, id.CreatedAt, id.Weak = client.ID, now, true
		add = append(add, id)
	}
	if isNew {
		f := &freshClient{client: client, add: add, weak: r.lookWeak(ctx, tx, client, ids)}
		if len(add) > 0 {
			f.added = tx.AddIdentitiesAhead(ctx, add)
		}
		return client, f, open, nil
	}
	if len(add) > 0 {
		added, err := tx.AddIdentities(ctx, add)
		if err == nil {
			err = identitiesClaimed(add, added)
		}
		if err != nil {
			return storage.Client{}, nil, open, err
		}
	}

	for i := 1; i < len(owners); i++ {
		other := owners[i]
		if err := r.identityConflict(ctx, tx, client.ID, other, found, now, evs); err != nil {
			return storage.Client{}, nil, open, err
		}
	}
	if client.Name == "" && ev.From.Name != "" {
		// A first name is as new a signal as a new client.
		client.Name = ev.From.Name
		client.UpdatedAt = now
		if err := tx.UpdateClient(ctx, client); err != nil {
			return storage.Client{}, nil, open, err
		}
		if err := tx.SetNameKeys(ctx, client.ID, identity.NameKeys(client.Name)); err != nil {
			return storage.Client{}, nil, open, err
		}
		best, err := r.weakMatches(client, r.lookWeak(ctx, tx, client, ids))
		if err != nil {
			return storage.Client{}, nil, open, err
		}
		for _, w := range best {
			if err := r.raiseCandidate(ctx, tx, client.ID, w.other, w.reason, w.score, now, evs); err != nil {
				return storage.Client{}, nil, open, err
			}
		}
	}
	return client, nil, open, nil
}

// identitiesClaimed is errLostRace when another event took one of the
// strong identities add since they were looked up (added is what storing
// them reported): the event starts over so that both land on one client.
// A weak identity someone else holds is no conflict.
func identitiesClaimed(add []storage.Identity, added []bool) error {
	for k, ok := range added {
		if !ok && !add[k].Weak {
			return errLostRace
		}
	}
	return nil
}

// freshClient is a client created for an event, with what resolveClient
// sent ahead for it.
type freshClient struct {
	client storage.Client
	// add are its identities, added their insert's answer.
	add   []storage.Identity
	added func() ([]bool, error)
	weak  weakLookups
	// cands are the duplicate candidates settleFresh found, recorded their
	// insert's answer.
	cands    []*storage.Candidate
	recorded func() ([]bool, error)
}

// settleFresh, called after the round trip that carried a new client's
// rows, checks that its identities were its own to take and compares it with
// existing clients by its weak signals (the reads sent with them). The
// candidates it finds are sent ahead, for recordFresh. A client created in
// this transaction has no candidates recorded yet, so its new ones are
// written in one statement.
func (r *Router) settleFresh(ctx context.Context, tx storage.Queries, f *freshClient, now time.Time) error {
	if f.added != nil {
		added, err := f.added()
		if err != nil {
			return err
		}
		if err := identitiesClaimed(f.add, added); err != nil {
			return err
		}
	}
	best, err := r.weakMatches(f.client, f.weak)
	if err != nil || len(best) == 0 {
		return err
	}
	f.cands = make([]*storage.Candidate, len(best))
	for i, w := range best {
		f.cands[i] = w.candidate(f.client.ID, now)
	}
	f.recorded = tx.AddCandidatesAhead(ctx, f.cands)
	return nil
}

// recordFresh logs the candidates settleFresh found, once they are stored.
func (r *Router) recordFresh(f *freshClient, now time.Time, evs *pending) error {
	if f.recorded == nil {
		return nil
	}
	added, err := f.recorded()
	if err != nil {
		return err
	}
	for i, ok := range added {
		if ok {
			r.candidateFound(*f.cands[i], now, evs)
		}
	}
	return nil
}

// openLookup is the client's open dialog on an event's thread, when
// resolveClient looked it up (done); a zero dialog when none is open.
type openLookup struct {
	done   bool
	dialog storage.Dialog
}

// clientWithOpenDialog reads client id with its open dialog on the event's
// thread, in one round trip.
func clientWithOpenDialog(ctx context.Context, tx storage.Queries, id int64, ev channels.InboundEvent) (storage.Client, openLookup, error) {
	cs, ds, err := tx.LookupThreads(ctx, []int64{id}, []storage.Thread{{ClientID: id, Channel: ev.Channel, Key: ev.ThreadKey}})
	if err != nil {
		return storage.Client{}, openLookup{}, err
	}
	if len(cs) == 0 {
		return storage.Client{}, openLookup{}, fmt.Errorf("router: client %d of a stored identity: %w", id, storage.ErrNotFound)
	}
	open := openLookup{done: true}
	if len(ds) > 0 {
		open.dialog = ds[0]
	}
	return cs[0], open, nil
}

// ownersOf lists the distinct clients owning found identities, oldest
// first: the oldest client is the one an event attaches to when its
// identities disagree.
func ownersOf(found []storage.Identity) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, f := range found {
		if !seen[f.ClientID] {
			seen[f.ClientID] = true
			out = append(out, f.ClientID)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// newClient is the record of a client an event introduces.
func newClient(ev channels.InboundEvent, now time.Time) storage.Client {
	c := storage.Client{Kind: storage.Person, Name: ev.From.Name, CreatedAt: now, UpdatedAt: now}
	if c.Name == "" && ev.From.Company != "" {
		c.Kind, c.Name = storage.Company, ev.From.Company
	}
	return c
}

func (r *Router) createClient(ctx context.Context, tx storage.Queries, ev channels.InboundEvent, now time.Time, evs *pending) (storage.Client, error) {
	c := newClient(ev, now)
	if ev.Owner != "" {
		m, err := tx.GetManagerByLogin(ctx, ev.Owner)
		switch {
		case err == nil:
			c.OwnerID = m.ID
		case errors.Is(err, storage.ErrNotFound):
			r.log.Warn("channel owner not found", "channel", ev.Channel, "owner", ev.Owner)
		default:
			return storage.Client{}, err
		}
	}
	if err := tx.CreateClient(ctx, &c); err != nil {
		return storage.Client{}, err
	}
	if keys := nameKeys(c); len(keys) > 0 {
		if err := tx.AddNameKeys(ctx, keys); err != nil {
			return storage.Client{}, err
		}
	}
	evs.add(clientEvent(event.ClientUpdated, c, now))
	return c, nil
}

// nameKeys lists the keys a client's name is indexed under.
func nameKeys(c storage.Client) []storage.NameKey {
	keys := identity.NameKeys(c.Name)
	out := make([]storage.NameKey, len(keys))
	for i, k := range keys {
		out[i] = storage.NameKey{ClientID: c.ID, Key: k}
	}
	return out
}

// identityConflict handles one event whose strong identities belong to two
// clients: merge at once when configured, else raise a certain candidate.
func (r *Router) identityConflict(ctx context.Context, tx storage.Queries, keep, other int64, found []storage.Identity, now time.Time, evs *pending) error {
	if r.cfg.AutoMerge {
		return r.mergeTx(ctx, tx, other, keep, 0, now, evs)
	}
	var shared []string
	for _, f := range found {
		if f.ClientID == other {
			shared = append(shared, f.Kind+" "+f.Value)
		}
	}
	reason := "identity: " + strings.Join(shared, ", ")
	return r.raiseCandidate(ctx, tx, keep, other, reason, scoreIdentityConflict, now, evs)
}

// weakLookups are the reads weakMatches compares a client by, sent ahead
// of the transaction's next statement.
type weakLookups struct {
	domains  []string
	byDomain []func() ([]int64, error)
	// namesakes is nil when the name has no keys: a lone first name
	// matches half the city and is no signal.
	namesakes func() ([]storage.Client, error)
}

// lookWeak starts the reads of weakMatches for client c with identities
// ids: the clients at its corporate email domains and its namesakes.
func (r *Router) lookWeak(ctx context.Context, tx storage.Queries, c storage.Client, ids []storage.Identity) weakLookups {
	var w weakLookups
	for _, domain := range r.corporateDomains(ids) {
		w.domains = append(w.domains, domain)
		w.byDomain = append(w.byDomain, tx.ClientsByEmailDomainAhead(ctx, domain, c.ID, r.cfg.CandidateScan))
	}
	if keys := identity.NameKeys(c.Name); len(keys) > 0 {
		w.namesakes = tx.ClientsByNameKeyAhead(ctx, keys, c.ID, r.cfg.CandidateScan)
	}
	return w
}

// weakMatches compares a new client with existing ones by corporate email
// domain and by name (the reads of lookWeak), and returns the best few
// matches (Config.CandidatesPerClient): a supervisor can review three
// likely duplicates of a client, not the fifty other Ivan Ivanovs. They
// never merge on their own.
func (r *Router) weakMatches(c storage.Client, w weakLookups) ([]weakMatch, error) {
	m := newMatcher(c)
	for i, domain := range w.domains {
		others, err := w.byDomain[i]()
		if err != nil {
			return nil, err
		}
		m.sameDomain(domain, others)
	}
	if w.namesakes != nil {
		similar, err := w.namesakes()
		if err != nil {
			return nil, err
		}
		m.similarNames(similar)
	}
	return m.best(r.cfg.CandidatesPerClient), nil
}

// corporateDomains lists the domains of ids' email addresses that are not
// free mail services: a shared one says "same company".
func (r *Router) corporateDomains(ids []storage.Identity) []string {
	var out []string
	for _, id := range ids {
		if id.Kind != string(channels.Email) {
			continue
		}
		if domain := identity.EmailDomain(id.Value); domain != "" && !r.norm.FreeMail(domain) && !slices.Contains(out, domain) {
			out = append(out, domain)
		}
	}
	return out
}

// matcher collects the existing clients resembling a new one, each with
// its strongest reason.
type matcher struct {
	c     storage.Client
	found map[int64]weakMatch
	// skip, when set, leaves out other clients (those created after c in
	// the same batch).
	skip func(other int64) bool
}

func newMatcher(c storage.Client) *matcher {
	return &matcher{c: c, found: map[int64]weakMatch{}}
}

func (m *matcher) consider(w weakMatch) {
	if w.other == m.c.ID || (m.skip != nil && m.skip(w.other)) {
		return
	}
	if w.score > m.found[w.other].score {
		m.found[w.other] = w
	}
}

// sameDomain considers clients with an email address at domain.
func (m *matcher) sameDomain(domain string, others []int64) {
	for _, o := range others {
		m.consider(weakMatch{other: o, reason: "email domain: " + domain, score: scoreEmailDomain})
	}
}

// similarNames considers clients sharing a name key, by name similarity.
func (m *matcher) similarNames(others []storage.Client) {
	for _, o := range others {
		if o.MergedInto != 0 || o.ID == m.c.ID {
			continue
		}
		score := identity.NameSimilarity(m.c.Name, o.Name)
		if score < identity.NameMatchThreshold {
			continue
		}
		m.consider(weakMatch{other: o.ID, reason: fmt.Sprintf("similar name: %q ~ %q", m.c.Name, o.Name), score: score})
	}
}

// best returns the n best matches: best first; among equals the newest
// client, the likeliest to be the same person writing again.
func (m *matcher) best(n int) []weakMatch {
	matches := slices.Collect(maps.Values(m.found))
	slices.SortFunc(matches, func(a, b weakMatch) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return cmp.Compare(b.other, a.other)
	})
	return matches[:min(len(matches), n)]
}

// weakMatch is an existing client resembling a new one.
type weakMatch struct {
	other  int64
	reason string
	score  float64
}

// candidate is the open candidate pair of client and the match.
func (w weakMatch) candidate(client int64, now time.Time) *storage.Candidate {
	return &storage.Candidate{ClientA: client, ClientB: w.other, Reason: w.reason, Score: w.score,
		Status: storage.CandidateOpen, CreatedAt: now}
}

func (r *Router) raiseCandidate(ctx context.Context, tx storage.Queries, a, b int64, reason string, score float64, now time.Time, evs *pending) error {
	if a == b {
		return nil
	}
	if a > b {
		a, b = b, a
	}
	cand := storage.Candidate{ClientA: a, ClientB: b, Reason: reason, Score: score, Status: storage.CandidateOpen, CreatedAt: now}
	created, err := tx.UpsertCandidate(ctx, &cand)
	if err != nil {
		return err
	}
	if created {
		r.candidateFound(cand, now, evs)
	}
	return nil
}

// candidateFound counts and logs a newly recorded candidate pair.
func (r *Router) candidateFound(c storage.Candidate, now time.Time, evs *pending) {
	r.metrics.candidate()
	evs.add(storage.Event{Type: event.DuplicateFound, At: now, ClientID: c.ClientA, Data: mustJSON(map[string]any{"candidate": c})})
}

// clientEvent builds a client event; clients are shared by the whole team,
// so it is visible to everyone.
func clientEvent(typ string, c storage.Client, at time.Time) storage.Event {
	return storage.Event{Type: typ, At: at, ClientID: c.ID, Data: mustJSON(map[string]any{"client": c})}
}
