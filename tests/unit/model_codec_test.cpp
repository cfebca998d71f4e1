#include <catch.hpp>

#include <cstdio>
#include <string>

#include "server/model/codec.h"
#include "server/model/pattern.h"
#include "server/model/service_model.h"

namespace json = boost::json;
using trent::ErrorCode;
using trent::Result;
using trent::model::DecodeRequest;
using trent::model::FindOperation;
using trent::model::Operation;
using trent::model::Pattern;

namespace {

Result<json::object> Decode(const char* op, std::string_view body) {
  const Operation* operation = FindOperation(op);
  REQUIRE(operation != nullptr);
  return DecodeRequest(*operation, body);
}

json::object DecodeOk(const char* op, std::string_view body) {
  auto r = Decode(op, body);
  INFO(op << " " << body << " -> " << r.status().message());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::string ErrorOf(const char* op, std::string_view body, ErrorCode code) {
  auto r = Decode(op, body);
  INFO(op << " " << body);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == code);
  return r.status().message();
}

std::string Validation(const char* op, std::string_view body) {
  return ErrorOf(op, body, ErrorCode::kValidation);
}

std::string Serialization(const char* op, std::string_view body) {
  return ErrorOf(op, body, ErrorCode::kSerialization);
}

std::string One(const std::string& violation) { return "1 validation error detected: " + violation; }

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("the table holds the 54 operations of the KMS model, sorted", "[model]") {
  auto ops = trent::model::Operations();
  CHECK(ops.size() == 54);
  for (size_t i = 1; i < ops.size(); ++i) CHECK(std::string_view(ops[i - 1].name) < ops[i].name);
  for (const Operation& op : ops) {
    CHECK(op.input != trent::model::kNoShape);
    CHECK(FindOperation(op.name) == &op);
  }
  REQUIRE(FindOperation("Encrypt") != nullptr);
  CHECK(std::string(trent::model::Shapes()[FindOperation("Encrypt")->input].name) == "EncryptRequest");
  CHECK(FindOperation("encrypt") == nullptr);
  CHECK(FindOperation("NoSuchOperation") == nullptr);
  CHECK(FindOperation("") == nullptr);
  CHECK(std::string(trent::model::kModelSource).find("kms-2014-11-01") != std::string::npos);
}

TEST_CASE("every pattern of the model compiles", "[model][pattern]") {
  int patterns = 0;
  for (const auto& shape : trent::model::Shapes()) {
    if (!shape.pattern) continue;
    ++patterns;
    INFO(shape.name << ": " << shape.pattern);
    CHECK(Pattern::Compile(shape.pattern).has_value());
  }
  CHECK(patterns >= 10);
}

TEST_CASE("patterns match like Java's Matcher.matches", "[model][pattern]") {
  auto matches = [](const char* regex, std::string_view text) {
    auto p = Pattern::Compile(regex);
    REQUIRE(p.has_value());
    return p->Matches(text);
  };
  // The whole value must match, not a part of it.
  CHECK(matches("[\\w]+", "policy_1"));
  CHECK_FALSE(matches("[\\w]+", "invalid-name"));
  CHECK_FALSE(matches("[\\w]+", ""));
  CHECK(matches("^[a-zA-Z0-9:/_-]+$", "alias/my-key_1"));
  CHECK_FALSE(matches("^[a-zA-Z0-9:/_-]+$", "alias/my key"));
  // Classes are over code points: U+00E9 is in [\u0020-\u00FF], U+20AC is not.
  CHECK(matches("[\\u0020-\\u00FF]*", "caf\xc3\xa9"));
  CHECK(matches("[\\u0020-\\u00FF]*", ""));
  CHECK_FALSE(matches("[\\u0020-\\u00FF]*", "5 \xe2\x82\xac"));
  CHECK_FALSE(matches("[\\u0020-\\u00FF]*", "tab\there"));
  CHECK(matches("[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+", "{\n\t\"Version\": \"2012-10-17\"\r\n}"));
  CHECK_FALSE(matches("[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+", std::string("a\x01", 2)));
  // '-' between a range and ']' or after a range is literal, as in Java.
  CHECK(matches("^[a-zA-Z0-9-_.]+$", "a-b_c.d"));
  CHECK_FALSE(matches("^[a-zA-Z0-9-_.]+$", "a/b"));
  CHECK(matches("^[\\w+=,.@:/-]+$", "arn:aws:iam::111122223333:role/x+y=z,w.v@u-t"));
  CHECK(matches("^[a-zA-Z0-9:/_\\s.-]+$", "key material 1.0"));
  // Counted repetition, groups and alternation with anchors in each branch.
  const char* path = "^(/[a-zA-Z0-9\\/_-]+/kms/xks/v\\d{1,2})$|^(/kms/xks/v\\d{1,2})$";
  CHECK(matches(path, "/kms/xks/v1"));
  CHECK(matches(path, "/prefix/kms/xks/v12"));
  CHECK_FALSE(matches(path, "/kms/xks/v123"));
  CHECK_FALSE(matches(path, "/kms/xks/"));
  CHECK(matches("^([a-z]+-){2,3}\\d+$", "us-east-1"));
  CHECK(matches("^([a-z]+-){2,3}\\d+$", "us-gov-west-1"));
  CHECK_FALSE(matches("^([a-z]+-){2,3}\\d+$", "east-1"));
  CHECK(matches("cluster-[2-7a-zA-Z]{11,16}", "cluster-234abcdefgh"));
  CHECK_FALSE(matches("cluster-[2-7a-zA-Z]{11,16}", "cluster-234abcdefg"));
  CHECK(matches("[0-9]{12}", "111122223333"));
  CHECK_FALSE(matches("[0-9]{12}", "11112222333"));
  CHECK(matches("^(com|eu)\\.amazonaws\\.vpce\\.([a-z]+-){2,3}\\d+\\.vpce-svc-[0-9a-z]+$",
                "com.amazonaws.vpce.us-east-1.vpce-svc-0123abc"));
  CHECK_FALSE(matches("^(com|eu)\\.amazonaws\\.vpce\\.([a-z]+-){2,3}\\d+\\.vpce-svc-[0-9a-z]+$",
                      "comXamazonaws.vpce.us-east-1.vpce-svc-0123abc"));
  CHECK(matches("a.c", "a\xc3\xa9" "c"));
  CHECK_FALSE(matches("a.c", "a\nc"));
  CHECK(matches("[^a-c]+", "xyz"));
  CHECK_FALSE(matches("[^a-c]+", "xaz"));
  // Long inputs run in linear time without recursion.
  CHECK(matches("[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+", std::string(131072, 'x')));
  // Outside the supported subset: refused, not misread.
  CHECK_FALSE(Pattern::Compile("a*+").has_value());
  CHECK_FALSE(Pattern::Compile("\\p{L}+").has_value());
  CHECK_FALSE(Pattern::Compile("(?i)abc").has_value());
  CHECK_FALSE(Pattern::Compile("[a-z&&[^b]]").has_value());
  CHECK_FALSE(Pattern::Compile("(abc").has_value());
  CHECK_FALSE(Pattern::Compile("[z-a]").has_value());
}

TEST_CASE("an empty body is {}", "[model][codec]") {
  CHECK(DecodeOk("ListKeys", "").empty());
  CHECK(DecodeOk("GenerateRandom", "").empty());
  CHECK(Validation("Encrypt", "") ==
        "2 validation errors detected: "
        "Value null at 'keyId' failed to satisfy constraint: Member must not be null; "
        "Value null at 'plaintext' failed to satisfy constraint: Member must not be null");
}

TEST_CASE("malformed JSON and non-object bodies are SerializationException", "[model][codec]") {
  CHECK(Serialization("ListKeys", "{").find("not valid JSON") != std::string::npos);
  CHECK(Serialization("ListKeys", "{\"Limit\":}").find("not valid JSON") != std::string::npos);
  CHECK(Serialization("ListKeys", "{\"Limit\":1,}").find("not valid JSON") != std::string::npos);
  CHECK(Serialization("ListKeys", "{} {}").find("not valid JSON") != std::string::npos);
  CHECK(Serialization("ListKeys", "{\"Marker\":\"\xff\"}").find("not valid JSON") != std::string::npos);
  CHECK(Serialization("ListKeys", "[]") == "Start of list found where not expected");
  CHECK(Serialization("ListKeys", "\"x\"") == "The request body must be a JSON object");
  CHECK(Serialization("ListKeys", "null") == "The request body must be a JSON object");
  CHECK(Serialization("ListKeys", "42") == "The request body must be a JSON object");
  // Nesting deeper than the parser's limit is refused, not a stack overflow.
  std::string deep = "{\"x\":" + Repeat("[", 100000) + Repeat("]", 100000) + "}";
  CHECK(Serialization("ListKeys", deep).find("not valid JSON") != std::string::npos);
}

TEST_CASE("Encrypt: blobs are base64-decoded in place, the rest kept as sent", "[model][codec]") {
  auto req = DecodeOk("Encrypt",
                      R"({"KeyId":"alias/app","Plaintext":"aGVsbG8=","EncryptionContext":{"purpose":"test","n":"1"},)"
                      R"("GrantTokens":["t1"],"EncryptionAlgorithm":"SYMMETRIC_DEFAULT","DryRun":false,"Unknown":{"x":[1]}})");
  CHECK(req.at("KeyId").as_string() == "alias/app");
  CHECK(req.at("Plaintext").as_string() == "hello");
  CHECK(req.at("EncryptionContext").as_object().at("purpose").as_string() == "test");
  CHECK(req.at("EncryptionContext").as_object().size() == 2);
  CHECK(req.at("GrantTokens").as_array().size() == 1);
  CHECK(req.at("DryRun").as_bool() == false);
  CHECK(req.contains("Unknown"));  // unknown members are ignored, not removed

  // Raw bytes, NULs included; every padding form.
  auto bytes = DecodeOk("Encrypt", R"({"KeyId":"k","Plaintext":"AAEC/w=="})").at("Plaintext").as_string();
  CHECK(std::string(bytes.data(), bytes.size()) == std::string("\x00\x01\x02\xff", 4));
  CHECK(DecodeOk("Encrypt", R"({"KeyId":"k","Plaintext":"YWI="})").at("Plaintext").as_string() == "ab");
  CHECK(DecodeOk("Encrypt", R"({"KeyId":"k","Plaintext":"YWJj"})").at("Plaintext").as_string() == "abc");
  CHECK(DecodeOk("Encrypt", R"({"KeyId":"k","Plaintext":"YWJjZA=="})").at("Plaintext").as_string() == "abcd");
  CHECK(DecodeOk("Decrypt", R"({"CiphertextBlob":"+/+/"})").at("CiphertextBlob").as_string() == "\xfb\xff\xbf");
}

TEST_CASE("invalid base64 is SerializationException", "[model][codec]") {
  // Non-sensitive blobs quote the text as AWS does; sensitive ones (Plaintext) name the member.
  CHECK(Serialization("Decrypt", R"({"CiphertextBlob":"23456"})") ==
        "'23456' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes "
        "but found: 5");
  CHECK(Serialization("Decrypt", R"({"CiphertextBlob":"=+/="})") ==
        "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='");
  CHECK(Serialization("Decrypt", R"({"CiphertextBlob":"+/+="})") ==
        "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected");
  CHECK(Serialization("Decrypt", R"({"CiphertextBlob":"QR=="})") ==
        "'QR==' can not be converted to a Blob: Invalid last non-pad Base64 character dectected");
  CHECK(Serialization("Decrypt", R"({"CiphertextBlob":"ab!d"})") ==
        "'ab!d' can not be converted to a Blob: Invalid Base64 character: '!'");
  CHECK(Serialization("Decrypt", R"({"CiphertextBlob":"Y\nJj"})") ==
        "'Y\nJj' can not be converted to a Blob: Invalid Base64 character: '\n'");
  CHECK(Serialization("Encrypt", R"({"KeyId":"k","Plaintext":"secret!!"})") ==
        "Value at 'plaintext' can not be converted to a Blob: Invalid Base64 character: '!'");
  CHECK(Serialization("Encrypt", R"({"KeyId":"k","Plaintext":"abc"})") ==
        "Value at 'plaintext' can not be converted to a Blob: Base64 encoded length is expected a multiple "
        "of 4 bytes but found: 3");
}

TEST_CASE("Encrypt: plaintext length, sensitive value omitted", "[model][codec]") {
  std::string big = std::string(R"({"KeyId":"k","Plaintext":")") + Repeat("QUFB", 1366) + "\"}";  // 4098 bytes
  CHECK(Validation("Encrypt", big) ==
        One("Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"));
  std::string max = std::string(R"({"KeyId":"k","Plaintext":")") + Repeat("QUFB", 1365) + "QQ==\"}";  // 4096
  CHECK(DecodeOk("Encrypt", max).at("Plaintext").as_string().size() == 4096);
  CHECK(Validation("Encrypt", R"({"KeyId":"k","Plaintext":""})") ==
        One("Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1"));
  CHECK(Validation("Encrypt", R"({"KeyId":"","Plaintext":"","EncryptionAlgorithm":"AES"})") ==
        "3 validation errors detected: "
        "Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1; "
        "Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1; "
        "Value 'AES' at 'encryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: "
        "[SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]");
}

TEST_CASE("GenerateDataKey: enums, ranges and number conversions", "[model][codec]") {
  CHECK(Validation("GenerateDataKey", R"({"KeyId":"k","KeySpec":"FOO"})") ==
        One("Value 'FOO' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: "
            "[AES_256, AES_128]"));
  CHECK(Validation("GenerateDataKey", R"({"KeyId":"k","NumberOfBytes":0})") ==
        One("Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"));
  CHECK(Validation("GenerateDataKey", R"({"KeyId":"k","NumberOfBytes":1025})") ==
        One("Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"));
  CHECK(Validation("GenerateDataKey", R"({"KeyId":"k","NumberOfBytes":-5})") ==
        One("Value '-5' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"));
  // Several violations: model member order (KeyId, NumberOfBytes, KeySpec).
  CHECK(Validation("GenerateDataKey", R"({"KeySpec":"AES_512","NumberOfBytes":2048})") ==
        "3 validation errors detected: "
        "Value null at 'keyId' failed to satisfy constraint: Member must not be null; "
        "Value '2048' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024; "
        "Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]");

  auto req = DecodeOk("GenerateDataKey", R"({"KeyId":"k","NumberOfBytes":32,"KeySpec":"AES_256"})");
  CHECK(req.at("NumberOfBytes").is_int64());
  CHECK(req.at("NumberOfBytes").as_int64() == 32);
  // Fractions are truncated, as AWS does.
  CHECK(DecodeOk("GenerateDataKey", R"({"KeyId":"k","NumberOfBytes":16.9})").at("NumberOfBytes").as_int64() == 16);
  CHECK(DecodeOk("GenerateDataKey", R"({"KeyId":"k","NumberOfBytes":1.6e1})").at("NumberOfBytes").as_int64() == 16);

  CHECK(Serialization("GenerateDataKey", R"({"KeyId":"k","NumberOfBytes":"16"})") ==
        "STRING_VALUE can not be converted to an Integer");
  CHECK(Serialization("GenerateDataKey", R"({"KeyId":"k","NumberOfBytes":true})") ==
        "TRUE_VALUE can not be converted to an Integer");
  CHECK(Serialization("GenerateDataKey", R"({"KeyId":"k","NumberOfBytes":[16]})") ==
        "Start of list found where not expected");
  CHECK(Serialization("GenerateDataKey", R"({"KeyId":"k","NumberOfBytes":{}})") ==
        "Start of structure or map found where not expected.");
  CHECK(Serialization("GenerateDataKey", R"({"KeyId":"k","NumberOfBytes":1e30})") ==
        "Value 1E30 at 'numberOfBytes' can not be converted to an Integer: out of range");
  CHECK(Serialization("GenerateDataKey", R"({"KeyId":"k","NumberOfBytes":2147483648})") ==
        "Value 2147483648 at 'numberOfBytes' can not be converted to an Integer: out of range");
  CHECK(Serialization("GenerateDataKey", R"({"KeyId":"k","NumberOfBytes":-2147483649})") ==
        "Value -2147483649 at 'numberOfBytes' can not be converted to an Integer: out of range");
  CHECK(Serialization("GenerateDataKey", R"({"KeyId":"k","NumberOfBytes":18446744073709551615})")
            .find("out of range") != std::string::npos);
  CHECK(Serialization("GenerateDataKey", R"({"KeyId":"k","NumberOfBytes":1e400})").find("out of range") !=
        std::string::npos);
  CHECK(Validation("GenerateDataKey", R"({"KeyId":"k","NumberOfBytes":-2147483648})") ==
        One("Value '-2147483648' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater "
            "than or equal to 1"));
}

TEST_CASE("wrong JSON types, top level and nested", "[model][codec]") {
  CHECK(Serialization("Encrypt", R"({"KeyId":1,"Plaintext":"QQ=="})") == "NUMBER_VALUE can not be converted to a String");
  CHECK(Serialization("Encrypt", R"({"KeyId":1.5,"Plaintext":"QQ=="})") == "NUMBER_VALUE can not be converted to a String");
  CHECK(Serialization("Encrypt", R"({"KeyId":true,"Plaintext":"QQ=="})") == "TRUE_VALUE can not be converted to a String");
  CHECK(Serialization("Encrypt", R"({"KeyId":false,"Plaintext":"QQ=="})") == "FALSE_VALUE can not be converted to a String");
  CHECK(Serialization("Encrypt", R"({"KeyId":["k"],"Plaintext":"QQ=="})") == "Start of list found where not expected");
  CHECK(Serialization("Encrypt", R"({"KeyId":{"a":1},"Plaintext":"QQ=="})") ==
        "Start of structure or map found where not expected.");
  CHECK(Serialization("Encrypt", R"({"KeyId":"k","Plaintext":5})") == "NUMBER_VALUE can not be converted to a Blob");
  CHECK(Serialization("Encrypt", R"({"KeyId":"k","Plaintext":true})") == "TRUE_VALUE can not be converted to a Blob");
  CHECK(Serialization("Encrypt", R"({"KeyId":"k","Plaintext":"QQ==","EncryptionContext":"a=b"})") ==
        "Expected map or null");
  CHECK(Serialization("Encrypt", R"({"KeyId":"k","Plaintext":"QQ==","EncryptionContext":["a"]})") ==
        "Start of list found where not expected");
  CHECK(Serialization("Encrypt", R"({"KeyId":"k","Plaintext":"QQ==","EncryptionContext":{"a":1}})") ==
        "NUMBER_VALUE can not be converted to a String");
  CHECK(Serialization("Encrypt", R"({"KeyId":"k","Plaintext":"QQ==","EncryptionContext":{"a":{"b":"c"}}})") ==
        "Start of structure or map found where not expected.");
  CHECK(Serialization("Encrypt", R"({"KeyId":"k","Plaintext":"QQ==","GrantTokens":"t"})") == "Expected list or null");
  CHECK(Serialization("Encrypt", R"({"KeyId":"k","Plaintext":"QQ==","GrantTokens":{}})") ==
        "Start of structure or map found where not expected.");
  CHECK(Serialization("Encrypt", R"({"KeyId":"k","Plaintext":"QQ==","GrantTokens":[["t"]]})") ==
        "Start of list found where not expected");
  CHECK(Serialization("Encrypt", R"({"KeyId":"k","Plaintext":"QQ==","DryRun":"true"})") ==
        "STRING_VALUE can not be converted to a Boolean");
  CHECK(Serialization("Encrypt", R"({"KeyId":"k","Plaintext":"QQ==","DryRun":1})") ==
        "NUMBER_VALUE can not be converted to a Boolean");
  CHECK(Serialization("CreateKey", R"({"Tags":[{"TagKey":"a","TagValue":7}]})") ==
        "NUMBER_VALUE can not be converted to a String");
  CHECK(Serialization("CreateKey", R"({"Tags":["a"]})") == "Expected null");
  CHECK(Serialization("CreateKey", R"({"Tags":[[]]})") == "Start of list found where not expected");
  CHECK(Serialization("CreateKey", R"({"BypassPolicyLockoutSafetyCheck":"yes"})") ==
        "STRING_VALUE can not be converted to a Boolean");
  CHECK(Serialization("ImportKeyMaterial", R"({"KeyId":"k","ImportToken":"QQ==","EncryptedKeyMaterial":"QQ==",)"
                                           R"("ValidTo":"2030-01-01"})") ==
        "STRING_VALUE can not be converted to a Timestamp");
  // A type error wins over validation errors collected before it.
  CHECK(Serialization("Encrypt", R"({"KeyId":"","Plaintext":7})") == "NUMBER_VALUE can not be converted to a Blob");
}

TEST_CASE("nulls count as absent, unknown members are ignored", "[model][codec]") {
  CHECK(Validation("Encrypt", R"({"KeyId":null,"Plaintext":"QQ=="})") ==
        One("Value null at 'keyId' failed to satisfy constraint: Member must not be null"));
  auto req = DecodeOk("Encrypt",
                      R"({"KeyId":"k","Plaintext":"QQ==","EncryptionContext":null,"GrantTokens":["a",null,"b"],)"
                      R"("DryRun":null,"Whatever":true,"keyid":5})");
  CHECK_FALSE(req.contains("EncryptionContext"));
  CHECK_FALSE(req.contains("DryRun"));
  CHECK(req.at("GrantTokens").as_array() == json::array{"a", "b"});
  CHECK(req.at("keyid").as_int64() == 5);  // member names are case-sensitive: unknown, kept untouched
  auto ctx = DecodeOk("Encrypt", R"({"KeyId":"k","Plaintext":"QQ==","EncryptionContext":{"a":null,"b":"c"}})");
  CHECK(ctx.at("EncryptionContext").as_object().size() == 1);
  CHECK(DecodeOk("ListKeys", R"({"Limit":null,"Marker":null})").empty());
}

TEST_CASE("CreateKey: nested paths, enums in model order, patterns", "[model][codec]") {
  std::string long_key = std::string(129, 'a');
  CHECK(Validation("CreateKey", R"({"Tags":[{"TagKey":")" + long_key + R"(","TagValue":"v"}]})") ==
        One("Value '" + long_key + "' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have "
            "length less than or equal to 128"));
  CHECK(Validation("CreateKey", R"({"Tags":[{"TagKey":"a","TagValue":"b"},{"TagKey":""}]})") ==
        "2 validation errors detected: "
        "Value '' at 'tags.2.member.tagKey' failed to satisfy constraint: Member must have length greater than or equal to 1; "
        "Value null at 'tags.2.member.tagValue' failed to satisfy constraint: Member must not be null");
  CHECK(Validation("CreateKey", R"({"KeyUsage":"RANDOM"})") ==
        One("Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: "
            "[SIGN_VERIFY, ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, KEY_AGREEMENT]"));
  // Values longer than 512 bytes are shown cut (see "long values are shown cut" below).
  CHECK(Validation("CreateKey", R"({"Description":")" + std::string(8193, 'd') + "\"}") ==
        One("Value '" + std::string(512, 'd') + "...' at 'description' failed to satisfy constraint: Member must "
            "have length less than or equal to 8192"));
  // Lengths are Java's (UTF-16 units): 8192 x U+00E9 (16384 bytes) fits, an emoji counts 2.
  DecodeOk("CreateKey", R"({"Description":")" + Repeat("\xc3\xa9", 8192) + "\"}");
  CHECK(Validation("CreateKey", R"({"Description":")" + Repeat("\xc3\xa9", 8191) + "\xf0\x9f\x94\x91\"}")
            .find("less than or equal to 8192") != std::string::npos);
  CHECK(Validation("CreateKey", R"({"Policy":"{\u0001}"})") ==
        One("Value '{\x01}' at 'policy' failed to satisfy constraint: Member must satisfy regular expression "
            "pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"));
  CHECK(Validation("CreateKey", R"({"Policy":""})") ==
        "2 validation errors detected: "
        "Value '' at 'policy' failed to satisfy constraint: Member must have length greater than or equal to 1; "
        "Value '' at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: "
        "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
  auto req = DecodeOk("CreateKey", R"({"Description":"d","KeySpec":"SYMMETRIC_DEFAULT","KeyUsage":"ENCRYPT_DECRYPT",)"
                                   R"("Tags":[{"TagKey":"k","TagValue":""}],"BypassPolicyLockoutSafetyCheck":true})");
  CHECK(req.at("Tags").as_array()[0].as_object().at("TagValue").as_string() == "");
}

