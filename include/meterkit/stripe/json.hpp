// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// JSON for the Stripe adapter, on top of nlohmann-json: exact parsing, paths to values, and
/// errors that name the file, line and column (SPEC D1, D3, D6; CONTRACT.md "Exit status").
///
/// - `parse_json` parses one document with nlohmann's parser and a DOM builder of our own that
///   keeps what the rules need and nlohmann would lose: an integer outside 64 bits keeps its digits
///   (D3: "a JSON integer is taken as its decimal text"), a repeated key is an error instead of a
///   silent overwrite, and nesting is bounded. Syntax errors become `input_error` at the exact line
///   and column.
/// - Converters from JSON to Stripe objects report a wrong type with `json_value_error`, which
///   carries the path of the value (`params.events[3].payload.value`); `locate_json_value` finds
///   that value in the text again so that the reader can report its line and column.
/// - `detail::json_array_reader` hands out the elements of a top-level array one at a time, each
///   with the position of its first character (D1: "a JSON array element by the line of its `{`"),
///   holding at most one element in memory.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <meterkit/core/checksum.hpp>
#include <meterkit/core/decimal.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/detail/printable.hpp>
#include <meterkit/stripe/input_error.hpp>
#include <meterkit/stripe/input_source.hpp>

namespace meterkit {

/// The deepest nesting `parse_json` accepts.
inline constexpr std::size_t max_json_depth = 256;

/// One step of a path into a JSON document: an object key or an array index.
struct json_step {
  std::string key;
  std::optional<std::size_t> index;

  friend bool operator==(const json_step&, const json_step&) = default;
};

/// `a.b[3].c` for the steps a, b, 3, c.
[[nodiscard]] inline std::string to_string(std::span<const json_step> steps) {
  std::string out;
  for (const auto& s : steps) {
    if (s.index) {
      out += '[';
      out += std::to_string(*s.index);
      out += ']';
    } else {
      if (!out.empty()) out += '.';
      out += s.key;
    }
  }
  return out;
}

/// Where a converter is inside a document: a chain of steps on the stack (no allocation until an
/// error needs the path). A child must not outlive its parent.
class json_path {
 public:
  json_path() = default;
  /// A root named `prefix` (for example `params`); steps follow it.
  explicit json_path(std::string_view prefix)
      : key_(prefix), kind_(prefix.empty() ? kind::root : kind::key) {}

  [[nodiscard]] json_path operator/(std::string_view key) const { return json_path(this, key, 0, kind::key); }
  [[nodiscard]] json_path operator[](std::size_t index) const {
    return json_path(this, {}, index, kind::index);
  }

  [[nodiscard]] std::vector<json_step> steps() const {
    std::vector<json_step> out;
    for (const json_path* p = this; p != nullptr; p = p->parent_) {
      if (p->kind_ == kind::key) out.push_back({std::string(p->key_), std::nullopt});
      if (p->kind_ == kind::index) out.push_back({{}, p->index_});
    }
    return {out.rbegin(), out.rend()};
  }
  [[nodiscard]] std::string to_string() const { return meterkit::to_string(steps()); }

 private:
  enum class kind { root, key, index };
  json_path(const json_path* parent, std::string_view key, std::size_t index, kind k)
      : parent_(parent), key_(key), index_(index), kind_(k) {}

  const json_path* parent_ = nullptr;
  std::string_view key_;
  std::size_t index_ = 0;
  kind kind_ = kind::root;
};

/// A JSON value of the wrong type or form for the Stripe object being read (D3, D6). `what()` is
/// `path: message`. A `meterkit::error` with code `invalid_input`.
class json_value_error : public error {
 public:
  /// The message echoes input text: its control characters are escaped (detail/printable.hpp), so
  /// that `what()`, a C string, holds all of it (a NUL would end it) and cannot drive a terminal.
  json_value_error(std::vector<json_step> path, const std::string& message)
      : error(error_code::invalid_input,
              detail::printable(path.empty() ? message : meterkit::to_string(path) + ": " + message)),
        path_(std::move(path)) {}
  [[nodiscard]] const std::vector<json_step>& path() const noexcept { return path_; }

