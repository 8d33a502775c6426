package twogen

import "testing"

func TestMap(t *testing.T) {
	t.Parallel()
	m := New[int, string](4)
	if _, ok := m.Get(1); ok {
		t.Fatal("empty map has 1")
	}
	m.Put(1, "one")
	for i := 2; i <= 6; i++ {
		m.Put(i, "")
		if _, ok := m.Get(1); !ok { // kept because it keeps being used
			t.Fatalf("1 lost after putting %d", i)
		}
	}
	if v, _ := m.Get(1); v != "one" {
		t.Fatalf("Get(1) = %q", v)
	}
	for i := range 100 {
		m.Put(100+i, "")
	}
	if n := m.Len(); n > 8 {
		t.Fatalf("Len = %d, want at most two generations of 4", n)
	}
	if _, ok := m.Get(1); ok {
		t.Fatal("1 kept though unused for many generations")
	}
}
