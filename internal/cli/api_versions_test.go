package cli

import (
	"regexp"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestBrokerAPIVersions(t *testing.T) {
	bs := newCluster(t)
	r := mustRun(t, "", "broker-api-versions", "--bootstrap-server", bs)
	got := lines(r.stdout)
	head := regexp.MustCompile(`^127\.0\.0\.1:\d+ \(id: \d+ rack: \S+ isFenced: false\) -> \($`)
	if len(got) < 3 || !head.MatchString(got[0]) || got[len(got)-1] != ")" {
		t.Fatalf("output:\n%s", r.stdout)
	}
	if !regexp.MustCompile(`(?m)^\tProduce\(0\): \d+ to \d+ \[usable: \d+\],$`).MatchString(r.stdout) {
		t.Fatalf("no Produce line:\n%s", r.stdout)
	}
	if !regexp.MustCompile(`(?m)^\tApiVersions\(18\): \d+ to \d+ \[usable: \d+\],$`).MatchString(r.stdout) {
		t.Fatalf("no ApiVersions line:\n%s", r.stdout)
	}
	if strings.HasSuffix(got[len(got)-2], ",") {
		t.Fatalf("last entry ends with a comma: %q", got[len(got)-2])
	}
}

func TestAPIVersionText(t *testing.T) {
	cases := []struct {
		key  kmsg.ApiVersionsResponseApiKey
		want string
	}{
		{kmsg.ApiVersionsResponseApiKey{ApiKey: 18, MinVersion: 0, MaxVersion: 4}, "ApiVersions(18): 0 to 4 [usable: 4]"},
		{kmsg.ApiVersionsResponseApiKey{ApiKey: 0, MinVersion: 3, MaxVersion: 3}, "Produce(0): 3 [usable: 3]"},
		{kmsg.ApiVersionsResponseApiKey{ApiKey: 1, MinVersion: 4, MaxVersion: 999}, "Fetch(1): 4 to 999 [usable: "},
		{kmsg.ApiVersionsResponseApiKey{ApiKey: 1, MinVersion: 998, MaxVersion: 999}, "Fetch(1): 998 to 999 [unusable: node too new]"},
		{kmsg.ApiVersionsResponseApiKey{ApiKey: 5000, MinVersion: 0, MaxVersion: 1}, "UNKNOWN(5000): 0 to 1"},
	}
	for _, c := range cases {
		if got := apiVersionText(c.key); !strings.HasPrefix(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.key, got, c.want)
		}
	}
}
