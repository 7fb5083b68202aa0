package group

// The Kafka error codes the coordinator answers with. Responses carry
// them as the normal outcome of a request (codes_test.go checks them
// against franz-go's kerr).
const (
	codeUnknownServerError      int16 = -1
	codeOffsetMetadataTooLarge  int16 = 12
	codeCoordinatorNotAvailable int16 = 15
	codeIllegalGeneration       int16 = 22
	codeInconsistentGroupProto  int16 = 23
	codeInvalidGroupID          int16 = 24
	codeUnknownMemberID         int16 = 25
	codeInvalidSessionTimeout   int16 = 26
	codeRebalanceInProgress     int16 = 27
	codeNonEmptyGroup           int16 = 68
	codeGroupIDNotFound         int16 = 69
	codeMemberIDRequired        int16 = 79
	codeGroupMaxSizeReached     int16 = 81
	codeFencedInstanceID        int16 = 82
	codeGroupSubscribedToTopic  int16 = 86
	codeUnstableOffsetCommit    int16 = 88

	// KIP-848 consumer groups.
	codeUnsupportedVersion       int16 = 35
	codeInvalidRequest           int16 = 42
	codeFencedMemberEpoch        int16 = 110
	codeUnreleasedInstanceID     int16 = 111
	codeUnsupportedAssignor      int16 = 112
	codeStaleMemberEpoch         int16 = 113
	codeInvalidRegularExpression int16 = 128
)

// groupOperations is the AclOperation bit set DescribeGroups v3+ reports
// for a group without ACLs: READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS and
// ALTER_CONFIGS (Kafka's AclEntry.supportedOperations(GROUP)).
const groupOperations = 1<<3 | 1<<6 | 1<<8 | 1<<10 | 1<<11
