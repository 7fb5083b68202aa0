package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// configsOptions are kafka-configs.sh's options.
type configsOptions struct {
	bootstrap, bootstrapController, commandConfig string
	alter, describe, all, force                   bool
	entityTypes, entityNames                      []string
	entityDefault                                 bool
	addConfig, addConfigFile                      string
	deleteConfigs                                 []string
	topic, client, user, broker, brokerLogger     string
	ip, group, clientMetrics                      string
	clientDefaults, userDefaults                  bool
	brokerDefaults, ipDefaults                    bool
}

// Entity types, named as kafka-configs.sh names them.
const (
	entityTopics        = "topics"
	entityClients       = "clients"
	entityUsers         = "users"
	entityBrokers       = "brokers"
	entityIPs           = "ips"
	entityBrokerLoggers = "broker-loggers"
	entityClientMetrics = "client-metrics"
	entityGroups        = "groups"
)

func newConfigsCommand() *cobra.Command {
	return toolSpec{
		name:  "configs",
		short: "Describe and change topic, broker and other configs (kafka-configs.sh)",
		about: "This tool helps to manipulate and describe entity config for a topic, client, user, broker, ip, client-metrics or group",
		setup: func(fs *pflag.FlagSet) toolFunc {
			o := &configsOptions{}
			o.register(fs)
			return o.run
		},
	}.command()
}

func (o *configsOptions) register(fs *pflag.FlagSet) {
	addString(fs, &o.bootstrap, "bootstrap-server", "String: server to connect to", "", "The Kafka servers to connect to.")
	addString(fs, &o.bootstrapController, "bootstrap-controller", "String: controller to connect to", "", "The Kafka controllers to connect to.")
	addString(fs, &o.commandConfig, "command-config", "String: command config property file", "", "Property file containing configs to be passed to Admin Client. "+
		"This is used only with --bootstrap-server option for describing and altering broker configs.")
	addBool(fs, &o.alter, "alter", "Alter the configuration for the entity.")
	addBool(fs, &o.describe, "describe", "List configs for the given entity.")
	addBool(fs, &o.all, "all", "List all configs for the given entity, including static configs if available.")
	addStrings(fs, &o.entityTypes, "entity-type", "String", "Type of entity (topics/clients/users/brokers/broker-loggers/ips/client-metrics/groups)")
	addStrings(fs, &o.entityNames, "entity-name", "String", "Name of entity (topic name/client id/user principal name/broker id/ip/client metrics/group id)")
	addBool(fs, &o.entityDefault, "entity-default", "Default entity name for clients/users/brokers/ips (applies to corresponding entity type)")
	addString(fs, &o.addConfig, "add-config", "String", "", "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'. "+
		"Entity types 'users' and 'clients' may be specified together to update config for clients of a specific user.")
	addString(fs, &o.addConfigFile, "add-config-file", "String", "", "Path to a properties file with configs to add. See add-config for a list of valid configurations.")
	addStrings(fs, &o.deleteConfigs, "delete-config", "String", "config keys to remove 'k1,k2'")
	addBool(fs, &o.force, "force", "Suppress console prompts")
	addString(fs, &o.topic, "topic", "String", "", "The topic's name.")
	addString(fs, &o.client, "client", "String", "", "The client's ID.")
	addBool(fs, &o.clientDefaults, "client-defaults", "The config defaults for all clients.")
	addString(fs, &o.user, "user", "String", "", "The user's principal name.")
	addBool(fs, &o.userDefaults, "user-defaults", "The config defaults for all users.")
	addString(fs, &o.broker, "broker", "String", "", "The broker's ID.")
	addBool(fs, &o.brokerDefaults, "broker-defaults", "The config defaults for all brokers.")
	addString(fs, &o.brokerLogger, "broker-logger", "String", "", "The broker's ID for its logger config.")
	addBool(fs, &o.ipDefaults, "ip-defaults", "The config defaults for all IPs.")
	addString(fs, &o.ip, "ip", "String", "", "The IP address.")
	addString(fs, &o.group, "group", "String", "", "The group's ID.")
	addString(fs, &o.clientMetrics, "client-metrics", "String", "", "The client metrics config resource name.")
}