 private:
  std::vector<json_step> path_;
};

/// Raises `json_value_error` for the value at `where`.
[[noreturn]] inline void fail_json_value(const json_path& where, const std::string& message) {
  METERKIT_THROW(json_value_error(where.steps(), message));
}

/// How a container of a document is kept (`json_container_rule`).
enum class json_keep {
  tree,  ///< built, for a reader that looks inside it
  text,  ///< kept as its text only (`json_text_of`): for a reader that compares or prints it whole
  /// kept as its text, with each container it holds kept by its kind (`{}`, `[]`): for a reader
  /// that reads its members and refuses any container among them
  shallow_text,
  kind,  ///< an empty one of its kind stands for it: for a reader that refuses any container there
};

/// What a reader wants of one container of a document (`json_shape`).
struct json_container_rule {
  json_keep keep = json_keep::tree;
  /// An array holds at most this many elements; the next one makes the document unusable with
  /// `too_many` as the message, at that element.
  std::size_t max_elements = static_cast<std::size_t>(-1);
  std::string_view too_many{};
};

/// Where a reader looks inside a document, for `read_json`: called for each container with the
/// member names that lead to it from the top-level value ("[]" for an array element; none for the
/// top-level value itself) and whether it is an array.
using json_shape = json_container_rule (*)(std::span<const std::string> keys, bool is_array);

namespace detail {

/// The subtype of the binary values by which `parse_json` stores an integer that does not fit in
/// 64 bits, as its ASCII digits. JSON text never produces binary values, so nothing is ambiguous.
inline constexpr std::uint8_t json_big_integer_subtype = 0x42;
/// The subtypes of the binary values by which `read_json` keeps an object or an array that its
/// shape does not build, as its text (`exact_json_builder`).
inline constexpr std::uint8_t json_text_object_subtype = 0x4f;
inline constexpr std::uint8_t json_text_array_subtype = 0x41;

[[nodiscard]] inline bool is_integer_lexeme(std::string_view s) noexcept {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

/// A forward iterator over `const char` that publishes how far the parser has read.
struct counting_char_iterator {
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  const char* at = nullptr;
  const char** furthest = nullptr;

  reference operator*() const noexcept { return *at; }
  counting_char_iterator& operator++() noexcept {
    ++at;
    *furthest = at;
    return *this;
  }
  counting_char_iterator operator++(int) noexcept {
    auto copy = *this;
    ++*this;
    return copy;
  }
  friend bool operator==(const counting_char_iterator& a, const counting_char_iterator& b) noexcept {
    return a.at == b.at;
  }
};

/// nlohmann's messages without their `[json.exception.parse_error.101] parse error at line 1,
/// column 2: ` prefix (we print our own position).
[[nodiscard]] inline std::string clean_json_message(std::string_view what) {
  if (!what.empty() && what.front() == '[') {
    const auto close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  if (what.substr(0, 11) == "parse error") {
    const auto colon = what.find(": ");
    if (colon != std::string_view::npos) what.remove_prefix(colon + 2);
  }
  // The "last read" part may quote raw bytes of a binary file: keep the message printable ASCII.
  std::string out;
  out.reserve(what.size());
  for (const char c : what) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 0xf];
    }
  }
  return out;
}

/// nlohmann's SAX events into a `nlohmann::json`, keeping big integers' digits, refusing repeated
/// keys and bounding the depth. Two ways keep what a reader never looks into from costing more
/// than its bytes (D6):
/// - Below `build_depth` levels of containers, values are read but not built, for a reader that
///   refuses any value there by its kind: a container opened there is an empty one of its kind,
///   and an array there keeps its first element only.
/// - With a `json_shape`, a container the shape does not build is kept as its text
///   (`json_text_of`): its tokens in their order, without white space. It still compares, prints
///   and is described as the container it is, at one byte per byte read or fewer. Or it is kept
///   by its kind alone, an empty one. Either way its keys are checked as a tree's are. An array
///   the shape bounds refuses the element past its bound.
class exact_json_builder {
 public:
  using json = nlohmann::json;

  exact_json_builder(json& root, const char* begin, const char* const* furthest, std::size_t max_depth,
                     std::size_t build_depth = max_json_depth, json_shape shape = nullptr)
      : root_(root),
        begin_(begin),
        furthest_(furthest),
        max_depth_(max_depth),
        build_depth_(build_depth),
        shape_(shape) {}