TEST_CASE("aliases and grants: the model's patterns are enforced", "[model][codec]") {
  CHECK(Validation("CreateAlias", R"({"AliasName":"alias/bad name","TargetKeyId":"k"})") ==
        One("Value 'alias/bad name' at 'aliasName' failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: ^[a-zA-Z0-9:/_-]+$"));
  DecodeOk("CreateAlias", R"({"AliasName":"alias/good-name_1","TargetKeyId":"k"})");
  CHECK(Validation("GetKeyPolicy", R"({"KeyId":"k","PolicyName":"invalid-name"})") ==
        One("Value 'invalid-name' at 'policyName' failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: [\\w]+"));
}

TEST_CASE("ListKeys: Limit range, Marker pattern", "[model][codec]") {
  CHECK(DecodeOk("ListKeys", R"({"Limit":5,"Marker":"abc"})").at("Limit").as_int64() == 5);
  CHECK(Validation("ListKeys", R"({"Limit":0})") ==
        One("Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"));
  CHECK(Validation("ListKeys", R"({"Limit":1001})") ==
        One("Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000"));
  CHECK(Validation("ListKeys", R"({"Limit":0,"Marker":""})") ==
        "2 validation errors detected: "
        "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; "
        "Value '' at 'marker' failed to satisfy constraint: Member must have length greater than or equal to 1");
  CHECK(Validation("ListKeys", R"({"Marker":"a\nb"})") ==
        One("Value 'a\nb' at 'marker' failed to satisfy constraint: Member must satisfy regular expression pattern: "
            "[\\u0020-\\u00FF]*"));
}

