package cli

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Users, clients and IPs have no config resource: their "configs" are
// client quotas and, for users, SCRAM credentials.

// quotaEntityType is the quota entity type of a kafka-configs entity type.
func quotaEntityType(entity string) string {
	switch entity {
	case entityUsers:
		return "user"
	case entityClients:
		return "client-id"
	}
	return "ip"
}

func isClientQuota(k string) bool {
	switch k {
	case "producer_byte_rate", "consumer_byte_rate", "request_percentage", "controller_mutation_rate":
		return true
	}
	return false
}

func isScram(k string) bool { return k == "SCRAM-SHA-256" || k == "SCRAM-SHA-512" }

// quotaEntities orders users before clients, as ConfigCommand pairs them.
func (r *configsRun) quotaEntities() (types, names []string) {
	types, names = slices.Clone(r.types), slices.Clone(r.names)
	if len(types) == 2 && types[0] == entityClients {
		slices.Reverse(types)
		if len(names) == 2 {
			slices.Reverse(names)
		}
	}
	return types, names
}

func (r *configsRun) describeQuotas(ctx context.Context) error {
	types, names := r.quotaEntities()
	entries, err := r.quotaEntries(ctx, types, names)
	if err != nil {
		return err
	}
	for _, e := range entries {
		fmt.Fprintf(r.t.stdout, "Quota configs for %s are %s\n", quotaEntityString(e.Entity), quotaValuesString(e.Values))
	}
	if slices.Contains(types, entityClients) || slices.Contains(types, entityIPs) || slices.Contains(names, "") {
		return nil
	}
	return r.describeScram(ctx, names)
}

// quotaEntries describes the quotas of exactly the entities named: a name
// matches that entity, "" the default entity, and a missing name any.
func (r *configsRun) quotaEntries(ctx context.Context, types, names []string) ([]kmsg.DescribeClientQuotasResponseEntry, error) {
	req := kmsg.NewPtrDescribeClientQuotasRequest()
	req.Strict = true
	for i, typ := range types {
		c := kmsg.NewDescribeClientQuotasRequestComponent()
		c.EntityType = quotaEntityType(typ)
		switch {
		case i >= len(names):
			c.MatchType = kmsg.QuotasMatchTypeAny
		case names[i] == "":
			c.MatchType = kmsg.QuotasMatchTypeDefault
		default:
			c.MatchType, c.Match = kmsg.QuotasMatchTypeExact, kmsg.StringPtr(names[i])
		}
		req.Components = append(req.Components, c)
	}
	resp, err := req.RequestWith(ctx, r.adm.cl)
	if err != nil {
		return nil, err
	}
	if err := codeErr(resp.ErrorCode, resp.ErrorMessage); err != nil {
		return nil, err
	}
	sort.Slice(resp.Entries, func(i, j int) bool {
		return quotaEntityString(resp.Entries[i].Entity) < quotaEntityString(resp.Entries[j].Entity)
	})
	return resp.Entries, nil
}

func quotaEntityString(es []kmsg.DescribeClientQuotasResponseEntryEntity) string {
	var parts []string
	for _, typ := range []struct{ kind, label string }{{"user", "user-principal"}, {"client-id", "client-id"}, {"ip", "ip"}} {
		for _, e := range es {
			if e.Type != typ.kind {
				continue
			}
			if e.Name == nil {
				parts = append(parts, "the default "+typ.label)
			} else {
				parts = append(parts, typ.label+" '"+*e.Name+"'")
			}
		}
	}
	return strings.Join(parts, ", ")
}

func quotaValuesString(vs []kmsg.DescribeClientQuotasResponseEntryValue) string {
	kv := make([]string, len(vs))
	for i, v := range vs {
		kv[i] = v.Key + "=" + javaDouble(v.Value, 64)
	}
	sort.Strings(kv)
	return strings.Join(kv, ", ")
}