  bool null() { return texting_ ? word("null") : !kept() || put(json(nullptr)); }
  bool boolean(bool v) { return texting_ ? word(v ? "true" : "false") : !kept() || put(json(v)); }
  bool number_integer(json::number_integer_t v) {
    return texting_ ? word(std::to_string(v)) : !kept() || put(json(v));
  }
  bool number_unsigned(json::number_unsigned_t v) {
    return texting_ ? word(std::to_string(v)) : !kept() || put(json(v));
  }
  bool number_float(json::number_float_t v, const std::string& lexeme) {
    if (texting_) return word(is_integer_lexeme(lexeme) ? lexeme : json(v).dump());
    if (!kept()) return true;
    if (is_integer_lexeme(lexeme))
      return put(
          json::binary(std::vector<std::uint8_t>(lexeme.begin(), lexeme.end()), json_big_integer_subtype));
    return put(json(v));
  }
  bool string(std::string& v) {
    if (texting_ == 0) return !kept() || put(json(std::move(v)));
    if (!text_levels_.back().dropping) {
      separate();
      append_quoted(v);
    }
    return true;
  }
  bool binary(json::binary_t& v) { return !kept() || put(json::binary(std::move(v))); }
  bool start_object(std::size_t) { return open(json::object()); }
  bool key(std::string& k) {
    if (texting_) return text_key(k);
    if (skipping_ != 0) return true;
    json& object = *stack_.back();
    if (object.contains(k)) return repeated_key(k);
    member_ = &object[k];
    if (shape_ != nullptr) last_key_ = std::move(k);
    return true;
  }
  bool end_object() { return close('}'); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_array() { return close(']'); }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::json::exception& e) {
    error_offset_ = position == 0 ? 0 : position - 1;
    error_message_ = clean_json_message(e.what());
    return false;
  }

  [[nodiscard]] std::size_t error_offset() const noexcept { return error_offset_; }
  [[nodiscard]] const std::string& error_message() const noexcept { return error_message_; }
  /// Whether the error is the shape's bound on an array rather than invalid JSON.
  [[nodiscard]] bool error_is_bound() const noexcept { return error_is_bound_; }