// configsRun is one configs invocation once its options are checked.
type configsRun struct {
	o     *configsOptions
	t     *toolEnv
	adm   *adminClient
	types []string // entity types, in command-line order
	names []string // entity names ("" = the default entity)
}

func (o *configsOptions) run(ctx context.Context, t *toolEnv) error {
	types, names := o.entities(t)
	if err := o.check(t, types, names); err != nil {
		return err
	}
	if o.alter && len(types) != len(names) {
		return plainErr(t, "An entity name must be specified for every entity type")
	}
	adm, err := connectAdmin(orDefault(o.bootstrap, o.bootstrapController), o.commandConfig, t.stderr)
	if err != nil {
		return plainErr(t, err.Error())
	}
	defer adm.Close()
	ctx, cancel := adm.cfg.withTimeout(ctx)
	defer cancel()
	r := &configsRun{o: o, t: t, adm: adm, types: types, names: names}
	if o.alter {
		err = r.alterConfig(ctx)
	} else {
		err = r.describeConfig(ctx)
	}
	return r.report(err)
}

// plainErr prints msg alone on stderr, as ConfigCommand does for
// IllegalArgumentException and InvalidConfigurationException.
func plainErr(t *toolEnv, msg string) error {
	fmt.Fprintln(t.stderr, msg)
	return exitCode(1)
}

// configsUserError is a mistake ConfigCommand reports with its message
// alone; anything else gets the "Error while executing" banner.
type configsUserError struct{ msg string }

func (e *configsUserError) Error() string { return e.msg }

func userErrf(format string, args ...any) error {
	return &configsUserError{msg: fmt.Sprintf(format, args...)}
}

func (r *configsRun) report(err error) error {
	var ue *configsUserError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ue):
		return plainErr(r.t, ue.msg)
	}
	fmt.Fprintf(r.t.stderr, "Error while executing config command with args '%s'\n", strings.Join(r.t.args, " "))
	fmt.Fprintln(r.t.stderr, "java.util.concurrent.ExecutionException: "+exceptionString(err))
	return exitCode(1)
}

// entities lists the entity types and names in the order ConfigCommand
// pairs them: --entity-type/--entity-name first, then the shorthand flags.
func (o *configsOptions) entities(t *toolEnv) (types, names []string) {
	types = slices.Clone(o.entityTypes)
	names = entityNamesInOrder(t.args)
	flags := []struct {
		flag, typ, value string
	}{
		{"topic", entityTopics, o.topic}, {"client", entityClients, o.client}, {"user", entityUsers, o.user},
		{"broker", entityBrokers, o.broker}, {"broker-logger", entityBrokerLoggers, o.brokerLogger}, {"ip", entityIPs, o.ip},
		{"client-metrics", entityClientMetrics, o.clientMetrics}, {"group", entityGroups, o.group},
		{"client-defaults", entityClients, ""}, {"user-defaults", entityUsers, ""},
		{"broker-defaults", entityBrokers, ""}, {"ip-defaults", entityIPs, ""},
	}
	for _, f := range flags {
		if t.changed(f.flag) {
			types = append(types, f.typ)
			names = append(names, f.value)
		}
	}
	return types, names
}

// entityNamesInOrder collects --entity-name values and --entity-default
// (as "") in command-line order, which pflag does not keep across options.
func entityNamesInOrder(args []string) []string {
	var names []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return names
		case a == "--entity-default":
			names = append(names, "")
		case a == "--entity-name" && i+1 < len(args):
			i++
			names = append(names, args[i])
		case strings.HasPrefix(a, "--entity-name="):
			names = append(names, strings.TrimPrefix(a, "--entity-name="))
		}
	}
	return names
}

