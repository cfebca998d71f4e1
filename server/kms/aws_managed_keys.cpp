#include "server/kms/aws_managed_keys.h"

#include <algorithm>
#include <array>

#include "server/kms/key_policy.h"

namespace trent::kms {
namespace {

constexpr std::string_view kAccountField = "{account}";
constexpr std::string_view kRegionField = "{region}";

// The predefined aliases of a new account and region (as ListAliases shows them in AWS, and
// LocalStack records them), sorted by name.
// Descriptions: AWS's since about 2021 ("Default key ...", before "Default master key ..."),
// with each service's words as recorded from AWS (LocalStack's recordings of aws/s3 in 2026 and
// aws/dynamodb in 2025; describe-key output of real accounts quoted in public repositories for
// the others; aws/es's "OpenSearch", its name since 2021, as its policy has it); aws/redshift's
// words are trent's.
// Policies: AWS's, as GetKeyPolicy returned them in us-east-1 in 2024-2025 (recorded from a
// real account by github.com/FogSecurity/aws-managed-kms-keys), written here compactly with
// {account} and {region} for the caller's; AwsPolicyText lays them out as AWS does.
constexpr std::array<AwsManagedAlias, 14> kPredefined = {{
    {"alias/aws/acm",
     "Default key that protects my ACM private keys when no other key is defined",
     R"({"Version":"2012-10-17","Id":"auto-acm-4",)"
     R"("Statement":[{"Sid":"Allow creation of decryption grants","Effect":"Allow",)"
     R"("Principal":{"AWS":"*"},"Action":"kms:CreateGrant","Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}",)"
     R"("kms:ViaService":"acm.{region}.amazonaws.com"},)"
     R"("ForAllValues:StringEquals":{"kms:GrantOperations":"Decrypt"},)"
     R"("Bool":{"kms:GrantIsForAWSResource":"true"}}},)"
     R"({"Sid":"Allow creation of encryption grant","Effect":"Allow","Principal":{"AWS":"*"},)"
     R"("Action":"kms:CreateGrant","Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}",)"
     R"("kms:ViaService":"acm.{region}.amazonaws.com"},)"
     R"("ForAllValues:StringEquals":{"kms:GrantOperations":["Encrypt","ReEncryptFrom",)"
     R"("ReEncryptTo"]},"Bool":{"kms:GrantIsForAWSResource":"true"}}},)"
     R"({"Sid":"Allowed operations for the key owner","Effect":"Allow","Principal":{"AWS":"*"},)"
     R"("Action":["kms:DescribeKey","kms:ListGrants","kms:RevokeGrant","kms:GetKeyPolicy"],)"
     R"("Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"{account}"}}},)"
     R"({"Sid":"Deny re-encryption to any other key","Effect":"Deny","Principal":{"AWS":"*"},)"
     R"("Action":"kms:ReEncrypt*","Resource":"*",)"
     R"("Condition":{"Bool":{"kms:ReEncryptOnSameKey":"false"}}},{"Sid":"Allow decrypt",)"
     R"("Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}",)"
     R"("kms:ViaService":"acm.{region}.amazonaws.com"}}}]})"},
    {"alias/aws/dynamodb",
     "Default key that protects my DynamoDB data when no other key is defined",
     R"({"Version":"2012-10-17","Id":"auto-dynamodb-3",)"
     R"("Statement":[{"Sid":"Allow access through Amazon DynamoDB for all principals in the )"
     R"(account that are authorized to use Amazon DynamoDB","Effect":"Allow",)"
     R"("Principal":{"AWS":"*"},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*",)"
     R"("kms:GenerateDataKey*","kms:CreateGrant","kms:DescribeKey"],"Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}"},)"
     R"("StringLike":{"kms:ViaService":"dynamodb.*.amazonaws.com"}}},)"
     R"({"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",)"
     R"("Principal":{"AWS":"arn:aws:iam::{account}:root"},"Action":["kms:Describe*","kms:Get*",)"
     R"("kms:List*","kms:RevokeGrant"],"Resource":"*"},)"
     R"({"Sid":"Allow DynamoDB to directly describe the key","Effect":"Allow",)"
     R"("Principal":{"Service":"dynamodb.amazonaws.com"},"Action":["kms:Describe*","kms:Get*",)"
     R"("kms:List*"],"Resource":"*"}]})"},
    {"alias/aws/ebs",
     "Default key that protects my EBS volumes when no other key is defined",
     R"({"Version":"2012-10-17","Id":"auto-ebs-2",)"
     R"("Statement":[{"Sid":"Allow access through EBS for all principals in the account that )"
     R"(are authorized to use EBS","Effect":"Allow","Principal":{"AWS":"*"},)"
     R"("Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*",)"
     R"("kms:CreateGrant","kms:DescribeKey"],"Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}",)"
     R"("kms:ViaService":"ec2.{region}.amazonaws.com"}}},)"
     R"({"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",)"
     R"("Principal":{"AWS":"arn:aws:iam::{account}:root"},"Action":["kms:Describe*","kms:Get*",)"
     R"("kms:List*","kms:RevokeGrant"],"Resource":"*"}]})"},
    {"alias/aws/elasticfilesystem",
     "Default key that protects my EFS filesystems when no other key is defined",
     R"({"Version":"2012-10-17","Id":"auto-elasticfilesystem-1",)"
     R"("Statement":[{"Sid":"Allow access to EFS for all principals in the account that are )"
     R"(authorized to use EFS","Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Encrypt",)"
     R"("kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:CreateGrant",)"
     R"("kms:DescribeKey"],"Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}",)"
     R"("kms:ViaService":"elasticfilesystem.{region}.amazonaws.com"}}},)"
     R"({"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",)"
     R"("Principal":{"AWS":"arn:aws:iam::{account}:root"},"Action":["kms:Describe*","kms:Get*",)"
     R"("kms:List*","kms:RevokeGrant"],"Resource":"*"}]})"},
    {"alias/aws/es",
     "Default key that protects my OpenSearch data when no other key is defined",
     R"({"Version":"2012-10-17","Id":"auto-es-2",)"
     R"("Statement":[{"Sid":"Allow access through OpenSearch Service for all principals in the )"
     R"(account that are authorized to use OpenSearch Service","Effect":"Allow",)"
     R"("Principal":{"AWS":"*"},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*",)"
     R"("kms:GenerateDataKey*","kms:CreateGrant","kms:DescribeKey"],"Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}",)"
     R"("kms:ViaService":"es.{region}.amazonaws.com"}}},)"
     R"({"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",)"
     R"("Principal":{"AWS":"arn:aws:iam::{account}:root"},"Action":["kms:Describe*","kms:Get*",)"
     R"("kms:List*","kms:RevokeGrant"],"Resource":"*"},)"
     R"({"Sid":"Allow OpenSearch service principals to describe the key directly",)"
     R"("Effect":"Allow","Principal":{"Service":"es.amazonaws.com"},"Action":["kms:Describe*",)"
     R"("kms:Get*","kms:List*"],"Resource":"*"}]})"},
    {"alias/aws/glue",
     "Default key that protects my Glue data when no other key is defined",
     R"({"Version":"2012-10-17","Id":"auto-glue-1",)"
     R"("Statement":[{"Sid":"Allow access through Glue for all principals in the account that )"
     R"(are authorized to use Glue","Effect":"Allow","Principal":{"AWS":"*"},)"
     R"("Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*",)"
     R"("kms:CreateGrant","kms:DescribeKey"],"Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}",)"
     R"("kms:ViaService":"glue.{region}.amazonaws.com"}}},)"
     R"({"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",)"
     R"("Principal":{"AWS":"arn:aws:iam::{account}:root"},"Action":["kms:Describe*","kms:Get*",)"
     R"("kms:List*","kms:RevokeGrant"],"Resource":"*"}]})"},
    {"alias/aws/kinesisvideo",
     "Default key that protects my kinesis video data when no other key is defined",
     R"({"Version":"2012-10-17","Id":"auto-kinesisvideo-1",)"
     R"("Statement":[{"Sid":"Allow access through Kinesis Video Streams for all principals in )"
     R"(the account that are authorized to use Kinesis Video Streams","Effect":"Allow",)"
     R"("Principal":{"AWS":"*"},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*",)"
     R"("kms:GenerateDataKey*","kms:CreateGrant","kms:DescribeKey"],"Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}",)"
     R"("kms:ViaService":"kinesisvideo.{region}.amazonaws.com"}}},)"
     R"({"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",)"
     R"("Principal":{"AWS":"arn:aws:iam::{account}:root"},"Action":["kms:Describe*","kms:Get*",)"
     R"("kms:List*","kms:RevokeGrant"],"Resource":"*"}]})"},
    {"alias/aws/lambda",
     "Default key that protects my Lambda functions when no other key is defined",
     R"({"Version":"2012-10-17","Id":"auto-awslambda",)"
     R"("Statement":[{"Sid":"Allow access through AWS Lambda for all principals in the account )"
     R"(that are authorized to use AWS Lambda","Effect":"Allow","Principal":{"AWS":"*"},)"
     R"("Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*",)"
     R"("kms:CreateGrant","kms:DescribeKey"],"Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}",)"
     R"("kms:ViaService":"lambda.{region}.amazonaws.com"}}},)"
     R"({"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",)"
     R"("Principal":{"AWS":"arn:aws:iam::{account}:root"},"Action":["kms:Describe*","kms:Get*",)"
     R"("kms:List*","kms:RevokeGrant"],"Resource":"*"}]})"},
    {"alias/aws/rds",
     "Default key that protects my RDS database volumes when no other key is defined",
     R"({"Version":"2012-10-17","Id":"auto-rds-2",)"
     R"("Statement":[{"Sid":"Allow access through RDS for all principals in the account that )"
     R"(are authorized to use RDS","Effect":"Allow","Principal":{"AWS":"*"},)"
     R"("Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*",)"
     R"("kms:CreateGrant","kms:ListGrants","kms:DescribeKey"],"Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}",)"
     R"("kms:ViaService":"rds.{region}.amazonaws.com"}}},)"
     R"({"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",)"
     R"("Principal":{"AWS":"arn:aws:iam::{account}:root"},"Action":["kms:Describe*","kms:Get*",)"
     R"("kms:List*","kms:RevokeGrant"],"Resource":"*"}]})"},
    {"alias/aws/redshift",
     "Default key that protects my Redshift data when no other key is defined",
     R"({"Version":"2012-10-17","Id":"auto-redshift-3",)"
     R"("Statement":[{"Sid":"Allow access through RedShift for all principals in the account )"
     R"(that are authorized to use RedShift","Effect":"Allow","Principal":{"AWS":"*"},)"
     R"("Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*",)"
     R"("kms:CreateGrant","kms:DescribeKey"],"Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}",)"
     R"("kms:ViaService":"redshift.{region}.amazonaws.com"}}},)"
     R"({"Sid":"Allow access through RedShift-Serverless for all principals in the account that )"
     R"(are authorized to use RedShift-Serverless","Effect":"Allow","Principal":{"AWS":"*"},)"
     R"("Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*",)"
     R"("kms:CreateGrant","kms:DescribeKey"],"Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}",)"
     R"("kms:ViaService":"redshift-serverless.{region}.amazonaws.com"}}},)"
     R"({"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",)"
     R"("Principal":{"AWS":"arn:aws:iam::{account}:root"},"Action":["kms:Describe*","kms:Get*",)"
     R"("kms:List*","kms:RevokeGrant"],"Resource":"*"}]})"},
    {"alias/aws/s3",
     "Default key that protects my S3 objects when no other key is defined",
     R"({"Version":"2012-10-17","Id":"auto-s3-2",)"
     R"("Statement":[{"Sid":"Allow access through S3 for all principals in the account that are )"
     R"(authorized to use S3","Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Encrypt",)"
     R"("kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}",)"
     R"("kms:ViaService":"s3.{region}.amazonaws.com"}}},)"
     R"({"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",)"
     R"("Principal":{"AWS":"arn:aws:iam::{account}:root"},"Action":["kms:Describe*","kms:Get*",)"
     R"("kms:List*"],"Resource":"*"}]})"},
    {"alias/aws/secretsmanager",
     "Default key that protects my Secrets Manager data when no other key is defined",
     R"({"Version":"2012-10-17","Id":"auto-secretsmanager-2",)"
     R"("Statement":[{"Sid":"Allow access through AWS Secrets Manager for all principals in the )"
     R"(account that are authorized to use AWS Secrets Manager","Effect":"Allow",)"
     R"("Principal":{"AWS":"*"},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*",)"
     R"("kms:CreateGrant","kms:DescribeKey"],"Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}",)"
     R"("kms:ViaService":"secretsmanager.{region}.amazonaws.com"}}},)"
     R"({"Sid":"Allow access through AWS Secrets Manager for all principals in the account that )"
     R"(are authorized to use AWS Secrets Manager","Effect":"Allow","Principal":{"AWS":"*"},)"
     R"("Action":"kms:GenerateDataKey*","Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}"},)"
     R"("StringLike":{"kms:ViaService":"secretsmanager.*.amazonaws.com"}}},)"
     R"({"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",)"
     R"("Principal":{"AWS":"arn:aws:iam::{account}:root"},"Action":["kms:Describe*","kms:Get*",)"
     R"("kms:List*","kms:RevokeGrant"],"Resource":"*"}]})"},
    {"alias/aws/ssm",
     "Default key that protects my SSM parameters when no other key is defined",
     R"({"Version":"2012-10-17","Id":"auto-ssm-1",)"
     R"("Statement":[{"Sid":"Allow access through SSM for all principals in the account that )"
     R"(are authorized to use SSM","Effect":"Allow","Principal":{"AWS":"*"},)"
     R"("Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*",)"
     R"("kms:DescribeKey"],"Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}",)"
     R"("kms:ViaService":"ssm.{region}.amazonaws.com"}}},)"
     R"({"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",)"
     R"("Principal":{"AWS":"arn:aws:iam::{account}:root"},"Action":["kms:Describe*","kms:Get*",)"
     R"("kms:List*"],"Resource":"*"}]})"},
    {"alias/aws/xray",
     "Default key that protects my X-Ray data when no other key is defined",
     R"({"Version":"2012-10-17","Id":"auto-xray-1",)"
     R"("Statement":[{"Sid":"Allow access through X-Ray for all principals in the account that )"
     R"(are authorized to use X-Ray","Effect":"Allow","Principal":{"AWS":"*"},)"
     R"("Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*",)"
     R"("kms:CreateGrant","kms:DescribeKey"],"Resource":"*",)"
     R"("Condition":{"StringEquals":{"kms:CallerAccount":"{account}",)"
     R"("kms:ViaService":"xray.{region}.amazonaws.com"}}},)"
     R"({"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",)"
     R"("Principal":{"AWS":"arn:aws:iam::{account}:root"},"Action":["kms:Describe*","kms:Get*",)"
     R"("kms:List*","kms:RevokeGrant"],"Resource":"*"},)"
     R"({"Sid":"Allow X-Ray Service with service principal name xray.amazonaws.com to describe )"
     R"(the key directly","Effect":"Allow","Principal":{"Service":"xray.amazonaws.com"},)"
     R"("Action":["kms:Describe*","kms:Get*","kms:List*"],"Resource":"*"}]})"},
}};