 private:
  /// Whether a value at the current place is built: not inside a container read and not built,
  /// nor after the first element of an array below `build_depth` levels.
  [[nodiscard]] bool kept() const {
    return skipping_ == 0 && (stack_.empty() || stack_.size() < build_depth_ || !stack_.back()->is_array() ||
                              stack_.back()->empty());
  }
  bool open(json&& empty) {
    if (stack_.size() + skipping_ + texting_ >= max_depth_) return deep();
    const char bracket = empty.is_object() ? '{' : '[';
    if (texting_ != 0) {
      const bool dropping = text_levels_.back().dropping || text_shallow_;
      if (!text_levels_.back().dropping) {  // in a shallow text: an empty one of its kind
        separate();
        text_.push_back(static_cast<std::uint8_t>(bracket));
        if (dropping) text_.push_back(static_cast<std::uint8_t>(bracket == '{' ? '}' : ']'));
      }
      push_level(dropping);
      ++texting_;
      return true;
    }
    if (skipping_ != 0 || stack_.size() >= build_depth_) {  // read, not built
      if (kept() && !put(std::move(empty))) return false;
      ++skipping_;
      return true;
    }
    json_container_rule rule;
    if (shape_ != nullptr) {
      keys_.push_back(stack_.empty()              ? std::string()
                      : stack_.back()->is_array() ? std::string("[]")
                                                  : last_key_);
      rule = shape_(std::span<const std::string>(keys_).subspan(1), empty.is_array());
      if (rule.keep != json_keep::tree) {
        // Read as text either way, so that a repeated key is found as in a tree; kept by its kind,
        // the text is dropped at the end.
        keys_.pop_back();
        text_kind_only_ = rule.keep == json_keep::kind;
        text_shallow_ = rule.keep == json_keep::shallow_text;
        texted_ = add(text_kind_only_ ? std::move(empty)
                                      : json::binary(json::binary_t::container_type{},
                                                     empty.is_object() ? json_text_object_subtype
                                                                       : json_text_array_subtype));
        if (texted_ == nullptr) return false;
        text_.clear();
        if (!text_kind_only_) text_.push_back(static_cast<std::uint8_t>(bracket));
        text_levels_.clear();
        push_level(text_kind_only_);
        texting_ = 1;
        return true;
      }
    }
    json* at = add(std::move(empty));
    if (at == nullptr) return false;
    stack_.push_back(at);
    bounds_.push_back(rule);
    return true;
  }
  bool close(char bracket) {
    if (texting_ != 0) {
      if (text_levels_.back().dropping) {
        text_.resize(text_levels_.back().start);  // its keys are no longer needed
      } else {
        text_.push_back(static_cast<std::uint8_t>(bracket));
      }
      text_levels_.pop_back();
      if (--texting_ == 0) {
        if (!text_kind_only_)
          static_cast<json::binary_t::container_type&>(texted_->get_binary()) = std::move(text_);
        text_ = {};
      }
    } else if (skipping_ != 0) {
      --skipping_;
    } else {
      stack_.pop_back();
      bounds_.pop_back();
      if (shape_ != nullptr) keys_.pop_back();
    }
    return true;
  }
  void push_level(bool dropping) {
    text_level& level = text_levels_.emplace_back();
    level.dropping = dropping;
    level.start = text_.size();
  }
  /// In text: the comma before a value or a key that is not the first of its container.
  void separate() {
    if (!text_levels_.back().first) text_.push_back(',');
    text_levels_.back().first = false;
  }
  /// A key in text, refused when its object has it already, as in a built object. Kept by its
  /// kind, the text holds only the keys of the objects that are open.
  bool text_key(const std::string& k) {
    if (!text_levels_.back().dropping) separate();
    const std::size_t at = text_.size();
    append_quoted(k);
    if (!text_levels_.back().insert(text_, at)) return repeated_key(k);
    text_.push_back(':');
    text_levels_.back().first = true;  // the value needs no comma
    return true;
  }
  /// The error of a key its object has already (D6), at the key.
  bool repeated_key(const std::string& k) {
    error_offset_ = key_start();
    error_message_ = "the key \"" + k + "\" appears twice in this object; expected unique keys";
    return false;
  }
  /// `s` as nlohmann's `dump` writes a string: quoted, with `"`, `\\` and control characters
  /// escaped, anything else as it is (the parser has checked the UTF-8).
  void append_quoted(std::string_view s) {
    text_.push_back('"');
    for (const char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (u >= 0x20 && c != '"' && c != '\\') {
        text_.push_back(u);
        continue;
      }
      text_.push_back('\\');
      switch (c) {
        case '"':
          text_.push_back('"');
          break;
        case '\\':
          text_.push_back('\\');
          break;
        case '\b':
          text_.push_back('b');
          break;
        case '\f':
          text_.push_back('f');
          break;
        case '\n':
          text_.push_back('n');
          break;
        case '\r':
          text_.push_back('r');
          break;
        case '\t':
          text_.push_back('t');
          break;
        default: {
          static constexpr char hex[] = "0123456789abcdef";
          append("u00");
          text_.push_back(static_cast<std::uint8_t>(hex[u >> 4]));
          text_.push_back(static_cast<std::uint8_t>(hex[u & 0xf]));
        }
      }
    }
    text_.push_back('"');
  }
  void append(std::string_view w) { text_.insert(text_.end(), w.begin(), w.end()); }
  bool word(std::string_view w) {
    if (!text_levels_.back().dropping) {
      separate();
      append(w);
    }
    return true;
  }
  bool put(json&& v) { return add(std::move(v)) != nullptr; }
  /// Stores `v` where the parser is; nullptr (and the error) for an element past the shape's bound.
  json* add(json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      if (!bounds_.empty() && top.size() >= bounds_.back().max_elements) {
        error_offset_ = read_offset() == 0 ? 0 : read_offset() - 1;
        error_message_ = std::string(bounds_.back().too_many);
        error_is_bound_ = true;
        return nullptr;
      }
      top.push_back(std::move(v));
      return &top.back();
    }
    *member_ = std::move(v);
    return member_;
  }
  bool deep() {
    error_offset_ = read_offset() == 0 ? 0 : read_offset() - 1;
    error_message_ = "nesting deeper than " + std::to_string(max_depth_) + " levels";
    return false;
  }
  [[nodiscard]] std::size_t read_offset() const noexcept {
    return static_cast<std::size_t>(*furthest_ - begin_);
  }
  /// The offset of the opening quote of the key that was just read.
  [[nodiscard]] std::size_t key_start() const noexcept {
    std::size_t i = read_offset();
    if (i >= 2) i -= 2;  // the parser is just past the closing quote
    while (i > 0) {
      if (begin_[i] == '"') {
        std::size_t backslashes = 0;
        while (i > backslashes && begin_[i - 1 - backslashes] == '\\') ++backslashes;
        if (backslashes % 2 == 0) return i;
      }
      --i;
    }
    return i;
  }

  json& root_;
  const char* begin_;
  const char* const* furthest_;
  std::size_t max_depth_;
  std::size_t build_depth_;
  json_shape shape_;
  std::size_t skipping_ = 0;  ///< how deep inside a container that is read and not built
  std::vector<json*> stack_;
  std::vector<json_container_rule> bounds_;  ///< the shape's rule for each container of `stack_`
  std::vector<std::string> keys_;            ///< with a shape: the member names down to each of `stack_`
  std::string last_key_;
  json* member_ = nullptr;
  std::size_t texting_ = 0;              ///< how deep inside a container kept as its text
  json* texted_ = nullptr;               ///< the value that receives the text
  bool text_kind_only_ = false;          ///< the text is dropped at the end (`json_keep::kind`)
  bool text_shallow_ = false;            ///< what the text nests is kept by its kind (`shallow_text`)
  json::binary_t::container_type text_;  ///< the text so far
  /// Per open container in text: whether nothing is written in it yet, and where its keys are in
  /// `text_` by their hash.
  struct text_level {
    bool dropping = false;  ///< kept by its kind: nothing written but the keys, dropped at its end
    std::size_t start = 0;  ///< where its text starts
    bool first = true;
    /// Open addressing: 1 + the offset in the text of each key written (0: an empty slot), at
    /// most half full. A key in the text is its quoted form followed by ':'.
    std::vector<std::size_t> slots;
    std::size_t used = 0;

