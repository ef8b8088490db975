// Text placed into an HTML document: escaped so that any value read from
// Redis (user ids, column values, error messages) shows as text and can never
// become markup or script.
//
// Thread-safety: pure function.
#ifndef CUTOVER_HTML_TEXT_H_
#define CUTOVER_HTML_TEXT_H_

#include <string>
#include <string_view>

namespace cutover::report {

// Escapes &, <, >, " and ' for use in element content and quoted attribute
// values. Control characters other than tab and newline become U+FFFD, so a
// stray byte cannot break the document.
std::string EscapeHtml(std::string_view text);

}  // namespace cutover::report

#endif  // CUTOVER_HTML_TEXT_H_
