package router

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Hours is a team's weekly working schedule, stored as JSON on the team:
//
//	{"tz": "Europe/Moscow", "mon": "09:00-18:00", "fri": "09:00-17:00"}
//
// Days not listed are days off. Outside working hours new dialogs wait in
// the team queue and are handed out when the team opens. An empty schedule
// means always open. A span may cross midnight ("22:00-06:00").
type Hours struct {
	loc  *time.Location
	days [7][]span // indexed by time.Weekday
}

type span struct{ from, to int } // minutes since midnight

var dayKeys = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseHours decodes a schedule; empty input yields nil (always open).
func ParseHours(raw []byte) (*Hours, error) {
	if len(strings.TrimSpace(string(raw))) == 0 || string(raw) == "null" || string(raw) == "{}" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("router: hours: %w", err)
	}
	h := &Hours{loc: time.UTC}
	for k, v := range m {
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "tz" {
			loc, err := time.LoadLocation(v)
			if err != nil {
				return nil, fmt.Errorf("router: hours: time zone %q: %w", v, err)
			}
			h.loc = loc
			continue
		}
		day, ok := dayKeys[k]
		if !ok {
			return nil, fmt.Errorf("router: hours: unknown day %q (use mon..sun)", k)
		}
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			s, err := parseSpan(part)
			if err != nil {
				return nil, fmt.Errorf("router: hours: %s: %w", k, err)
			}
			h.days[day] = append(h.days[day], s)
		}
	}
	return h, nil
}

func parseSpan(s string) (span, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return span{}, fmt.Errorf("span %q is not HH:MM-HH:MM", s)
	}
	from, err := parseClock(a)
	if err != nil {
		return span{}, err
	}
	to, err := parseClock(b)
	if err != nil {
		return span{}, err
	}
	if from == to {
		return span{}, fmt.Errorf("span %q is empty", s)
	}
	return span{from, to}, nil
}

func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		if strings.TrimSpace(s) == "24:00" {
			return 24 * 60, nil
		}
		return 0, fmt.Errorf("time %q is not HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Open reports whether t falls within working hours. A nil schedule is
// always open.
func (h *Hours) Open(t time.Time) bool {
	if h == nil {
		return true
	}
	lt := t.In(h.loc)
	min := lt.Hour()*60 + lt.Minute()
	for _, s := range h.days[lt.Weekday()] {
		if s.from < s.to && min >= s.from && min < s.to {
			return true
		}
		if s.from > s.to && min >= s.from { // crosses midnight: evening part
			return true
		}
	}
	// The early-morning part of yesterday's overnight span.
	for _, s := range h.days[(lt.Weekday()+6)%7] {
		if s.from > s.to && min < s.to {
			return true
		}
	}
	return false
}