    [[nodiscard]] static std::string_view quoted_at(const json::binary_t::container_type& text,
                                                    std::size_t at) {
      const auto* p = reinterpret_cast<const char*>(text.data());
      std::size_t end = at + 1;
      while (p[end] != '"') end += p[end] == '\\' ? 2 : 1;
      return {p + at, end + 1 - at};
    }
    void place(std::string_view quoted, std::size_t slot_value) {
      const std::size_t mask = slots.size() - 1;
      for (std::size_t i = fnv1a_64(quoted) & mask;; i = (i + 1) & mask) {
        if (slots[i] == 0) {
          slots[i] = slot_value;
          return;
        }
      }
    }
    /// Records the quoted key just written at `at`, the end of `text`; false if this object has
    /// it already.
    bool insert(const json::binary_t::container_type& text, std::size_t at) {
      const std::string_view quoted(reinterpret_cast<const char*>(text.data()) + at, text.size() - at);
      if (!slots.empty()) {
        const std::size_t mask = slots.size() - 1;
        for (std::size_t i = fnv1a_64(quoted) & mask; slots[i] != 0; i = (i + 1) & mask) {
          const std::size_t other = slots[i] - 1;
          if (at - other > quoted.size() &&
              std::memcmp(text.data() + other, quoted.data(), quoted.size()) == 0 &&
              text[other + quoted.size()] == ':')
            return false;
        }
      }
      if (2 * (used + 1) > slots.size()) {  // grow, placing the keys again
        std::vector<std::size_t> old(std::max<std::size_t>(8, 2 * slots.size()), 0);
        old.swap(slots);
        for (const std::size_t v : old) {
          if (v != 0) place(quoted_at(text, v - 1), v);
        }
      }
      place(quoted, at + 1);
      ++used;
      return true;
    }
  };
  std::vector<text_level> text_levels_;
  std::size_t error_offset_ = 0;
  std::string error_message_;
  bool error_is_bound_ = false;
};

}  // namespace detail

/// Parses one JSON document. `text` starts at `origin` of `file`; a syntax error, a NUL byte, a
/// repeated key or nesting deeper than `max_depth` raises `input_error` at its line and column. Integers
/// outside 64 bits keep their digits (read them with `json_integer_text`). Containers opened
/// `build_depth` levels down are read, not built: an empty one of their kind stands for each
/// (`exact_json_builder`), for a reader that refuses any there. With a `shape`, the containers it
/// does not build are kept as their text (`json_text_of`), and an array past its bound raises
/// `input_error` with the shape's message.
[[nodiscard]] inline nlohmann::json read_json(std::string_view text, const std::string& file,
                                              text_position origin = {1, 1},
                                              std::size_t max_depth = max_json_depth,
                                              std::size_t build_depth = max_json_depth,
                                              json_shape shape = nullptr) {
  // The parser would take a NUL byte for the end of the text and accept what precedes it.
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    METERKIT_THROW(input_error(file, detail::advance_position(text, nul, origin),
                               "invalid JSON: a NUL byte (is this a binary file?)"));
  }
  nlohmann::json root;
  const char* furthest = text.data();
  detail::exact_json_builder builder(root, text.data(), &furthest, max_depth, build_depth, shape);
  const detail::counting_char_iterator first{text.data(), &furthest};
  const detail::counting_char_iterator last{text.data() + text.size(), &furthest};
  if (!nlohmann::json::sax_parse(first, last, &builder)) {
    METERKIT_THROW(input_error(
        file, detail::advance_position(text, builder.error_offset(), origin),
        builder.error_is_bound() ? builder.error_message() : "invalid JSON: " + builder.error_message()));
  }
  return root;
}

/// Whether `j` is a JSON integer (including one outside 64 bits).
[[nodiscard]] inline bool is_json_integer(const nlohmann::json& j) noexcept {
  return j.is_number_integer() || (j.is_binary() && j.get_binary().has_subtype() &&
                                   j.get_binary().subtype() == detail::json_big_integer_subtype);
}