TEST_CASE("ScheduleKeyDeletion and GenerateRandom ranges", "[model][codec]") {
  CHECK(Validation("ScheduleKeyDeletion", R"({"PendingWindowInDays":366})") ==
        "2 validation errors detected: "
        "Value null at 'keyId' failed to satisfy constraint: Member must not be null; "
        "Value '366' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or "
        "equal to 365");
  CHECK(DecodeOk("ScheduleKeyDeletion", R"({"KeyId":"k","PendingWindowInDays":7})").at("PendingWindowInDays") == 7);
  CHECK(Validation("GenerateRandom", R"({"NumberOfBytes":1025})") ==
        One("Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"));
  CHECK(Validation("GenerateRandom", R"({"NumberOfBytes":0})") ==
        One("Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"));
  CHECK(DecodeOk("GenerateRandom", R"({"NumberOfBytes":1024})").at("NumberOfBytes") == 1024);
}

TEST_CASE("Decrypt: blob values are not shown, lists and their elements", "[model][codec]") {
  CHECK(Validation("Decrypt", R"({"CiphertextBlob":""})") ==
        One("Value at 'ciphertextBlob' failed to satisfy constraint: Member must have length greater than or equal to 1"));
  std::string big = R"({"CiphertextBlob":")" + Repeat("QUFB", 2049) + "\"}";  // 6147 bytes
  CHECK(Validation("Decrypt", big) ==
        One("Value at 'ciphertextBlob' failed to satisfy constraint: Member must have length less than or equal to 6144"));
  CHECK(Validation("Decrypt", R"({"CiphertextBlob":"QQ==","GrantTokens":["a","b","c","d","e","f","g","h","i","j","k"]})") ==
        One("Value '[a, b, c, d, e, f, g, h, i, j, k]' at 'grantTokens' failed to satisfy constraint: Member must have "
            "length less than or equal to 10"));
  CHECK(Validation("Decrypt", R"({"CiphertextBlob":"QQ==","GrantTokens":["a",""]})") ==
        One("Value '' at 'grantTokens.2.member' failed to satisfy constraint: Member must have length greater than or "
            "equal to 1"));
  CHECK(Validation("Decrypt", R"({"CiphertextBlob":"QQ==","KeyId":"","EncryptionAlgorithm":"X"})") ==
        "2 validation errors detected: "
        "Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1; "
        "Value 'X' at 'encryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: "
        "[SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]");
  CHECK(DecodeOk("Decrypt", R"({"CiphertextBlob":"QQ==","KeyId":"k"})").at("CiphertextBlob").as_string() == "A");
}

