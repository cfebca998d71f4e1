// The PKCS#11 header, for hsm/ only, plus names of return values for error messages.
#pragma once

#include <p11-kit/pkcs11.h>

// p11-kit maps its own member names onto the standard ones with macros; these generic ones
// would rename ordinary identifiers (Result::value(), unordered_set::count()) after this point.
// The structs are already declared with the standard names (pValue, ulCount, ...).
#undef value
#undef value_len
#undef count
#undef parameter
#undef parameter_len
#undef params
#undef reserved

#include <string>

namespace trent::hsm {

// "CKR_PIN_INCORRECT", or "CKR_0x..." for a value this table does not know.
std::string CkrName(CK_RV rv);

}  // namespace trent::hsm