/// Whether `j` is an object or an array that `read_json` kept as its text (its shape does not
/// build it).
[[nodiscard]] inline bool is_json_text(const nlohmann::json& j) noexcept {
  return j.is_binary() && j.get_binary().has_subtype() &&
         (j.get_binary().subtype() == detail::json_text_object_subtype ||
          j.get_binary().subtype() == detail::json_text_array_subtype);
}

/// The text of a container kept as text: its tokens in order, without white space. Precondition:
/// `is_json_text(j)`.
[[nodiscard]] inline std::string_view json_text_of(const nlohmann::json& j) noexcept {
  const auto& bytes = j.get_binary();
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

/// The decimal text of a JSON integer (D3). Precondition: `is_json_integer(j)`.
[[nodiscard]] inline std::string json_integer_text(const nlohmann::json& j) {
  if (j.is_number_unsigned()) return std::to_string(j.get<std::uint64_t>());
  if (j.is_number_integer()) return std::to_string(j.get<std::int64_t>());
  const auto& bytes = j.get_binary();
  return {bytes.begin(), bytes.end()};
}

/// The value of a JSON integer that fits in 64 signed bits, else nullopt.
[[nodiscard]] inline std::optional<std::int64_t> json_int64(const nlohmann::json& j) noexcept {
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (j.is_number_integer()) return j.get<std::int64_t>();
  return std::nullopt;
}

/// How a value is named in messages: "a string", "an integer", "an object", ...
[[nodiscard]] inline std::string describe_json(const nlohmann::json& j) {
  if (is_json_integer(j)) return "an integer (" + json_integer_text(j) + ")";
  if (is_json_text(j))
    return j.get_binary().subtype() == detail::json_text_object_subtype ? "an object" : "an array";
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return j.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::number_float:
      return "a number with a fraction or an exponent (" + j.dump() + ")";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    default:
      return "a value of another kind";
  }
}

/// Whether `j` is an object that `read_json` kept as its text.
[[nodiscard]] inline bool is_json_text_object(const nlohmann::json& j) noexcept {
  return is_json_text(j) && j.get_binary().subtype() == detail::json_text_object_subtype;
}

/// One member of an object kept as text (`for_each_json_text_member`).
struct json_text_member {
  enum class kind { string, integer, other };
  std::string key;  ///< unescaped
  kind what = kind::other;
  std::string value;  ///< a string unescaped, an integer's decimal digits, else the value's text
  /// How the value is named in messages, as `describe_json` names it.
  [[nodiscard]] std::string describe() const {
    switch (what) {
      case kind::string:
        return "a string";
      case kind::integer:
        return "an integer (" + value + ")";
      case kind::other:
        break;
    }
    if (value.front() == '{') return "an object";
    if (value.front() == '[') return "an array";
    if (value == "null" || value == "true" || value == "false") return value;
    return "a number with a fraction or an exponent (" + value + ")";
  }
};

namespace detail {

/// A minimal reader of already valid JSON text, to find a value again by its path.
class json_text_walker {
 public:
  explicit json_text_walker(std::string_view text, std::size_t at = 0) : t_(text), i_(at) {}

  [[nodiscard]] std::size_t offset() const noexcept { return i_; }
  void skip_space() noexcept {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
  }
  [[nodiscard]] bool at(char c) const noexcept { return i_ < t_.size() && t_[i_] == c; }

  /// Steps into the member `key` of the object here; false (position unchanged) if absent.
  bool enter_member(std::string_view key) {
    skip_space();
    if (!at('{')) return false;
    const std::size_t start = i_;
    ++i_;
    for (;;) {
      skip_space();
      if (!at('"')) break;
      const std::string k = read_string();
      skip_space();
      if (!at(':')) break;
      ++i_;
      skip_space();
      if (k == key) return true;
      skip_value();
      skip_space();
      if (!at(',')) break;
      ++i_;
    }
    i_ = start;
    return false;
  }

  /// Steps into element `index` of the array here; false (position unchanged) if absent.
  bool enter_element(std::size_t index) {
    skip_space();
    if (!at('[')) return false;
    const std::size_t start = i_;
    ++i_;
    skip_space();
    if (at(']')) {
      i_ = start;
      return false;
    }
    for (std::size_t n = 0;; ++n) {
      skip_space();
      if (n == index) return true;
      skip_value();
      skip_space();
      if (!at(',')) break;
      ++i_;
    }
    i_ = start;
    return false;
  }