TEST_CASE("nested structures and sensitive strings", "[model][codec]") {
  CHECK(Validation("CreateCustomKeyStore", R"({"CustomKeyStoreName":"s","XksProxyAuthenticationCredential":{}})") ==
        "2 validation errors detected: "
        "Value null at 'xksProxyAuthenticationCredential.accessKeyId' failed to satisfy constraint: Member must not be null; "
        "Value null at 'xksProxyAuthenticationCredential.rawSecretAccessKey' failed to satisfy constraint: Member must "
        "not be null");
  CHECK(Validation("CreateCustomKeyStore", R"({"CustomKeyStoreName":"s","KeyStorePassword":"short"})") ==
        One("Value at 'keyStorePassword' failed to satisfy constraint: Member must have length greater than or equal to 7"));
  CHECK(Serialization("CreateCustomKeyStore", R"({"CustomKeyStoreName":"s","XksProxyAuthenticationCredential":"x"})") ==
        "Expected null");
  CHECK(Serialization("CreateCustomKeyStore", R"({"CustomKeyStoreName":"s","XksProxyAuthenticationCredential":[]})") ==
        "Start of list found where not expected");
}

TEST_CASE("EncodeError writes AWS's error body", "[model][codec]") {
  using trent::Status;
  CHECK(trent::model::EncodeError(Status(ErrorCode::kValidation, "Value 'a\"b\\c' at 'x'\n")) ==
        R"({"__type":"ValidationException","message":"Value 'a\"b\\c' at 'x'\n"})");
  CHECK(trent::model::EncodeError(Status(ErrorCode::kInvalidCiphertext, "")) ==
        R"({"__type":"InvalidCiphertextException"})");
  auto r = Decode("Encrypt", R"({"KeyId":"k","Plaintext":""})");
  auto body = json::parse(trent::model::EncodeError(r.status()));
  CHECK(body.at("__type") == "ValidationException");
  CHECK(body.at("message").as_string() == One("Value at 'plaintext' failed to satisfy constraint: Member must have length greater "
                                  "than or equal to 1"));
}

