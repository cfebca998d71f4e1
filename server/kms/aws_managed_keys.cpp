#include "server/kms/aws_managed_keys.h"

#include <algorithm>
#include <array>

namespace trent::kms {
namespace {

// The predefined aliases of a new account and region (as ListAliases shows them in AWS, and
// LocalStack records them), sorted by name. The descriptions of aws/ebs, aws/glue, aws/rds and
// aws/s3 are recorded from AWS; the others follow AWS's reserved pattern "Default master key
// that protects my ... when no other key is defined" with trent's words for the data.
constexpr std::array<AwsManagedAlias, 14> kPredefined = {{
    {"alias/aws/acm",
     "Default master key that protects my ACM private keys when no other key is defined"},
    {"alias/aws/dynamodb",
     "Default master key that protects my DynamoDB tables when no other key is defined"},
    {"alias/aws/ebs",
     "Default master key that protects my EBS volumes when no other key is defined"},
    {"alias/aws/elasticfilesystem",
     "Default master key that protects my EFS file systems when no other key is defined"},
    {"alias/aws/es",
     "Default master key that protects my Elasticsearch data when no other key is defined"},
    {"alias/aws/glue",
     "Default master key that protects my Glue data when no other key is defined"},
    {"alias/aws/kinesisvideo",
     "Default master key that protects my Kinesis Video Streams data when no other key is "
     "defined"},
    {"alias/aws/lambda",
     "Default master key that protects my Lambda functions when no other key is defined"},
    {"alias/aws/rds",
     "Default master key that protects my RDS database volumes when no other key is defined"},
    {"alias/aws/redshift",
     "Default master key that protects my Redshift data when no other key is defined"},
    {"alias/aws/s3",
     "Default master key that protects my S3 objects when no other key is defined"},
    {"alias/aws/secretsmanager",
     "Default master key that protects my Secrets Manager secrets when no other key is "
     "defined"},
    {"alias/aws/ssm",
     "Default master key that protects my SSM parameters when no other key is defined"},
    {"alias/aws/xray",
     "Default master key that protects my X-Ray data when no other key is defined"},
}};

}  // namespace

std::span<const AwsManagedAlias> PredefinedAwsAliases() { return kPredefined; }

const AwsManagedAlias* FindPredefinedAwsAlias(std::string_view alias_name) {
  auto it = std::lower_bound(
      kPredefined.begin(), kPredefined.end(), alias_name,
      [](const AwsManagedAlias& a, std::string_view name) { return a.alias_name < name; });
  return it != kPredefined.end() && it->alias_name == alias_name ? &*it : nullptr;
}

std::string AwsManagedKeyPolicy(std::string_view alias_name, std::string_view account,
                                std::string_view region) {
  std::string service(alias_name.substr(std::string_view("alias/aws/").size()));
  std::string acct(account);
  // The shape of AWS's policies (e.g. the "auto-s3-2" policy of aws/s3); AWS numbers the Id
  // per service, trent does not. No part needs JSON escaping: the service is one of
  // kPredefined's, the account is digits, the region a region name.
  return R"({"Version":"2012-10-17","Id":"auto-)" + service +
         R"(","Statement":[{"Sid":"Allow access through )" + service +
         " for all principals in the account that are authorized to use " + service +
         R"(","Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Encrypt","kms:Decrypt",)"
         R"("kms:ReEncrypt*","kms:GenerateDataKey*","kms:CreateGrant","kms:DescribeKey"],)"
         R"("Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":")" + acct +
         R"(","kms:ViaService":")" + service + "." + std::string(region) +
         R"(.amazonaws.com"}}},{"Sid":"Allow direct access to key metadata to the account",)"
         R"("Effect":"Allow","Principal":{"AWS":"arn:aws:iam::)" + acct +
         R"(:root"},"Action":["kms:Describe*","kms:Get*","kms:List*","kms:RevokeGrant"],)"
         R"("Resource":"*"}]})";
}

}  // namespace trent::kms