  /// Steps past `c` if it is here.
  bool consume(char c) noexcept {
    if (!at(c)) return false;
    ++i_;
    return true;
  }

  void skip_value() noexcept {
    skip_space();
    if (at('"')) {
      skip_string();
      return;
    }
    if (at('{') || at('[')) {
      std::size_t depth = 0;
      while (i_ < t_.size()) {
        const char c = t_[i_];
        if (c == '"') {
          skip_string();
          continue;
        }
        ++i_;
        if (c == '{' || c == '[') ++depth;
        if (c == '}' || c == ']') {
          if (--depth == 0) return;
        }
      }
      return;
    }
    while (i_ < t_.size() && t_[i_] != ',' && t_[i_] != '}' && t_[i_] != ']' && t_[i_] != ' ' &&
           t_[i_] != '\n' && t_[i_] != '\r' && t_[i_] != '\t') {
      ++i_;
    }
  }

  /// Reads the string that starts here (at its quote) and decodes its escapes.
  std::string read_string() {
    std::string out;
    ++i_;
    while (i_ < t_.size() && t_[i_] != '"') {
      char c = t_[i_++];
      if (c != '\\' || i_ >= t_.size()) {
        out += c;
        continue;
      }
      c = t_[i_++];
      switch (c) {
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t cp = read_hex4();
          if (cp >= 0xd800 && cp <= 0xdbff && i_ + 1 < t_.size() && t_[i_] == '\\' && t_[i_ + 1] == 'u') {
            i_ += 2;
            const std::uint32_t low = read_hex4();
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          out += c;
      }
    }
    if (i_ < t_.size()) ++i_;
    return out;
  }

 private:
  /// Steps past the string that starts here (at its quote).
  void skip_string() noexcept {
    ++i_;
    while (i_ < t_.size() && t_[i_] != '"') i_ += t_[i_] == '\\' ? std::size_t{2} : std::size_t{1};
    if (i_ < t_.size()) ++i_;
  }
  std::uint32_t read_hex4() {
    std::uint32_t v = 0;
    for (int k = 0; k < 4 && i_ < t_.size(); ++k, ++i_) {
      const char c = t_[i_];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
      if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
      if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
    }
    return v;
  }
  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  std::string_view t_;
  std::size_t i_ = 0;
};

}  // namespace detail

/// How many members an object kept as text has. Precondition: `is_json_text_object(j)`.
[[nodiscard]] inline std::size_t json_text_member_count(const nlohmann::json& j) noexcept {
  detail::json_text_walker w(json_text_of(j), 1);  // past '{'
  std::size_t n = 0;
  while (w.at('"')) {
    w.skip_value();  // the key
    (void)w.consume(':');
    w.skip_value();
    ++n;
    if (!w.consume(',')) break;
  }
  return n;
}

/// Calls `member(json_text_member&&)` for each member of an object kept as text, in the order
/// written. Precondition: `is_json_text_object(j)`.
template <class F>
void for_each_json_text_member(const nlohmann::json& j, F&& member) {
  const std::string_view t = json_text_of(j);
  detail::json_text_walker w(t, 1);  // past '{'
  while (w.at('"')) {
    json_text_member m;
    m.key = w.read_string();
    (void)w.consume(':');
    if (w.at('"')) {
      m.what = json_text_member::kind::string;
      m.value = w.read_string();
    } else {
      const std::size_t start = w.offset();
      w.skip_value();
      const std::string_view token = t.substr(start, w.offset() - start);
      m.what =
          detail::is_integer_lexeme(token) ? json_text_member::kind::integer : json_text_member::kind::other;
      m.value = std::string(token);
    }
    member(std::move(m));
    if (!w.consume(',')) break;
  }
}

/// The offset in `text` (a valid JSON document) of the value at `path`, or of its deepest ancestor
/// that exists.
[[nodiscard]] inline std::size_t locate_json_value(std::string_view text, std::span<const json_step> path) {
  detail::json_text_walker w(text);
  w.skip_space();
  for (const auto& step : path) {
    const bool found = step.index ? w.enter_element(*step.index) : w.enter_member(step.key);
    if (!found) break;
  }
  w.skip_space();
  return w.offset();
}

/// Turns a `json_value_error` about the document `text` (at `origin` of `file`) into an
/// `input_error` at the value's line and column. `prefix` steps are the part of the error's path
/// that lies outside `text` (none by default).
[[noreturn]] inline void raise_at_value(const json_value_error& e, std::string_view text,
                                        const std::string& file, text_position origin = {1, 1},
                                        std::size_t prefix = 0) {
  const auto& path = e.path();
  const std::span<const json_step> inside(path.data() + std::min(prefix, path.size()),
                                          path.size() - std::min(prefix, path.size()));
  METERKIT_THROW(
      input_error(file, detail::advance_position(text, locate_json_value(text, inside), origin), e.what()));
}

namespace detail {

/// The elements of one top-level JSON array read from an input, one at a time, each with the
/// position of its first character. Holds at most one element (bounded by `max_record_bytes`).
class json_array_reader {
 public:
  /// `expected` says what the file should hold, for messages ("a JSON array of meter events").
  json_array_reader(input_source& source, const read_options& options, std::string expected)
      : buffer_(source, options), expected_(std::move(expected)) {
    buffer_.skip_bom();
  }