func (o *configsOptions) check(t *toolEnv, types, names []string) error {
	if o.alter == o.describe {
		return t.usageErr("Command must include exactly one action: --describe, --alter")
	}
	if err := checkInvalidArgs(t, "describe", "alter", "add-config", "delete-config"); err != nil {
		return err
	}
	if err := checkEntityTypes(t, types); err != nil {
		return err
	}
	specific := slices.ContainsFunc([]string{"topic", "client", "user", "broker", "broker-logger", "ip", "client-metrics", "group",
		"client-defaults", "user-defaults", "broker-defaults", "ip-defaults"}, t.changed)
	if (t.changed("entity-name") || t.changed("entity-type") || o.entityDefault) && specific {
		return plainErr(t, "--entity-{type,name,default} should not be used in conjunction with specific entity flags")
	}
	switch {
	case o.bootstrap == "" && o.bootstrapController == "":
		return plainErr(t, "One of the required --bootstrap-server or --bootstrap-controller arguments must be specified")
	case o.bootstrap != "" && o.bootstrapController != "":
		return plainErr(t, "Only one of --bootstrap-server or --bootstrap-controller can be specified")
	}
	if err := checkBrokerIDs(t, types, names); err != nil {
		return err
	}
	if o.describe {
		return o.checkDescribe(t, types, names)
	}
	return o.checkAlter(t, types, names)
}

func checkEntityTypes(t *toolEnv, types []string) error {
	allowed := []string{entityTopics, entityClients, entityUsers, entityBrokers, entityIPs, entityBrokerLoggers, entityClientMetrics, entityGroups}
	seen := map[string]bool{}
	var dups []string
	for _, typ := range types {
		if seen[typ] {
			dups = append(dups, typ)
		}
		seen[typ] = true
	}
	if len(dups) > 0 {
		return plainErr(t, "Duplicate entity type(s) specified: "+strings.Join(dups, ","))
	}
	for _, typ := range types {
		if !slices.Contains(allowed, typ) {
			return plainErr(t, fmt.Sprintf("Invalid entity type %s, the entity type must be one of %s with a --bootstrap-server or --bootstrap-controller argument",
				typ, strings.Join(allowed, ", ")))
		}
	}
	switch {
	case len(types) == 0:
		return plainErr(t, "At least one entity type must be specified")
	case len(types) > 1 && !(len(types) == 2 && seen[entityUsers] && seen[entityClients]):
		return plainErr(t, "Only 'users' and 'clients' entity types may be specified together")
	}
	return nil
}

func checkBrokerIDs(t *toolEnv, types, names []string) error {
	if !slices.Contains(types, entityBrokers) && !slices.Contains(types, entityBrokerLoggers) {
		return nil
	}
	for _, n := range names {
		if n == "" {
			continue
		}
		if _, err := strconv.ParseInt(n, 10, 32); err != nil {
			return plainErr(t, fmt.Sprintf("The entity name for %s must be a valid integer broker id, but it is: %s", types[0], n))
		}
	}
	return nil
}

// hasDefaultEntity is true for entity types that have a cluster default.
func hasDefaultEntity(types []string) bool {
	return slices.ContainsFunc(types, func(t string) bool {
		return t == entityUsers || t == entityClients || t == entityBrokers || t == entityIPs
	})
}

func (o *configsOptions) checkDescribe(t *toolEnv, types, names []string) error {
	if !hasDefaultEntity(types) && o.entityDefault {
		return plainErr(t, "--entity-default must not be specified with --describe of "+strings.Join(types, ","))
	}
	if slices.Contains(types, entityBrokerLoggers) && !slices.ContainsFunc(names, func(n string) bool { return n != "" }) {
		return plainErr(t, "An entity name must be specified with --describe of "+strings.Join(types, ","))
	}
	return nil
}

func (o *configsOptions) checkAlter(t *toolEnv, types, names []string) error {
	hasName := slices.ContainsFunc(names, func(n string) bool { return n != "" })
	hasDefault := slices.Contains(names, "")
	switch {
	case hasDefaultEntity(types):
		if !hasName && !hasDefault {
			return plainErr(t, "An entity-name or default entity must be specified with --alter of users, clients, brokers or ips")
		}
	case !hasName:
		return plainErr(t, "An entity name must be specified with --alter of "+strings.Join(types, ","))
	}
	add, addFile, del := t.changed("add-config"), t.changed("add-config-file"), t.changed("delete-config")
	if add && addFile {
		return plainErr(t, "Only one of --add-config or --add-config-file must be specified")
	}
	if !add && !addFile && !del {
		return plainErr(t, "At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter")
	}
	return nil
}