namespace {

size_t Count(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A JSON list of `n` copies of `element`.
std::string ListOf(std::string_view element, size_t n) {
  std::string out = "[";
  for (size_t i = 0; i < n; ++i) {
    if (i) out += ',';
    out += element;
  }
  return out + "]";
}

}  // namespace

TEST_CASE("many violations: all counted, the first ten listed, the answer a few KiB", "[model][codec]") {
  // Issue 10, defect 2: a 1 MiB CreateGrant whose Operations are all "" answered 130 MB.
  const size_t n = 349000;
  const std::string body = R"({"Operations":)" + ListOf(R"("")", n) + "}";
  REQUIRE(body.size() < 1024 * 1024);
  const std::string message = Validation("CreateGrant", body);
  // keyId and granteePrincipal are missing, and every element fails the enum.
  CHECK(message.rfind(std::to_string(n + 2) + " validation errors detected: Value null at 'keyId' failed to "
                      "satisfy constraint: Member must not be null; Value null at 'granteePrincipal'", 0) == 0);
  // Each enum violation takes about 320 bytes: the list stops growing past 2 KiB.
  CHECK(Count(message, "failed to satisfy constraint") == 8);
  CHECK(Count(message, "Value '' at 'operations.6.member' failed to satisfy constraint: Member must satisfy "
                       "enum value set: [") == 1);
  CHECK(Count(message, "operations.7.member") == 0);
  CHECK(message.size() < 4096);
  CHECK(trent::model::EncodeError(trent::Status(ErrorCode::kValidation, message)).size() < 4096);

  // 349k tags without keys or values: two short violations each, ten listed.
  const std::string tags = R"({"Tags":)" + ListOf("{}", 349000) + "}";
  const std::string tag_message = Validation("CreateKey", tags);
  CHECK(tag_message.rfind("698000 validation errors detected: Value null at 'tags.1.member.tagKey'", 0) == 0);
  CHECK(Count(tag_message, "failed to satisfy constraint") == 10);
  CHECK(tag_message.size() < 4096);
}

TEST_CASE("the listed violations stop past 2 KiB, whatever their values", "[model][codec]") {
  // Each element breaks GrantOperation's enum and shows a value cut at 512 bytes: 3 are listed.
  const std::string value = "\"" + std::string(5000, 'x') + "\"";
  const std::string message =
      Validation("CreateGrant", R"({"KeyId":"k","GranteePrincipal":"p","Operations":)" + ListOf(value, 50) + "}");
  CHECK(message.rfind("50 validation errors detected: ", 0) == 0);
  CHECK(Count(message, "failed to satisfy constraint") == 3);
  CHECK(message.size() < 4096);
}

TEST_CASE("long values are shown cut at 512 bytes, at a character boundary", "[model][codec]") {
  // 512 bytes show every name, tag and alias whole, as AWS does.
  const std::string alias = "alias/" + std::string(251, 'x');
  CHECK(Validation("CreateAlias", R"({"AliasName":")" + alias + R"(","TargetKeyId":"k"})") ==
        One("Value '" + alias + "' at 'aliasName' failed to satisfy constraint: Member must have length less than "
            "or equal to 256"));

  // 'a' then 'é' (2 bytes): byte 512 is the middle of a character, so the cut is at 511.
  std::string description = "a";
  for (int i = 0; i < 9000; ++i) description += "\xC3\xA9";
  const std::string shown = "a" + Repeat("\xC3\xA9", 255) + "...";
  CHECK(Validation("CreateKey", R"({"Description":")" + description + "\"}") ==
        One("Value '" + shown + "' at 'description' failed to satisfy constraint: Member must have length less "
            "than or equal to 8192"));

