package storage

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestTeamJSONSeconds(t *testing.T) {
	t.Parallel()
	in := Team{ID: 3, Name: "Sales", Strategy: RoundRobin, SLA: 5 * time.Minute, OwnerWait: 90 * time.Second}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"sla_seconds":300`) || !strings.Contains(string(b), `"owner_wait_seconds":90`) {
		t.Fatalf("team JSON = %s", b)
	}
	var out Team
	if err := json.Unmarshal(b, &out); err != nil || out.SLA != in.SLA || out.OwnerWait != in.OwnerWait || out.Name != in.Name {
		t.Fatalf("round trip = %+v, %v", out, err)
	}
}
