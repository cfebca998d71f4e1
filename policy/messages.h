// The reasons given in MalformedPolicyDocumentException, each defined once.
#pragma once

#include "common/status.h"

namespace trent::policy::messages {

// AWS KMS's texts, as its answers quote them:
// A principal KMS does not accept (a malformed ARN, a unique id, a wildcard in part of an ARN):
// AWS knowledge-center article "kms-policy-error-invalid-principals", and many CreateKey
// failures reported against Terraform and CloudFormation.
inline constexpr const char* kInvalidPrincipals =
    "Policy contains a statement with one or more invalid principals.";
// An IAM ARN that cannot name a principal: another resource type (a group: aws/aws-cdk issues
// 573 and 24125) or no account id of 12 digits (`arn:aws:iam:::root`, a Terraform apply quoted
// in a public variables file). InvalidArnException, not MalformedPolicyDocumentException.
inline constexpr const char* kInvalidArnInPolicy = "An ARN in the specified key policy is invalid.";
// A key policy statement without Principal or NotPrincipal, or with an empty one
// (terraform-aws-modules/terraform-aws-eks pull request 2163: a KMS CreateKey failure).
inline constexpr const char* kNoPrincipal = "Policy contains a statement with no principal.";

// trent's wording where AWS's text could not be found (AWS KMS refuses these documents with
// MalformedPolicyDocumentException; its reason texts are not published).
inline constexpr const char* kNotJson = "Policy is not a valid JSON object.";
inline constexpr const char* kUnknownElement = "Policy contains an unknown element.";
inline constexpr const char* kElementTwice =
    "Policy contains a statement with an element and its Not form.";
inline constexpr const char* kElementType = "Policy contains an element of the wrong type.";
inline constexpr const char* kVersion = "Policy contains an unsupported Version.";
inline constexpr const char* kNoStatement = "Policy contains no Statement.";
inline constexpr const char* kEffect = "Policy contains a statement with an invalid Effect.";
// Since 18 August 2025 AWS KMS refuses key policy statements without Action or NotAction, or
// without Resource or NotResource (AWS Health notice quoted in
// ministryofjustice/analytical-platform issue 7691); before, it accepted them as ineffective.
inline constexpr const char* kNoAction = "Policy contains a statement with no Action.";
inline constexpr const char* kNoResource = "Policy contains a statement with no Resource.";
inline constexpr const char* kInvalidAction =
    "Policy contains a statement with one or more invalid actions.";
inline constexpr const char* kInvalidResource =
    "Policy contains a statement with one or more invalid resources.";
inline constexpr const char* kInvalidCondition =
    "Policy contains a statement with an invalid Condition.";
inline constexpr const char* kUnknownConditionOperator =
    "Policy contains a statement with an unknown condition operator.";
inline constexpr const char* kInvalidConditionValue =
    "Policy contains a statement with an invalid condition value.";

// Identity policies (trent's identity-policy file) follow IAM's grammar; IAM's texts, as its
// MalformedPolicyDocument answers quote them (hashicorp/terraform-provider-aws issue 10419 and
// many Terraform failures).
inline constexpr const char* kIdentityPrincipal =
    "Policy document should not specify a principal.";
inline constexpr const char* kIdentityNoAction = "Policy statement must contain actions.";
inline constexpr const char* kIdentityNoResource = "Policy statement must contain resources.";
// IAM refuses two statements with one Sid (kubernetes/kops issue 4951, aws-cloudformation/cfn-lint
// issue 3973). A key policy may repeat one: AWS's own key policy of aws/secretsmanager does, and
// the Terraform AWS provider's acceptance tests create and put key policies whose two
// statements share a Sid (TestAccKMSKey_Policy_iamRole and the others of its kind).
inline constexpr const char* kIdentityDuplicateSid =
    "Statement IDs (SID) in a single policy must be unique.";

// MalformedPolicyDocumentException with `reason`.
inline Status Malformed(const char* reason) { return {ErrorCode::kMalformedPolicyDocument, reason}; }
// InvalidArnException for an IAM ARN that cannot name a principal.
inline Status InvalidArn() { return {ErrorCode::kInvalidArn, kInvalidArnInPolicy}; }

}  // namespace trent::policy::messages
