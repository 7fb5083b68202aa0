package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// adminClient is the client behind the tools that manage the cluster: raw
// kmsg requests where a tool needs Kafka's exact semantics, kadm where its
// helpers already have them.
type adminClient struct {
	cl  *kgo.Client
	adm *kadm.Client
	cfg *clientConfig
}

// connectAdmin builds an admin client from --bootstrap-server and the
// properties of --command-config (bootstrap.servers there is overridden).
func connectAdmin(bootstrap, commandConfig string, warn io.Writer) (*adminClient, error) {
	p, err := loadPropsIf(commandConfig)
	if err != nil {
		return nil, err
	}
	p = p.merge(props{"bootstrap.servers": bootstrap})
	cfg, err := newClientConfig(roleAdmin, p, warn)
	if err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(cfg.withOpts(kgo.ClientID(orDefault(p["client.id"], "spool-admin")))...)
	if err != nil {
		return nil, fmt.Errorf("create admin client: %w", err)
	}
	return &adminClient{cl: cl, adm: kadm.NewClient(cl), cfg: cfg}, nil
}

func (a *adminClient) Close() { a.cl.Close() }

// timeoutMillis is the server-side timeout admin requests carry.
func (a *adminClient) timeoutMillis() int32 { return int32(a.cfg.apiTimeout.Milliseconds()) }

// unsupported reports whether err says the broker does not implement a
// request (or that version of it), so a tool may fall back to an older way.
// franz-go does not export its "broker too old" error, hence the text match.
func unsupported(err error) bool {
	return errors.Is(err, kerr.UnsupportedVersion) ||
		(err != nil && strings.Contains(err.Error(), "broker is too old"))
}

// topicPattern is Kafka's topic IncludeList: a Java regular expression that
// must match the whole topic name; commas also mean "or".
type topicPattern struct {
	re *regexp.Regexp
}

func newTopicPattern(raw string) (*topicPattern, error) {
	expr := strings.ReplaceAll(strings.TrimSpace(raw), ",", "|")
	expr = strings.ReplaceAll(expr, " ", "")
	expr = strings.TrimLeft(expr, `"'`)
	expr = strings.TrimRight(expr, `"'`)
	re, err := regexp.Compile("^(?:" + expr + ")$")
	if err != nil {
		return nil, fmt.Errorf("%s is an invalid regex.", expr)
	}
	return &topicPattern{re: re}, nil
}

func (p *topicPattern) allowed(topic string, excludeInternal bool) bool {
	return p.re.MatchString(topic) && !(excludeInternal && isInternalTopic(topic))
}

// isInternalTopic reports the topics Kafka's clients treat as internal.
func isInternalTopic(topic string) bool {
	switch topic {
	case "__consumer_offsets", "__transaction_state", "__share_group_state":
		return true
	}
	return false
}

// listTopicNames returns every topic name the cluster has, internal ones
// included, sorted.
func (a *adminClient) listTopicNames(ctx context.Context) ([]string, error) {
	details, err := a.adm.ListTopicsWithInternal(ctx)
	if err != nil {
		return nil, err
	}
	if err := details.Error(); err != nil {
		return nil, err
	}
	return details.Names(), nil
}
