#pragma once
// Internal to strega::report: base64 for the data URIs that embed the pictures in the HTML page.

#include <string>
#include <string_view>

namespace strega::report::detail {

/// RFC 4648 base64 with padding, no line breaks (the form data URIs take).
std::string base64Encode(std::string_view bytes);

} // namespace strega::report::detail
