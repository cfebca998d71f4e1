// The reasons AWS KMS gives in MalformedPolicyDocumentException, each defined once.
#pragma once

namespace trent::policy::messages {

// AWS KMS's answer to a principal it does not accept (an unknown or malformed ARN, a unique id,
// a wildcard in part of an ARN): the text of the AWS knowledge-center article
// "kms-policy-error-invalid-principals" and of many CloudFormation/Terraform failures.
inline constexpr const char* kInvalidPrincipals =
    "Policy contains a statement with one or more invalid principals.";

// Provisional texts (to be checked against AWS's): every other reason.
inline constexpr const char* kSyntax = "Policy contains a syntax error.";
inline constexpr const char* kVersion = "Policy contains an unsupported Version.";
inline constexpr const char* kNoStatement = "Policy is missing the required Statement element.";
inline constexpr const char* kDuplicateSid = "Policy contains statements with duplicate Sids.";
inline constexpr const char* kEffect = "Policy contains a statement with an invalid Effect.";
inline constexpr const char* kNoPrincipal = "Policy contains a statement with no principal.";
inline constexpr const char* kInvalidAction =
    "Policy contains a statement with one or more invalid actions.";
inline constexpr const char* kInvalidResource =
    "Policy contains a statement with one or more invalid resources.";
inline constexpr const char* kInvalidCondition =
    "Policy contains a statement with an invalid condition.";
inline constexpr const char* kUnknownConditionOperator =
    "Policy contains a statement with an unknown condition operator.";
inline constexpr const char* kInvalidConditionValue =
    "Policy contains a statement with an invalid condition value.";
// Identity policies (trent's identity-policy file) follow IAM's grammar.
inline constexpr const char* kIdentityPrincipal = "Policy document should not specify a principal.";
inline constexpr const char* kIdentityResource = "Policy statement must contain resources.";

}  // namespace trent::policy::messages