// `text` with {account} and {region} replaced by `account` and `region`.
std::string Fill(std::string_view text, std::string_view account, std::string_view region) {
  std::string out;
  out.reserve(text.size() + 64);
  while (!text.empty()) {
    const size_t brace = text.find('{');
    out += text.substr(0, brace);
    if (brace == std::string_view::npos) break;
    text.remove_prefix(brace);
    if (text.starts_with(kAccountField)) {
      out += account;
      text.remove_prefix(kAccountField.size());
    } else if (text.starts_with(kRegionField)) {
      out += region;
      text.remove_prefix(kRegionField.size());
    } else {
      out += '{';
      text.remove_prefix(1);
    }
  }
  return out;
}

}  // namespace

std::span<const AwsManagedAlias> PredefinedAwsAliases() { return kPredefined; }

const AwsManagedAlias* FindPredefinedAwsAlias(std::string_view alias_name) {
  auto it = std::lower_bound(
      kPredefined.begin(), kPredefined.end(), alias_name,
      [](const AwsManagedAlias& a, std::string_view name) { return a.alias_name < name; });
  return it != kPredefined.end() && it->alias_name == alias_name ? &*it : nullptr;
}

Result<std::string> AwsManagedKeyPolicy(const AwsManagedAlias& alias, std::string_view account,
                                        std::string_view region) {
  // No value needs JSON escaping: the account is digits, the region a region name.
  return AwsPolicyText(Fill(alias.policy, account, region));
}

}  // namespace trent::kms
