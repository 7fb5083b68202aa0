package api

import (
	"context"
	"fmt"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) describeConfigs(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.DescribeConfigsRequest)
	resp := req.ResponseKind().(*kmsg.DescribeConfigsResponse)
	if hasUnknownResourceType(req.Resources) {
		// Kafka fails the whole request, every resource with the plain
		// INVALID_REQUEST text.
		for _, res := range req.Resources {
			out := describedResource(res)
			out.ErrorCode, out.ErrorMessage = kerr.InvalidRequest.Code, ptr(kerr.InvalidRequest.Description)
			resp.Resources = append(resp.Resources, out)
		}
		return respond(r, resp)
	}
	img := h.Image()
	for _, res := range req.Resources {
		resp.Resources = append(resp.Resources, h.describeResource(img, res, req.IncludeSynonyms, req.IncludeDocumentation))
	}
	return respond(r, resp)
}

func hasUnknownResourceType(resources []kmsg.DescribeConfigsRequestResource) bool {
	for _, res := range resources {
		switch res.ResourceType {
		case kmsg.ConfigResourceTypeTopic, kmsg.ConfigResourceTypeBroker, kmsg.ConfigResourceTypeBrokerLogger,
			kmsg.ConfigResourceTypeClientMetrics, kmsg.ConfigResourceTypeGroupConfig:
		default:
			return true
		}
	}
	return false
}

func describedResource(res kmsg.DescribeConfigsRequestResource) kmsg.DescribeConfigsResponseResource {
	out := kmsg.NewDescribeConfigsResponseResource()
	out.ResourceType, out.ResourceName = res.ResourceType, res.ResourceName
	out.Configs = []kmsg.DescribeConfigsResponseResourceConfig{}
	return out
}

func (h *Handler) describeResource(img *metadata.Image, res kmsg.DescribeConfigsRequestResource, synonyms, docs bool) kmsg.DescribeConfigsResponseResource {
	out := describedResource(res)
	if res.ResourceType == kmsg.ConfigResourceTypeTopic && img.Topic(res.ResourceName) == nil &&
		controller.ValidateTopicName(res.ResourceName) == nil {
		out.ErrorCode = kerr.UnknownTopicOrPartition.Code // Kafka sends no message here
		return out
	}
	entries, err := h.configEntries(img, res, synonyms)
	if err != nil {
		out.ErrorCode, out.ErrorMessage = errorCode(err), errorMessage(err)
		return out
	}
	for _, e := range entries {
		out.Configs = append(out.Configs, describedConfig(e, synonyms, docs))
	}
	return out
}

// configEntries describes one resource. Keys not asked for are left out;
// no keys (null or empty) asks for all of them, as in Kafka.
func (h *Handler) configEntries(img *metadata.Image, res kmsg.DescribeConfigsRequestResource, synonyms bool) ([]config.Entry, error) {
	name, keys := res.ResourceName, res.ConfigNames
	switch res.ResourceType {
	case kmsg.ConfigResourceTypeTopic:
		if err := controller.ValidateTopicName(name); err != nil {
			return nil, err
		}
		l := h.configLayers(img, img.Configs(metadata.ConfigResource{Type: metadata.ResourceTopic, Name: name}))
		return config.DescribeTopic(l, keys, synonyms), nil
	case kmsg.ConfigResourceTypeBroker:
		id := config.ClusterDefault
		if name != "" {
			if err := h.checkOwnBrokerID(name, "Broker id must be an integer, but it is: %s",
				"Unexpected broker id, expected %d or empty string, but received %s"); err != nil {
				return nil, err
			}
			id = h.NodeID
		}
		return config.DescribeBroker(h.configLayers(img, nil), id, keys, synonyms), nil
	case kmsg.ConfigResourceTypeBrokerLogger:
		if name == "" {
			return nil, invalidRequest("Broker id must not be empty")
		}
		if err := h.checkOwnBrokerID(name, "Broker id must be an integer, but it is: %s",
			"Unexpected broker id, expected %d but received %s"); err != nil {
			return nil, err
		}
		return brokerLoggers(), nil
	case kmsg.ConfigResourceTypeClientMetrics:
		if name == "" {
			return nil, invalidRequest("Client metrics subscription name must not be empty")
		}
		// Spool stores no client metrics subscriptions: an unknown one has
		// no configs, as in Kafka.
		return nil, nil
	}
	// GROUP: Spool has no group configs yet; Kafka words an unsupported
	// type this way.
	return nil, invalidRequest("Unsupported resource type: GROUP")
}

// brokerLoggers lists this broker's log4j loggers and their levels. Spool
// logs through log/slog and has none, so there is nothing to describe and
// nothing IncrementalAlterConfigs can change.
func brokerLoggers() []config.Entry { return nil }

// checkOwnBrokerID checks that a broker resource name is this node's id,
// with the message formats of the API asking (Kafka words them differently
// per API): notInt gets the name, notSelf this node's id and the name.
func (h *Handler) checkOwnBrokerID(name, notInt, notSelf string) error {
	id, err := strconv.ParseInt(name, 10, 32)
	if err != nil {
		return invalidRequest(notInt, name)
	}
	if int32(id) != h.NodeID {
		return invalidRequest(notSelf, h.NodeID, name)
	}
	return nil
}

func describedConfig(e config.Entry, synonyms, docs bool) kmsg.DescribeConfigsResponseResourceConfig {
	c := kmsg.NewDescribeConfigsResponseResourceConfig()
	c.Name, c.Value, c.ReadOnly, c.IsSensitive = e.Name, e.Value, e.ReadOnly, e.Sensitive
	c.IsDefault = e.Source == config.SourceDefaultConfig
	c.Source = kmsg.ConfigSource(e.Source)
	c.ConfigType = kmsg.ConfigType(e.Type)
	if docs && e.Documentation != "" {
		c.Documentation = ptr(e.Documentation)
	}
	c.ConfigSynonyms = []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{}
	if !synonyms {
		return c
	}
	for _, s := range e.Synonyms {
		cs := kmsg.NewDescribeConfigsResponseResourceConfigConfigSynonym()
		cs.Name, cs.Value, cs.Source = s.Name, s.Value, kmsg.ConfigSource(s.Source)
		c.ConfigSynonyms = append(c.ConfigSynonyms, cs)
	}
	return c
}

// configLayers are the layers this node's configs resolve through; topic
// is the topic's own layer (nil for broker configs).
func (h *Handler) configLayers(img *metadata.Image, topic map[string]string) config.Layers {
	return config.Layers{
		Topic:          topic,
		DynamicBroker:  img.Configs(metadata.ConfigResource{Type: metadata.ResourceBroker, Name: strconv.Itoa(int(h.NodeID))}),
		DynamicDefault: img.Configs(metadata.ConfigResource{Type: metadata.ResourceBroker, Name: ""}),
		Static:         h.Config.Raw,
	}
}

// invalidRequest is INVALID_REQUEST with Kafka's message.
func invalidRequest(format string, args ...any) error {
	return &controller.Error{Kind: controller.ErrInvalidRequest, Message: fmt.Sprintf(format, args...)}
}
