package group

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

func TestCodesAreKafkas(t *testing.T) {
	for code, want := range map[int16]*kerr.Error{
		codeUnknownServerError:       kerr.UnknownServerError,
		codeOffsetMetadataTooLarge:   kerr.OffsetMetadataTooLarge,
		codeCoordinatorNotAvailable:  kerr.CoordinatorNotAvailable,
		codeIllegalGeneration:        kerr.IllegalGeneration,
		codeInconsistentGroupProto:   kerr.InconsistentGroupProtocol,
		codeInvalidGroupID:           kerr.InvalidGroupID,
		codeUnknownMemberID:          kerr.UnknownMemberID,
		codeInvalidSessionTimeout:    kerr.InvalidSessionTimeout,
		codeRebalanceInProgress:      kerr.RebalanceInProgress,
		codeNonEmptyGroup:            kerr.NonEmptyGroup,
		codeGroupIDNotFound:          kerr.GroupIDNotFound,
		codeMemberIDRequired:         kerr.MemberIDRequired,
		codeGroupMaxSizeReached:      kerr.GroupMaxSizeReached,
		codeFencedInstanceID:         kerr.FencedInstanceID,
		codeGroupSubscribedToTopic:   kerr.GroupSubscribedToTopic,
		codeUnstableOffsetCommit:     kerr.UnstableOffsetCommit,
		codeUnsupportedVersion:       kerr.UnsupportedVersion,
		codeInvalidRequest:           kerr.InvalidRequest,
		codeFencedMemberEpoch:        kerr.FencedMemberEpoch,
		codeUnreleasedInstanceID:     kerr.UnreleasedInstanceID,
		codeUnsupportedAssignor:      kerr.UnsupportedAssignor,
		codeStaleMemberEpoch:         kerr.StaleMemberEpoch,
		codeInvalidRegularExpression: kerr.InvalidRegularExpression,
	} {
		if code != want.Code {
			t.Errorf("%s is %d, not %d", want.Message, want.Code, code)
		}
	}
}