// configsToAdd reads --add-config-file and --add-config. In --add-config,
// commas separate pairs except inside [brackets], which group a list value
// (k=[a,b] sets k to "a,b").
func (o *configsOptions) configsToAdd(t *toolEnv) (map[string]string, error) {
	out := map[string]string{}
	if o.addConfigFile != "" {
		p, err := loadProps(o.addConfigFile)
		if err != nil {
			return nil, err
		}
		for k, v := range p {
			out[k] = v
		}
	}
	if t.changed("add-config") {
		for _, pair := range splitOutsideBrackets(o.addConfig, ',') {
			kv := splitOutsideBrackets(pair, '=')
			if len(kv) != 2 {
				return nil, userErrf(`Invalid entity config: all configs to be added must be in the format "key=val".`)
			}
			value := strings.NewReplacer("[", "", "]", "").Replace(kv[1])
			out[strings.TrimSpace(kv[0])] = strings.TrimSpace(value)
		}
	}
	validKey := regexp.MustCompile(`^[a-zA-Z0-9._-]*$`)
	for k := range out {
		if !validKey.MatchString(k) {
			return nil, userErrf("Invalid character found for config key: %s", k)
		}
	}
	return out, nil
}

// splitOutsideBrackets splits s at every sep that is not inside [...].
// Spaces around '=' are dropped, as Kafka's pattern does.
func splitOutsideBrackets(s string, sep byte) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth = max(0, depth-1)
		case sep:
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	parts = append(parts, s[start:])
	if sep == '=' {
		for i := range parts {
			if i > 0 {
				parts[i] = strings.TrimLeft(parts[i], " \t")
			}
			if i < len(parts)-1 {
				parts[i] = strings.TrimRight(parts[i], " \t")
			}
		}
	}
	return parts
}

func (o *configsOptions) configsToDelete() []string {
	var out []string
	for _, d := range o.deleteConfigs {
		for _, k := range strings.Split(d, ",") {
			out = append(out, strings.TrimSpace(k))
		}
	}
	return out
}

// resourceType maps an entity type to its config resource type.
func resourceType(entity string) (kmsg.ConfigResourceType, bool) {
	switch entity {
	case entityTopics:
		return kmsg.ConfigResourceTypeTopic, true
	case entityBrokers:
		return kmsg.ConfigResourceTypeBroker, true
	case entityBrokerLoggers:
		return kmsg.ConfigResourceTypeBrokerLogger, true
	case entityClientMetrics:
		return kmsg.ConfigResourceTypeClientMetrics, true
	case entityGroups:
		return kmsg.ConfigResourceTypeGroupConfig, true
	}
	return 0, false
}

// dynamicSource is the config source that holds an entity's own settings,
// which --describe shows unless --all is given. Broker loggers have none.
func dynamicSource(entity, name string) (kmsg.ConfigSource, bool) {
	switch entity {
	case entityTopics:
		return kmsg.ConfigSourceDynamicTopicConfig, true
	case entityBrokers:
		if name == "" {
			return kmsg.ConfigSourceDynamicDefaultBrokerConfig, true
		}
		return kmsg.ConfigSourceDynamicBrokerConfig, true
	case entityClientMetrics:
		return kmsg.ConfigSourceClientMetricsConfig, true
	case entityGroups:
		return kmsg.ConfigSourceGroupConfig, true
	}
	return 0, false
}

// javaSourceName names a config source as Kafka's ConfigEntry.ConfigSource.
func javaSourceName(s kmsg.ConfigSource) string {
	switch s {
	case kmsg.ConfigSourceClientMetricsConfig:
		return "DYNAMIC_CLIENT_METRICS_CONFIG"
	case kmsg.ConfigSourceGroupConfig:
		return "DYNAMIC_GROUP_CONFIG"
	}
	return s.String()
}