func (r *configsRun) describeScram(ctx context.Context, users []string) error {
	req := kmsg.NewPtrDescribeUserSCRAMCredentialsRequest()
	for _, u := range users {
		ru := kmsg.NewDescribeUserSCRAMCredentialsRequestUser()
		ru.Name = u
		req.Users = append(req.Users, ru)
	}
	resp, err := req.RequestWith(ctx, r.adm.cl)
	if err != nil {
		return err
	}
	if err := codeErr(resp.ErrorCode, resp.ErrorMessage); err != nil {
		return err
	}
	for _, res := range resp.Results {
		if err := codeErr(res.ErrorCode, res.ErrorMessage); err != nil {
			fmt.Fprintf(r.t.stdout, "Error retrieving SCRAM credential configs for user-principal '%s': ExecutionException: %s\n", res.User, exceptionString(err))
			continue
		}
		infos := make([]string, len(res.CredentialInfos))
		for i, ci := range res.CredentialInfos {
			infos[i] = fmt.Sprintf("%s=iterations=%d", scramName(ci.Mechanism), ci.Iterations)
		}
		fmt.Fprintf(r.t.stdout, "SCRAM credential configs for user-principal '%s' are %s\n", res.User, strings.Join(infos, ", "))
	}
	return nil
}

func scramName(m int8) string {
	if m == 2 {
		return "SCRAM-SHA-512"
	}
	return "SCRAM-SHA-256"
}

func (r *configsRun) alterQuotas(ctx context.Context, adds map[string]string, dels []string) error {
	types, names := r.quotaEntities()
	if err := checkQuotaKeys(types, names, adds, dels); err != nil {
		return err
	}
	quota := types[0] == entityIPs || slices.ContainsFunc(dels, isClientQuota)
	for k := range adds {
		quota = quota || isClientQuota(k)
	}
	if quota {
		return r.alterQuotaValues(ctx, types, names, adds, dels)
	}
	return r.alterScram(ctx, names[0], adds, dels)
}

// checkQuotaKeys refuses configs that the entity types cannot hold.
func checkQuotaKeys(types, names []string, adds map[string]string, dels []string) error {
	addKeys := make([]string, 0, len(adds))
	for k := range adds {
		addKeys = append(addKeys, k)
	}
	sort.Strings(addKeys)
	if types[0] == entityIPs {
		var unknown []string
		for _, k := range append(addKeys, dels...) {
			if k != "connection_creation_rate" {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			return userErrf("Only connection quota configs can be added for 'ips' using --bootstrap-server. Unexpected config names: %s", strings.Join(unknown, ","))
		}
		return nil
	}
	unknownAdd := slices.DeleteFunc(slices.Clone(addKeys), func(k string) bool { return isClientQuota(k) || isScram(k) })
	unknownDel := slices.DeleteFunc(slices.Clone(dels), func(k string) bool { return isClientQuota(k) || isScram(k) })
	scramAdd := slices.ContainsFunc(addKeys, isScram)
	scramDel := slices.ContainsFunc(dels, isScram)
	if types[0] == entityClients || len(types) == 2 {
		if len(unknownAdd) > 0 || scramAdd {
			return userErrf("Only quota configs can be added for 'clients' using --bootstrap-server. Unexpected config names: Set(%s)",
				strings.Join(append(unknownAdd, slices.DeleteFunc(slices.Clone(addKeys), func(k string) bool { return !isScram(k) })...), ", "))
		}
		if len(unknownDel) > 0 || scramDel {
			return userErrf("Only quota configs can be deleted for 'clients' using --bootstrap-server. Unexpected config names: List(%s)",
				strings.Join(append(unknownDel, slices.DeleteFunc(slices.Clone(dels), func(k string) bool { return !isScram(k) })...), ", "))
		}
		return nil
	}
	if len(unknownAdd) > 0 {
		return userErrf("Only quota and SCRAM credential configs can be added for 'users' using --bootstrap-server. Unexpected config names: Set(%s)", strings.Join(unknownAdd, ", "))
	}
	if len(unknownDel) > 0 {
		return userErrf("Only quota and SCRAM credential configs can be deleted for 'users' using --bootstrap-server. Unexpected config names: List(%s)", strings.Join(unknownDel, ", "))
	}
	if scramAdd || scramDel {
		if slices.Contains(names, "") {
			return userErrf("The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials using --bootstrap-server.")
		}
		if slices.ContainsFunc(addKeys, isClientQuota) || slices.ContainsFunc(dels, isClientQuota) {
			return userErrf("Cannot alter both quota and SCRAM credential configs simultaneously for 'users' using --bootstrap-server.")
		}
	}
	return nil
}

func (r *configsRun) alterQuotaValues(ctx context.Context, types, names []string, adds map[string]string, dels []string) error {
	if len(types) != len(names) {
		return userErrf("Exactly one entity name must be specified for every entity type")
	}
	current, err := r.quotaEntries(ctx, types, names)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	if len(current) > 0 {
		for _, v := range current[0].Values {
			set[v.Key] = true
		}
	}
	var invalid []string
	for _, d := range dels {
		if !set[d] {
			invalid = append(invalid, d)
		}
	}
	if len(invalid) > 0 {
		return userErrf("Invalid config(s): %s", strings.Join(invalid, ","))
	}
	entry, err := quotaAlteration(types, names, adds, dels)
	if err != nil {
		return err
	}
	req := kmsg.NewPtrAlterClientQuotasRequest()
	req.Entries = append(req.Entries, entry)
	resp, err := req.RequestWith(ctx, r.adm.cl)
	if err != nil {
		return err
	}
	for _, e := range resp.Entries {
		if err := codeErr(e.ErrorCode, e.ErrorMessage); err != nil {
			return err
		}
	}
	return nil
}

// quotaAlteration sets and removes quotas of one entity; "" names the
// default entity.
func quotaAlteration(types, names []string, adds map[string]string, dels []string) (kmsg.AlterClientQuotasRequestEntry, error) {
	entry := kmsg.NewAlterClientQuotasRequestEntry()
	for i, typ := range types {
		e := kmsg.NewAlterClientQuotasRequestEntryEntity()
		e.Type = quotaEntityType(typ)
		if names[i] != "" {
			e.Name = kmsg.StringPtr(names[i])
		}
		entry.Entity = append(entry.Entity, e)
	}
	keys := make([]string, 0, len(adds))
	for k := range adds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, err := strconv.ParseFloat(adds[k], 64)
		if err != nil {
			return entry, userErrf("Cannot parse quota configuration value for %s: %s", k, adds[k])
		}
		op := kmsg.NewAlterClientQuotasRequestEntryOp()
		op.Key, op.Value = k, v
		entry.Ops = append(entry.Ops, op)
	}
	for _, d := range dels {
		op := kmsg.NewAlterClientQuotasRequestEntryOp()
		op.Key, op.Remove = d, true
		entry.Ops = append(entry.Ops, op)
	}
	return entry, nil
}

