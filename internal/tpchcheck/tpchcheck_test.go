package tpchcheck

import "testing"

func TestEqual(t *testing.T) {
	for _, c := range []struct {
		got, want string
		ok        bool
	}{
		{"380456.00", "380456", true},
		{"505822441.4861", "505822441.4861", true},
		{"505822441.4862", "505822441.4861", false},
		{"25.575154611454694", "25.575154611454693", true},
		{"25.5751546114547", "25.575154611454693", false},
		{"A", "A", true},
		{"A", "B", false},
		{"NULL", "", true},
		{"1.5", "1.50", true},
		{"0.0501", "0.05", false},
	} {
		if got := Equal(c.got, c.want); got != c.ok {
			t.Errorf("Equal(%q, %q) = %v, want %v", c.got, c.want, got, c.ok)
		}
	}
}

func TestCompare(t *testing.T) {
	a := &Answer{Columns: []string{"a", "b"}, Rows: [][]string{{"1", "x"}}}
	if d := a.Compare([][]string{{"1.00", "x"}}); d != "" {
		t.Fatal(d)
	}
	if d := a.Compare([][]string{{"2", "x"}}); d == "" {
		t.Fatal("difference not found")
	}
	if d := a.Compare(nil); d == "" {
		t.Fatal("missing rows not found")
	}
}