  // Lists are shown as Java shows them, cut the same way (and built no further than shown).
  const std::string token = std::string(100, 't');
  const std::string tokens = ListOf("\"" + token + "\"", 11);
  const std::string five = token + ", " + token + ", " + token + ", " + token + ", " + token;  // 508 bytes
  CHECK(Validation("Decrypt", R"({"CiphertextBlob":"AAAA","GrantTokens":)" + tokens + "}") ==
        One("Value '[" + five + ", t...' at 'grantTokens' failed to satisfy constraint: Member must have length "
            "less than or equal to 10"));

  // Invalid base64 in a blob the message quotes.
  const std::string text = std::string(10000, 'A') + "!!!!";
  CHECK(Serialization("Decrypt", R"({"CiphertextBlob":")" + text + "\"}") ==
        "'" + std::string(512, 'A') + "...' can not be converted to a Blob: Invalid Base64 character: '!'");
}

TEST_CASE("EncodeResponse writes the output as JSON, then wipes its strings", "[model][codec]") {
  json::object output;
  output["KeyId"] = "arn:aws:kms:us-east-1:111122223333:key/k";
  output["Plaintext"] = Repeat("QUJD", 3000);
  output["Escaped"] = Repeat("\"\x01", 2000);  // grows past the first buffer: 14000 bytes escaped
  output["Nested"] = json::object{{"List", json::array{1, 2.5, true, nullptr, "s"}}};
  const std::string expected = json::serialize(output);
  CHECK(trent::model::EncodeResponse(output) == expected);
  CHECK(output.at("Plaintext").as_string() == std::string(12000, '\0'));
  CHECK(output.at("Escaped").as_string() == std::string(4000, '\0'));
  CHECK(output.at("Nested").at("List").at(4).as_string() == std::string(1, '\0'));
  CHECK(output.at("KeyId").as_string().size() == 40);

  json::object empty;
  CHECK(trent::model::EncodeResponse(empty) == "{}");
}
