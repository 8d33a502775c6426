package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/storage"
)

// The demo (serve --demo) seeds a team with two managers of small capacity
// and plays a scripted stream of clients, so a newcomer sees distribution,
// dedup and the queue work within a minute of logging in.

// demoChannels are the channel names the demo writes on; replies on them
// are accepted by demoSender, which stands in for the real services.
var demoChannels = []string{"api:demo", "telegram:demo", "email:demo", "webchat:demo"}

type demoManager struct {
	login, name, password string
	role                  storage.Role
	capacity              int
}

var demoManagers = []demoManager{
	{"anna", "Анна Смирнова", "anna-demo", storage.RoleAgent, 2},
	{"boris", "Борис Орлов", "boris-demo", storage.RoleSupervisor, 1},
}

// seedDemo creates the demo team and managers unless they exist.
func seedDemo(ctx context.Context, a *app, out io.Writer) error {
	st := a.store
	team, err := st.GetTeamByName(ctx, "Продажи")
	if err != nil {
		team = storage.Team{Name: "Продажи", Strategy: storage.RoundRobin, SLA: 3 * time.Minute, CreatedAt: time.Now().UTC()}
		if err := st.CreateTeam(ctx, &team); err != nil {
			return fmt.Errorf("demo: team: %w", err)
		}
	}
	fmt.Fprintln(out, "\n  Demo mode: log in at", consoleURL(a.cfg, a.cfg.HTTP.Addr), "as")
	for _, dm := range demoManagers {
		m, err := st.GetManagerByLogin(ctx, dm.login)
		if err != nil {
			if m, err = CreateManager(ctx, st, a.cfg, dm.login, dm.name, dm.role, dm.capacity, dm.password); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
		}
		if err := st.AddTeamMember(ctx, team.ID, m.ID); err != nil {
			return fmt.Errorf("demo: member: %w", err)
		}
		if err := st.SetPresence(ctx, m.ID, storage.Online, time.Now().UTC()); err != nil {
			return fmt.Errorf("demo: presence: %w", err)
		}
		fmt.Fprintf(out, "    %-6s password %-11s (%s, capacity %d)\n", dm.login, dm.password, dm.role, dm.capacity)
	}
	fmt.Fprintln(out)
	return nil
}

// demoSender accepts replies on the demo channels as a real service would.
type demoSender struct{ log *slog.Logger }

func (s demoSender) Send(ctx context.Context, m channels.OutboundMessage) (channels.SendResult, error) {
	s.log.Info("demo channel delivered a reply", "channel", m.Channel, "dialog_id", m.DialogID, "to", m.To)
	return channels.SendResult{ExternalID: "demo-" + m.IdempotencyKey}, nil
}

type demoStep struct {
	after time.Duration
	ev    channels.InboundEvent
}

func demoScript() []demoStep {
	id := func(k channels.IdentityKind, v string) channels.Identity { return channels.Identity{Kind: k, Value: v} }
	return []demoStep{
		{2 * time.Second, channels.InboundEvent{Channel: "api:demo", ExternalID: "demo-1", SenderID: "shop-user-17",
			From: channels.Contact{Name: "Пётр Иванов", Identities: []channels.Identity{id(channels.Phone, "8 912 345-67-89")}},
			Text: "Здравствуйте! Нужен счёт на 10 лицензий, оплата по безналу.", Team: "Продажи"}},
		{6 * time.Second, channels.InboundEvent{Channel: "email:demo", ExternalID: "demo-2@romashka.ru", SenderID: "olga@romashka.ru",
			From:    channels.Contact{Name: "Ольга Кузнецова", Identities: []channels.Identity{id(channels.Email, "Olga@Romashka.ru")}},
			Subject: "Прайс-лист", ThreadKey: "прайс-лист", Text: "Добрый день, пришлите, пожалуйста, актуальный прайс.", Team: "Продажи"}},
		// The first client again, phone written differently, on another
		// channel: one client, and the dialog goes to the same manager.
		{10 * time.Second, channels.InboundEvent{Channel: "telegram:demo", ExternalID: "demo-3", SenderID: "5551234",
			From: channels.Contact{Name: "Petr Ivanov", Identities: []channels.Identity{id(channels.Telegram, "5551234"), id(channels.Phone, "+7 (912) 345 67 89")}},
			Text: "Это снова я, продублирую в телеграм: счёт нужен до пятницы.", Team: "Продажи"}},
		// Same company domain: a duplicate candidate, never a merge.
		{14 * time.Second, channels.InboundEvent{Channel: "email:demo", ExternalID: "demo-4@romashka.ru", SenderID: "ivan@romashka.ru",
			From:    channels.Contact{Name: "Иван Сидоров", Identities: []channels.Identity{id(channels.Email, "ivan@romashka.ru")}},
			Subject: "Договор", ThreadKey: "договор", Text: "Коллеги, когда будет готов договор?", Team: "Продажи"}},
		// By now capacity (2 + 1) is used up: this one waits in the queue
		// and is handed out the moment someone closes a dialog.
		{18 * time.Second, channels.InboundEvent{Channel: "webchat:demo", ExternalID: "demo-5", SenderID: "visitor-8f3a",
			From: channels.Contact{Name: "Гость сайта"},
			Text: "Подскажите, есть ли интеграция с 1С?", Team: "Продажи"}},
	}
}

// playDemo plays the script once; replays after a restart are no-ops
// because every step has a fixed external id.
func playDemo(ctx context.Context, a *app) error {
	start := time.Now()
	for _, s := range demoScript() {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Until(start.Add(s.after))):
		}
		s.ev.At = time.Now().UTC()
		if _, err := a.router.Ingest(ctx, s.ev); err != nil {
			a.log.Error("demo event", "err", err)
		}
	}
	return nil
}