  /// The next element's text and position; false after the closing `]`.
  bool next(std::string_view& element, text_position& where) {
    buffer_.consume(pending_);
    pending_ = 0;
    if (done_) return false;
    if (!started_) {
      skip_space();
      if (buffer_.available().empty()) fail_here("the file is empty; expected " + expected_);
      if (buffer_.available().front() != '[') {
        fail_here("expected " + expected_ + " starting with '[', found " +
                  describe_byte(buffer_.available().front()));
      }
      take(1);
      started_ = true;
      skip_space();
      if (peek() == ']') return finish();
    } else {
      skip_space();
      if (peek() == ']') return finish();
      if (peek() != ',') {
        if (buffer_.available().empty())
          fail_here("unexpected end of file; expected ',' or ']' to continue the array");
        fail_here("expected ',' or ']' after an array element, found " + describe_byte(peek()));
      }
      take(1);
      skip_space();
    }
    if (buffer_.available().empty()) fail_here("unexpected end of file; expected an array element");
    if (peek() == ']') fail_here("expected an array element after ',', found ']'");
    where = position_;
    const std::size_t length = element_length();
    element = buffer_.available().substr(0, length);
    pending_ = length;
    position_ = advance_position(element, length, position_);
    return true;
  }

 private:
  char peek() {
    if (buffer_.available().empty()) buffer_.fill();
    return buffer_.available().empty() ? '\0' : buffer_.available().front();
  }
  void take(std::size_t n) {
    position_ = advance_position(buffer_.available(), n, position_);
    buffer_.consume(n);
  }
  void skip_space() {
    for (;;) {
      const std::string_view a = buffer_.available();
      std::size_t i = 0;
      while (i < a.size() && (a[i] == ' ' || a[i] == '\t' || a[i] == '\n' || a[i] == '\r')) ++i;
      take(i);
      if (i < a.size() || !buffer_.fill()) return;
    }
  }
  bool finish() {
    take(1);
    done_ = true;
    skip_space();
    if (!buffer_.available().empty()) {
      fail_here("expected the end of the file after the array's ']', found " +
                describe_byte(buffer_.available().front()));
    }
    return false;
  }
  [[noreturn]] void fail_here(const std::string& message) const {
    METERKIT_THROW(input_error(buffer_.source().name(), position_, message));
  }

  /// The length of the element that starts the available bytes, reading more as needed.
  std::size_t element_length() {
    std::size_t i = 0;
    std::size_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    const bool container = peek() == '{' || peek() == '[';
    const bool scalar_string = peek() == '"';
    for (;;) {
      const std::string_view a = buffer_.available();
      for (; i < a.size(); ++i) {
        const char c = a[i];
        if (in_string) {
          if (escaped) {
            escaped = false;
          } else if (c == '\\') {
            escaped = true;
          } else if (c == '"') {
            in_string = false;
            if (scalar_string) return i + 1;
          }
          continue;
        }
        if (c == '"') {
          in_string = true;
        } else if (container && (c == '{' || c == '[')) {
          ++depth;
        } else if (container && (c == '}' || c == ']')) {
          if (--depth == 0) return i + 1;
        } else if (!container && (c == ',' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
          return i;
        }
      }
      if (i > buffer_.options().max_record_bytes) {
        fail_here("this array element is longer than " + std::to_string(buffer_.options().max_record_bytes) +
                  " bytes, the limit for one element");
      }
      if (!buffer_.fill()) {
        // Let the JSON parser say precisely what is missing at the end of the file.
        const std::string_view partial = buffer_.available();
        (void)read_json(partial, buffer_.source().name(), position_);
        if (!container) return partial.size();
        fail_here("unexpected end of file inside this array element");
      }
    }
  }

  block_buffer buffer_;
  std::string expected_;
  text_position position_{1, 1};
  std::size_t pending_ = 0;
  bool started_ = false;
  bool done_ = false;
};

}  // namespace detail

}  // namespace meterkit