// scramCredential matches a SCRAM config value: [iterations=N,]password=P.
var scramCredential = regexp.MustCompile(`^(?:iterations=(-?[0-9]*),)?password=(.*)$`)

func (r *configsRun) alterScram(ctx context.Context, user string, adds map[string]string, dels []string) error {
	var upserts []kadm.UpsertSCRAM
	mechs := make([]string, 0, len(adds))
	for k := range adds {
		mechs = append(mechs, k)
	}
	sort.Strings(mechs)
	for _, mech := range mechs {
		m := scramCredential.FindStringSubmatch(adds[mech])
		if m == nil {
			return userErrf("Invalid credential property %s=%s", mech, adds[mech])
		}
		iterations := 4096
		if m[1] != "" && m[1] != "-1" {
			iterations, _ = strconv.Atoi(m[1])
		}
		if iterations < 4096 {
			return userErrf("Iterations %d is less than the minimum 4096 required for %s", iterations, mech)
		}
		upserts = append(upserts, kadm.UpsertSCRAM{User: user, Mechanism: scramMechanism(mech), Iterations: int32(iterations), Password: m[2]})
	}
	var deletes []kadm.DeleteSCRAM
	for _, mech := range dels {
		deletes = append(deletes, kadm.DeleteSCRAM{User: user, Mechanism: scramMechanism(mech)})
	}
	altered, err := r.adm.adm.AlterUserSCRAMs(ctx, deletes, upserts)
	if err != nil {
		return err
	}
	for _, a := range altered.Sorted() {
		if a.Err != nil {
			var ke *kerr.Error
			if errors.As(a.Err, &ke) {
				return codeErr(ke.Code, &a.ErrMessage)
			}
			return a.Err
		}
	}
	return nil
}

func scramMechanism(name string) kadm.ScramMechanism {
	if name == "SCRAM-SHA-512" {
		return kadm.ScramSha512
	}
	return kadm.ScramSha256
}