// singular is ConfigCommand's entityType.dropRight(1).
func singular(entity string) string { return entity[:len(entity)-1] }

func (r *configsRun) describeConfig(ctx context.Context) error {
	entity := r.types[0]
	if _, ok := resourceType(entity); !ok {
		return r.describeQuotas(ctx)
	}
	names := r.names
	if len(names) == 0 {
		var err error
		if names, err = r.allEntityNames(ctx, entity); err != nil {
			return err
		}
	}
	for _, name := range names {
		if entity == entityBrokers && name == "" {
			fmt.Fprintf(r.t.stdout, "Default configs for %s in the cluster are:\n", entity)
		} else {
			kind := "Dynamic"
			if r.o.all {
				kind = "All"
			}
			fmt.Fprintf(r.t.stdout, "%s configs for %s %s are:\n", kind, singular(entity), name)
		}
		configs, err := r.resourceConfigs(ctx, entity, name, true, r.o.all)
		if err != nil {
			return err
		}
		for _, c := range configs {
			printConfigEntry(r.t.stdout, c)
		}
	}
	return nil
}

func printConfigEntry(w io.Writer, c kmsg.DescribeConfigsResponseResourceConfig) {
	syn := make([]string, len(c.ConfigSynonyms))
	for i, s := range c.ConfigSynonyms {
		syn[i] = fmt.Sprintf("%s:%s=%s", javaSourceName(s.Source), s.Name, configValue(s.Value))
	}
	fmt.Fprintf(w, "  %s=%s sensitive=%t synonyms={%s}\n", c.Name, configValue(c.Value), c.IsSensitive, strings.Join(syn, ", "))
}

// allEntityNames lists the entities --describe covers when none is named.
func (r *configsRun) allEntityNames(ctx context.Context, entity string) ([]string, error) {
	switch entity {
	case entityTopics:
		return r.adm.listTopicNames(ctx)
	case entityBrokers, entityBrokerLoggers:
		brokers, err := r.adm.adm.ListBrokers(ctx)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, id := range brokers.NodeIDs() {
			names = append(names, strconv.Itoa(int(id)))
		}
		return append(names, ""), nil
	case entityGroups:
		groups, err := r.adm.adm.ListGroups(ctx)
		if err != nil {
			return nil, err
		}
		return groups.Groups(), nil
	case entityClientMetrics:
		res, err := r.adm.adm.ListConfigResources(ctx, kmsg.ConfigResourceTypeClientMetrics)
		if err == nil {
			err = res.Err
		}
		if err != nil {
			return nil, err
		}
		var names []string
		for _, c := range res.Sorted() {
			names = append(names, c.Name)
		}
		return names, nil
	}
	return nil, fmt.Errorf("Invalid entity type: %s", entity)
}

// resourceConfigs describes one entity's configs, sorted by name, keeping
// only its own (dynamic) settings unless all is set.
func (r *configsRun) resourceConfigs(ctx context.Context, entity, name string, synonyms, all bool) ([]kmsg.DescribeConfigsResponseResourceConfig, error) {
	if err := validateEntityName(entity, name); err != nil {
		return nil, err
	}
	rt, _ := resourceType(entity)
	req := kmsg.NewPtrDescribeConfigsRequest()
	req.IncludeSynonyms = synonyms
	res := kmsg.NewDescribeConfigsRequestResource()
	res.ResourceType, res.ResourceName = rt, name
	req.Resources = append(req.Resources, res)
	resp, err := req.RequestWith(ctx, r.adm.cl)
	if err != nil {
		return nil, err
	}
	if len(resp.Resources) != 1 {
		return nil, fmt.Errorf("describe configs: %d resources in the answer, want 1", len(resp.Resources))
	}
	if err := codeErr(resp.Resources[0].ErrorCode, resp.Resources[0].ErrorMessage); err != nil {
		return nil, err
	}
	configs := resp.Resources[0].Configs
	if src, ok := dynamicSource(entity, name); ok && !all {
		configs = slices.DeleteFunc(configs, func(c kmsg.DescribeConfigsResponseResourceConfig) bool { return c.Source != src })
	}
	slices.SortFunc(configs, func(a, b kmsg.DescribeConfigsResponseResourceConfig) int { return strings.Compare(a.Name, b.Name) })
	return configs, nil
}

