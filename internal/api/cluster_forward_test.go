package api

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestEveryForwardedAPIHasAFailedAnswer: when the active controller cannot
// be reached, a forwarded request is answered with REQUEST_TIMED_OUT for
// what it names; an API marked forward without such an answer would panic
// there instead.
func TestEveryForwardedAPIHasAFailedAnswer(t *testing.T) {
	for _, spec := range apiTable() {
		if !spec.forward {
			continue
		}
		req := kmsg.RequestForKey(spec.key)
		req.SetVersion(spec.max)
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: %v", kmsg.NameForKey(spec.key), r)
				}
			}()
			resp := failedControllerResponse(req, kerr.RequestTimedOut.Code)
			if resp == nil || resp.Key() != spec.key {
				t.Errorf("%s: answered with %v", kmsg.NameForKey(spec.key), resp)
			}
		}()
	}
}
