package assignor

import (
	"errors"
	"slices"
	"testing"
)

func TestRegistryDefault(t *testing.T) {
	r, err := NewRegistry(DefaultNames())
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Names(); !slices.Equal(got, []string{"uniform", "range"}) {
		t.Errorf("Names() = %q", got)
	}
	if got := r.Default().Name(); got != "uniform" {
		t.Errorf("Default() = %q, want uniform", got)
	}
	for _, name := range []string{"uniform", "range"} {
		a, err := r.Lookup(name)
		if err != nil || a.Name() != name {
			t.Errorf("Lookup(%q) = %v, %v", name, a, err)
		}
	}
}

func TestRegistryLookupUnknown(t *testing.T) {
	r, err := NewRegistry([]string{"range"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"uniform", "sticky", "", "Range",
		"org.apache.kafka.coordinator.group.assignor.RangeAssignor"} {
		_, err := r.Lookup(name)
		if !errors.Is(err, ErrUnsupportedAssignor) {
			t.Errorf("Lookup(%q) err = %v, want ErrUnsupportedAssignor", name, err)
		}
	}
	_, err = r.Lookup("sticky")
	if want := "ServerAssignor sticky is not supported. Supported assignors: range."; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

func TestNewRegistry(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  []string // nil: error
	}{
		{[]string{"range", "uniform"}, []string{"range", "uniform"}},
		{[]string{" range "}, []string{"range"}},
		{[]string{
			"org.apache.kafka.coordinator.group.assignor.UniformAssignor",
			"org.apache.kafka.coordinator.group.assignor.RangeAssignor",
		}, []string{"uniform", "range"}},
		{nil, nil},
		{[]string{}, nil},
		{[]string{"uniform", "sticky"}, nil},
		{[]string{"Uniform"}, nil},
		{[]string{"uniform", "org.apache.kafka.coordinator.group.assignor.UniformAssignor"}, nil},
	} {
		r, err := NewRegistry(tc.names)
		switch {
		case tc.want == nil && err == nil:
			t.Errorf("NewRegistry(%q) = %q, want an error", tc.names, r.Names())
		case tc.want != nil && err != nil:
			t.Errorf("NewRegistry(%q): %v", tc.names, err)
		case tc.want != nil && !slices.Equal(r.Names(), tc.want):
			t.Errorf("NewRegistry(%q) = %q, want %q", tc.names, r.Names(), tc.want)
		}
	}
}