// configAlteration sets adds and deletes dels on one config resource.
func configAlteration(entity, name string, adds map[string]string, dels []string) kmsg.IncrementalAlterConfigsRequestResource {
	rt, _ := resourceType(entity)
	res := kmsg.NewIncrementalAlterConfigsRequestResource()
	res.ResourceType, res.ResourceName = rt, name
	keys := make([]string, 0, len(adds))
	for k := range adds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op, c.Value = k, kmsg.IncrementalAlterConfigOpSet, kmsg.StringPtr(adds[k])
		res.Configs = append(res.Configs, c)
	}
	for _, d := range dels {
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op = d, kmsg.IncrementalAlterConfigOpDelete
		res.Configs = append(res.Configs, c)
	}
	return res
}

// validateEntityName checks names the way Kafka checks them before asking
// the cluster.
func validateEntityName(entity, name string) error {
	switch {
	case entity == entityTopics && name != "":
		return validateTopicName(name)
	case entity == entityBrokers && name != "", entity == entityBrokerLoggers && name != "":
		if _, err := strconv.ParseInt(name, 10, 32); err != nil {
			return userErrf("The entity name for %s must be a valid integer broker id, found: %s", entity, name)
		}
	}
	return nil
}

// validateTopicName is Kafka's Topic.validate; its failures are
// InvalidTopicExceptions.
func validateTopicName(name string) error {
	invalid := func(msg string) error { return codeErr(kerr.InvalidTopicException.Code, &msg) }
	switch {
	case name == "":
		return invalid("Topic name is illegal, it can't be empty")
	case name == "." || name == "..":
		return invalid(`Topic name cannot be "." or ".."`)
	case len(name) > 249:
		return invalid("Topic name is illegal, it can't be longer than 249 characters, topic name: " + name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return invalid(fmt.Sprintf(`Topic name "%s" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`, name))
		}
	}
	return nil
}

func (r *configsRun) alterConfig(ctx context.Context) error {
	entity, name := r.types[0], r.names[0]
	adds, err := r.o.configsToAdd(r.t)
	if err != nil {
		return err
	}
	dels := r.o.configsToDelete()
	if _, ok := resourceType(entity); !ok {
		err = r.alterQuotas(ctx, adds, dels)
	} else {
		err = r.alterResource(ctx, entity, name, adds, dels)
	}
	if err != nil {
		return err
	}
	if name != "" {
		fmt.Fprintf(r.t.stdout, "Completed updating config for %s %s.\n", singular(entity), name)
	} else {
		fmt.Fprintf(r.t.stdout, "Completed updating default config for %s in the cluster.\n", entity)
	}
	return nil
}

// alterResource sets and deletes configs with IncrementalAlterConfigs,
// after checking that every config to delete is currently set.
func (r *configsRun) alterResource(ctx context.Context, entity, name string, adds map[string]string, dels []string) error {
	current, err := r.resourceConfigs(ctx, entity, name, entity == entityBrokerLoggers, false)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, c := range current {
		known[c.Name] = true
	}
	var invalid []string
	for _, d := range dels {
		if !known[d] {
			invalid = append(invalid, d)
		}
	}
	if entity == entityBrokerLoggers {
		for k := range adds {
			if !known[k] {
				invalid = append(invalid, k)
			}
		}
		if len(invalid) > 0 {
			return userErrf("Invalid broker logger(s): %s", strings.Join(invalid, ","))
		}
	}
	if len(invalid) > 0 {
		return userErrf("Invalid config(s): %s", strings.Join(invalid, ","))
	}
	res := configAlteration(entity, name, adds, dels)
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	req.Resources = append(req.Resources, res)
	resp, err := req.RequestWith(ctx, r.adm.cl)
	if err != nil {
		return err
	}
	for _, rr := range resp.Resources {
		if err := codeErr(rr.ErrorCode, rr.ErrorMessage); err != nil {
			return err
		}
	}
	return nil
}
